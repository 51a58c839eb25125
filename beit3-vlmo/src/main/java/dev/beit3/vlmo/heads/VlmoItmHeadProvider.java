package dev.beit3.vlmo.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.Api;
import dev.beit3.api.Encoder;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.LinearWeights;
import dev.beit3.core.spi.DeclaredHeadProvider;
import java.util.Set;

/**
 * VLMo image-text matching: one fused pass, {@code cls_feats = tanh(pooler.dense(norm(x)[:, 0]))} (the text
 * [CLS]), {@code itm_logits = itm_score.fc(cls_feats)} (B, 2), index 1 = match. Options: {@code
 * imageTokenType} (default 1).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoItmHeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "vlmo-itm";
    /** Preset: pretrained VLMo at 224 px, 40 text tokens. */
    public static final TaskPreset PRESET = new TaskPreset(ID, 224, 40, true, true, true);

    /** Creates the provider. */
    public VlmoItmHeadProvider() {
        super(ID, ModelFamily.VLMO, PRESET, Set.of("itm_score.fc.weight", "pooler.dense.weight"),
                "VLMo ITM: match / no-match logits of image-text pairs from the pooled text [CLS]");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        long classes = VlmoHeadSupport.outFeatures(ws, "itm_score.fc.weight", ID);
        return new Head(VlmoHeadSupport.Pooler.load(ws, d),
                LinearWeights.load(ws, "itm_score.fc", classes, d, true, "VLMo ITM head"));
    }

    private static final class Head extends VlmoHead {
        private final VlmoHeadSupport.Pooler pooler;
        private final LinearWeights fc;

        Head(VlmoHeadSupport.Pooler pooler, LinearWeights fc) {
            super(ID, "itm_logits", "cls_feats");
            this.pooler = pooler;
            this.fc = fc;
        }

        @Override
        NDList run(Encoder encoder, HeadInput input, NDManager scope) {
            NDArray images = VlmoHeadSupport.need(input.images(), "images", ID);
            VlmoHeadSupport.need(input.textIds(), "text ids", ID);
            NDArray out = VlmoHeadSupport.fused(encoder, images, input, input.intOption("imageTokenType", 1), scope)
                    .output(); // (B, T+N+1, D)
            NDArray cls = pooler.apply(out); // (B, D)
            return new NDList(fc.apply(cls), cls); // (B, 2), (B, D)
        }
    }
}
