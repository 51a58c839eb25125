package dev.beit3.vlmo.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.Api;
import dev.beit3.api.Encoder;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.LayerNormWeights;
import dev.beit3.core.nn.LinearWeights;
import dev.beit3.core.nn.Ops;
import dev.beit3.core.spi.DeclaredHeadProvider;
import java.util.Set;

/**
 * VLMo masked language modelling ({@code heads.MLMHead}): one fused pass, then at every text position
 * {@code decoder(LayerNorm_1e-12(gelu(transform.dense(text_feats)))) + bias} (B, T, V).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoMlmHeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "vlmo-mlm";
    /** Preset: pretrained VLMo at 224 px, 40 text tokens. */
    public static final TaskPreset PRESET = new TaskPreset(ID, 224, 40, true, true, true);

    /** Creates the provider. */
    public VlmoMlmHeadProvider() {
        super(ID, ModelFamily.VLMO, PRESET, Set.of("mlm_score.decoder.weight"),
                "VLMo MLM: vocabulary logits at every text position of a fused pass");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        long v = VlmoHeadSupport.outFeatures(ws, "mlm_score.decoder.weight", ID);
        String p = "VLMo MLM head";
        return new Head(LinearWeights.load(ws, "mlm_score.transform.dense", d, d, true, p),
                LayerNormWeights.load(ws, "mlm_score.transform.LayerNorm", d, 1e-12, p),
                new LinearWeights(ws.require("mlm_score.decoder.weight", new Shape(v, d), p),
                        ws.require("mlm_score.bias", new Shape(v), p)));
    }

    private static final class Head extends VlmoHead {
        private final LinearWeights dense;
        private final LayerNormWeights norm;
        private final LinearWeights decoder;

        Head(LinearWeights dense, LayerNormWeights norm, LinearWeights decoder) {
            super(ID, "mlm_logits", "text_feats");
            this.dense = dense;
            this.norm = norm;
            this.decoder = decoder;
        }

        @Override
        NDList run(Encoder encoder, HeadInput input, NDManager scope) {
            NDArray images = VlmoHeadSupport.need(input.images(), "images", ID);
            NDArray ids = VlmoHeadSupport.need(input.textIds(), "text ids", ID);
            long t = ids.getShape().get(1);
            NDArray out = VlmoHeadSupport.fused(encoder, images, input, input.intOption("imageTokenType", 1), scope)
                    .output(); // (B, T+N+1, D)
            NDArray text = out.get(":, 0:{}", t); // (B, T, D)
            NDArray logits = decoder.apply(norm.apply(Ops.gelu(dense.apply(text)))); // (B, T, V)
            return new NDList(logits, text);
        }
    }
}
