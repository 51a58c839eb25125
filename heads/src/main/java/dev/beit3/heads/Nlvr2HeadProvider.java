package dev.beit3.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.Api;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.EncoderOutput;
import dev.beit3.api.HeadInput;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.InvalidInputException;
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
 * Visual reasoning over two images and one sentence ({@code BEiT3ForVisualReasoning}): one fused pass
 * on the 2B rows [all (a, text), all (b, text)], per row [out₀, out_split], the rows of a and b side
 * by side (4D), then dense2(GELU(norm2(dense1(norm1(·))))). Outputs {@code logits} (B, 2), index 1 =
 * "True", and {@code cls_rep} (B, 4D).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Nlvr2HeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "nlvr2";

    /** Creates the provider. */
    public Nlvr2HeadProvider() {
        super(ID, ModelFamily.BEIT3, TaskPreset.NLVR2, Set.of("head.dense1.weight", "head.dense2.weight"),
                "NLVR2: two images + one sentence → true/false");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        double eps = spec.encoder().layerNormEps();
        String p = "NLVR2 head";
        long classes = HeadSupport.outFeatures(ws, "head.dense2.weight", p);
        return new Head(LayerNormWeights.load(ws, "head.norm1", 4 * d, eps, p),
                LinearWeights.load(ws, "head.dense1", 2 * d, 4 * d, true, p),
                LayerNormWeights.load(ws, "head.norm2", 2 * d, eps, p),
                LinearWeights.load(ws, "head.dense2", classes, 2 * d, true, p));
    }

    private record Head(LayerNormWeights norm1, LinearWeights dense1, LayerNormWeights norm2, LinearWeights dense2)
            implements TaskHead {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public List<String> outputNames() {
            return List.of("logits", "cls_rep");
        }

        @Override
        public NDList forward(Encoder encoder, HeadInput input, NDManager scope) {
            NDArray a = HeadSupport.need(input.images(), "the first images", ID);
            NDArray b = HeadSupport.need(input.secondImages(), "the second images", ID);
            NDArray ids = HeadSupport.need(input.textIds(), "sentence token ids", ID);
            if (!a.getShape().equals(b.getShape())) {
                throw new InvalidInputException("NLVR2 image batches differ: " + a.getShape() + " vs " + b.getShape());
            }
            long batch = a.getShape().get(0);
            NDArray pad = input.textPaddingMask();
            NDArray images = a.concat(b, 0); // (2B, 3, S, S)
            NDArray text = ids.concat(ids, 0); // (2B, T)
            NDArray pads = pad == null ? null : pad.concat(pad, 0);
            EncoderOutput out = encoder.encode(EncoderInput.fused(images, text, pads), scope);
            int split = out.splitPosition();
            NDArray rows = out.output().get(":, 0").concat(out.output().get(":, {}", split), 1); // (2B, 2D)
            NDArray rep = rows.get(":{}", batch).concat(rows.get("{}:", batch), 1); // (B, 4D)
            NDArray logits = dense2.apply(Ops.gelu(norm2.apply(dense1.apply(norm1.apply(rep))))); // (B, 2)
            return new NDList(logits, rep);
        }
    }
}
