package dev.beit3.heads.vlmo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.Api;
import dev.beit3.heads.DeclaredHeadProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.Encoder;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.api.WeightSource;
import java.util.List;
import java.util.Set;

/**
 * VLMo NLVR2 ({@code objectives.compute_nlvr2}): two fused passes with the same text, the first image
 * with token type 1, the second with token type 2; {@code cls_feats = cat(pooler₁, pooler₂)} (B, 2D) →
 * {@code nlvr2_classifier.3(gelu(LayerNorm_1e-5(nlvr2_classifier.0(·))))} (B, 2).
 */
@Api(status = Api.Status.EXPERIMENTAL)
public final class VlmoNlvr2HeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "vlmo-nlvr2";
    /** Preset: VLMo NLVR2 fine-tuning at 384 px, 40 text tokens. */
    public static final TaskPreset PRESET = new TaskPreset(ID, 384, 40, true, true, true);

    /** Creates the provider. */
    public VlmoNlvr2HeadProvider() {
        super(ID, ModelFamily.VLMO, PRESET, Set.of("nlvr2_classifier.0.weight", "pooler.dense.weight"),
                "VLMo NLVR2: true/false logits for a sentence about two images");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        return new Head(VlmoHeadSupport.Pooler.load(ws, d),
                VlmoHeadSupport.Classifier.load(ws, "nlvr2_classifier", 2 * d, ID));
    }

    private record Head(VlmoHeadSupport.Pooler pooler, VlmoHeadSupport.Classifier classifier) implements TaskHead {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public List<String> outputNames() {
            return List.of("logits", "cls_feats");
        }

        @Override
        public NDList forward(Encoder encoder, HeadInput input, NDManager scope) {
            VlmoHeadSupport.requireVlmo(encoder, ID);
            NDArray first = VlmoHeadSupport.need(input.images(), "the first images", ID);
            NDArray second = VlmoHeadSupport.need(input.secondImages(), "the second images", ID);
            VlmoHeadSupport.need(input.textIds(), "text ids", ID);
            NDArray c1 = pooler.apply(VlmoHeadSupport.fused(encoder, first, input, 1, scope).output()); // (B, D)
            NDArray c2 = pooler.apply(VlmoHeadSupport.fused(encoder, second, input, 2, scope).output()); // (B, D)
            NDArray cls = c1.concat(c2, 1); // (B, 2D)
            return new NDList(classifier.apply(cls), cls);
        }
    }
}
