package dev.beit3.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.InputLayout;
import dev.beit3.api.LayerSlot;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.ProviderException;
import dev.beit3.api.Route;
import dev.beit3.api.RoutingPlan;
import dev.beit3.api.Segment;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;
import dev.beit3.core.encoder.MultiwayEncoder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Assembles a VLMo encoder from the providers of this module: the shared attention and final norm ({@value
 * #SHARED}), the image FFN expert and image embedding ({@value #IMAGE}), the text FFN expert and text embedding
 * ({@value #TEXT}) and the vision-language FFN expert ({@value #VL}).
 *
 * <p>Routing ({@link #plan}): attention and final norm of every layout go to the shared expert; the FFN of
 * an image-only pass goes to the image expert in every layer, of a text-only pass to the text expert; a
 * fused pass (text first) sends text to the text expert and image tokens to the image expert in layers
 * {@code < s}, and every token to the VL expert in layers {@code ≥ s}. The VL branch ({@link
 * #vlBranchPlan}, branch name {@value #BRANCH_VL}) of the single-modality layouts sends every token to the
 * VL expert from layer s; {@link dev.beit3.api.Encoder#runBranch} re-runs layers s…L−1 along it. The family's
 * facts (text first, no padded-row zeroing, no reserved text positions, these plans) are {@link
 * VlmoFamilyProvider}'s.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoEncoders {
    /** Provider of the shared attention and the final norm. */
    public static final String SHARED = "vlmo-shared";
    /** Provider of the image FFN expert and the image embedding. */
    public static final String IMAGE = "vlmo-image";
    /** Provider of the text FFN expert and the text embedding. */
    public static final String TEXT = "vlmo-text";
    /** Provider of the vision-language FFN expert. */
    public static final String VL = "vlmo-vl";
    /** Name of the VL branch of single-modality passes. */
    public static final String BRANCH_VL = "vl";
    /** {@link dev.beit3.api.EncoderInput#options()} key of the image token type (1; NLVR2's second image: 2). */
    public static final String IMAGE_TOKEN_TYPE = "imageTokenType";

    private static final String MODULE = "beit3-vlmo";

    private VlmoEncoders() {}

    /**
     * The routing plan of a VLMo model.
     *
     * @param config the configuration (its {@code vlExpertStartLayer} is s)
     * @return the plan for VISION, LANGUAGE and FUSED input
     */
    public static RoutingPlan plan(EncoderConfig config) {
        Map<InputLayout, List<Map<LayerSlot, List<Route>>>> t = new EnumMap<>(InputLayout.class);
        for (InputLayout layout : InputLayout.values()) {
            t.put(layout, layers(config, layout, false));
        }
        return new RoutingPlan(config.layers(), t);
    }

    /**
     * The VL branch of single-modality passes: as {@link #plan} below s, every token to {@value #VL} from s.
     *
     * @param config the configuration
     * @return the plan for VISION and LANGUAGE input
     */
    public static RoutingPlan vlBranchPlan(EncoderConfig config) {
        Map<InputLayout, List<Map<LayerSlot, List<Route>>>> t = new EnumMap<>(InputLayout.class);
        t.put(InputLayout.VISION, layers(config, InputLayout.VISION, true));
        t.put(InputLayout.LANGUAGE, layers(config, InputLayout.LANGUAGE, true));
        return new RoutingPlan(config.layers(), t);
    }

    private static List<Map<LayerSlot, List<Route>>> layers(EncoderConfig c, InputLayout layout, boolean vlBranch) {
        List<Route> shared = List.of(new Route(Segment.ALL, SHARED));
        List<Route> vl = List.of(new Route(Segment.ALL, VL));
        List<Route> own = switch (layout) {
            case VISION -> List.of(new Route(Segment.VISION_PART, IMAGE));
            case LANGUAGE -> List.of(new Route(Segment.LANGUAGE_PART, TEXT));
            case FUSED -> List.of(new Route(Segment.LANGUAGE_PART, TEXT), new Route(Segment.VISION_PART, IMAGE));
        };
        boolean vlTop = vlBranch || layout == InputLayout.FUSED;
        List<Map<LayerSlot, List<Route>>> out = new ArrayList<>();
        for (int l = 0; l < c.layers(); l++) {
            Map<LayerSlot, List<Route>> m = new EnumMap<>(LayerSlot.class);
            m.put(LayerSlot.ATTENTION, shared);
            m.put(LayerSlot.FFN, vlTop && l >= c.vlExpertStartLayer() ? vl : own);
            out.add(m);
        }
        Map<LayerSlot, List<Route>> last = new EnumMap<>(LayerSlot.class);
        if (c.finalLayerNorm()) {
            last.put(LayerSlot.FINAL_NORM, shared);
        }
        out.add(last);
        return out;
    }

    /**
     * Builds the encoder of a VLMo checkpoint, with the VL branch when the model has a VL expert
     * ({@link VlmoFamilyProvider#branches}).
     *
     * @param layout the layout read off the checkpoint
     * @param root the checkpoint at its root
     * @param experts looks an expert provider up by id (e.g. a registry's {@code findExpert})
     * @param embeddings looks an embedding provider up by id
     * @return the encoder; the caller checks the weights' load report afterwards
     * @throws ProviderException naming a missing provider and the module that ships it
     */
    public static MultiwayEncoder build(VlmoLayout layout, WeightSource root, Function<String, ExpertProvider> experts,
            Function<String, EmbeddingProvider> embeddings) {
        EncoderConfig config = layout.encoderConfig();
        RoutingPlan plan = plan(config);
        Function<String, ExpertProvider> checked = id -> {
            ExpertProvider p = experts.apply(id);
            if (p == null) {
                throw new ProviderException("no expert provider '" + id + "' for the VLMo model (" + layout.summary()
                        + "); is the " + MODULE + " jar on the class path?");
            }
            if (!ModelFamily.VLMO.equals(p.family())) {
                throw new ProviderException("expert provider '" + id + "' reads " + p.family().displayName()
                        + " checkpoints, not VLMo's; register the VLMo provider under this id");
            }
            return p;
        };
        plan.expertIds().forEach(checked::apply);
        Map<Modality, TokenEmbedding> emb = new HashMap<>();
        emb.put(Modality.VISION, embedding(embeddings, IMAGE).create(config, root));
        emb.put(Modality.LANGUAGE, embedding(embeddings, TEXT).create(config, root));
        MultiwayEncoder.AttentionBias bias = layout.relativePosition() ? VlmoRelativePositionBias.load(layout, root)
                : null;
        return MultiwayEncoder.builder(config).family(new VlmoFamilyProvider()).plan(plan).experts(checked)
                .embeddings(emb).weights(root.under("transformer.")).attentionBias(bias).build();
    }

    private static EmbeddingProvider embedding(Function<String, EmbeddingProvider> f, String id) {
        EmbeddingProvider p = f.apply(id);
        if (p == null) {
            throw new ProviderException("no embedding provider '" + id + "' for the VLMo model; is the "
                    + MODULE + " jar on the class path?");
        }
        return p;
    }
}
