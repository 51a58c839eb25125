package dev.beit3.core.encoder;

import dev.beit3.api.Api;
import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.InputLayout;
import dev.beit3.api.Modality;
import dev.beit3.api.ProviderException;
import dev.beit3.api.RoutingPlan;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Assembles the encoder of a released BEiT-3 checkpoint from the vision and language providers.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Beit3Encoders {
    /** Id of the vision expert and embedding providers. */
    public static final String VISION = "beit3-vision";
    /** Id of the language expert and embedding providers. */
    public static final String LANGUAGE = "beit3-language";

    private Beit3Encoders() {}

    /**
     * The routing plan of the released checkpoints: image tokens to {@code beit3-vision} (A), text
     * tokens to {@code beit3-language} (B), in every layer and slot.
     *
     * @param config the configuration
     * @return the plan
     */
    public static RoutingPlan plan(EncoderConfig config) {
        return RoutingPlan.multiway(config.layers(), config.finalLayerNorm(), VISION, LANGUAGE);
    }

    /**
     * Builds the encoder.
     *
     * @param config the configuration (image size decides position interpolation)
     * @param root the checkpoint at its root (keys {@code beit3.*})
     * @param plan routing plan (e.g. {@link #plan(EncoderConfig)}, or one naming custom experts)
     * @param experts looks up an expert provider by id
     * @param embeddings looks up an embedding provider by id
     * @return the encoder; the caller checks the weights' load report afterwards
     */
    public static MultiwayEncoder build(EncoderConfig config, WeightSource root, RoutingPlan plan,
            Function<String, ExpertProvider> experts, Function<String, EmbeddingProvider> embeddings) {
        Map<Modality, TokenEmbedding> emb = new HashMap<>();
        Set<InputLayout> layouts = plan.table().keySet();
        if (layouts.contains(InputLayout.VISION) || layouts.contains(InputLayout.FUSED)) {
            emb.put(Modality.VISION, embedding(embeddings, VISION).create(config, root));
        }
        if (layouts.contains(InputLayout.LANGUAGE) || layouts.contains(InputLayout.FUSED)) {
            emb.put(Modality.LANGUAGE, embedding(embeddings, LANGUAGE).create(config, root));
        }
        return MultiwayEncoder.builder(config).family(new Beit3FamilyProvider()).plan(plan).experts(experts)
                .embeddings(emb).weights(root.under("beit3.encoder.")).build();
    }

    private static EmbeddingProvider embedding(Function<String, EmbeddingProvider> f, String id) {
        EmbeddingProvider p = f.apply(id);
        if (p == null) {
            throw new ProviderException("no embedding provider '" + id + "'; is the expert-"
                    + (id.equals(VISION) ? "vision" : "language") + " jar on the class path?");
        }
        return p;
    }
}
