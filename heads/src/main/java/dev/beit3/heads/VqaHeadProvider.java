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
import dev.beit3.core.nn.Ops;
import dev.beit3.core.spi.DeclaredHeadProvider;
import java.util.List;
import java.util.Set;

/**
 * Visual question answering ({@code BEiT3ForVisualQuestionAnswering}): fused image + question pass,
 * pooler tanh(dense(LN(out₀))), then Linear → LayerNorm → GELU → Linear over the answers. Outputs
 * {@code logits} (B, C) and {@code pooled} (B, D).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VqaHeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "vqa";

    /** Creates the provider. */
    public VqaHeadProvider() {
        super(ID, ModelFamily.BEIT3, TaskPreset.VQA, Set.of("pooler.dense.weight", "head.0.weight", "head.3.weight"),
                "VQA: pooler → Linear–LayerNorm–GELU–Linear over the answer list");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        double eps = spec.encoder().layerNormEps();
        String p = "VQA head";
        long classes = HeadSupport.outFeatures(ws, "head.3.weight", p);
        return new Head(LayerNormWeights.load(ws, "pooler.norm", d, eps, p),
                LinearWeights.load(ws, "pooler.dense", d, d, true, p),
                LinearWeights.load(ws, "head.0", 2 * d, d, true, p),
                LayerNormWeights.load(ws, "head.1", 2 * d, eps, p),
                LinearWeights.load(ws, "head.3", classes, 2 * d, true, p));
    }

    private record Head(LayerNormWeights poolNorm, LinearWeights poolDense, LinearWeights fc0, LayerNormWeights ln1,
            LinearWeights fc3) implements TaskHead {
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
            NDArray ids = HeadSupport.need(input.textIds(), "question token ids", ID);
            NDArray out = encoder.encode(EncoderInput.fused(img, ids, input.textPaddingMask()), scope).output();
            NDArray pooled = poolDense.apply(poolNorm.apply(out.get(":, 0"))).tanh(); // (B, D)
            NDArray logits = fc3.apply(Ops.gelu(ln1.apply(fc0.apply(pooled)))); // (B, C)
            return new NDList(logits, pooled);
        }
    }
}
