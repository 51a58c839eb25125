package dev.beit3.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.Api;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.HeadInput;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.LayerNormWeights;
import dev.beit3.core.nn.LinearWeights;
import dev.beit3.core.spi.DeclaredHeadProvider;
import java.util.List;
import java.util.Set;

/**
 * ImageNet-style classification ({@code BEiT3ForImageClassification}): mean of the patch tokens
 * (cls excluded) → {@code fc_norm} → {@code head}. Outputs {@code logits} (B, C) and {@code pooled} (B, D).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class ImageClassificationHeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "imageclassification";

    /** Creates the provider. */
    public ImageClassificationHeadProvider() {
        super(ID, ModelFamily.BEIT3, TaskPreset.IMAGE_CLASSIFICATION, Set.of("fc_norm.weight", "head.weight"),
                "image classification: mean patch token → fc_norm → linear");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        long classes = HeadSupport.outFeatures(ws, "head.weight", "classification head");
        String p = "classification head";
        return new Head(LayerNormWeights.load(ws, "fc_norm", d, spec.encoder().layerNormEps(), p),
                LinearWeights.load(ws, "head", classes, d, true, p));
    }

    private record Head(LayerNormWeights fcNorm, LinearWeights head) implements TaskHead {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public List<String> outputNames() {
            return List.of("logits", "pooled");
        }

        @Override
        public NDList forward(Encoder encoder, HeadInput input, NDManager scope) {
            NDArray img = HeadSupport.need(input.images(), "images", ID);
            NDArray out = encoder.encode(EncoderInput.vision(img), scope).output(); // (B, Nv, D)
            NDArray pooled = fcNorm.apply(out.get(":, 1:").mean(new int[] {1})); // (B, D)
            return new NDList(head.apply(pooled), pooled); // (B, C), (B, D)
        }
    }
}
