package dev.beit3.vlmo.heads;

import dev.beit3.api.ModelFamily;
import dev.beit3.api.Api;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.api.WeightSource;
import dev.beit3.core.spi.DeclaredHeadProvider;
import java.util.Set;

/**
 * VLMo VQA ({@code objectives.compute_vqa}): one fused pass of image and question, the pooler, then
 * {@code vqa_classifier.3(gelu(LayerNorm_1e-5(vqa_classifier.0(cls_feats))))} (B, answers).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
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
        return new VlmoHeadSupport.PooledClassifierHead(ID, VlmoHeadSupport.Pooler.load(ws, d),
                VlmoHeadSupport.Classifier.load(ws, "vqa_classifier", d, ID), false);
    }
}
