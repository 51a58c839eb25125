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
 * VLMo VQA ({@code objectives.compute_vqa}): one fused pass of image and question, the pooler, then
 * {@code vqa_classifier.3(gelu(LayerNorm_1e-5(vqa_classifier.0(cls_feats))))} (B, answers).
 */
@Api(status = Api.Status.EXPERIMENTAL)
public final class VlmoVqaHeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "vlmo-vqa";
    /** Preset: VLMo VQAv2 fine-tuning at 480 px, 40 text tokens. */
    public static final TaskPreset PRESET = new TaskPreset(ID, 480, 40, true, true, true);

    /** Creates the provider. */
    public VlmoVqaHeadProvider() {
        super(ID, ModelFamily.VLMO, PRESET, Set.of("vqa_classifier.0.weight", "pooler.dense.weight"),
                "VLMo VQA: answer logits from the pooled text [CLS] of image + question");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        return new Head(VlmoHeadSupport.Pooler.load(ws, d), VlmoHeadSupport.Classifier.load(ws, "vqa_classifier", d, ID));
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
            NDArray images = VlmoHeadSupport.need(input.images(), "images", ID);
            VlmoHeadSupport.need(input.textIds(), "question ids", ID);
            NDArray cls = pooler.apply(VlmoHeadSupport.fused(encoder, images, input, 1, scope).output()); // (B, D)
            return new NDList(classifier.apply(cls), cls);
        }
    }
}
