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
 * VLMo NLVR2 ({@code objectives.compute_nlvr2}): two fused passes with the same text, the first image
 * with token type 1, the second with token type 2; {@code cls_feats = cat(pooler₁, pooler₂)} (B, 2D) →
 * {@code nlvr2_classifier.3(gelu(LayerNorm_1e-5(nlvr2_classifier.0(·))))} (B, 2).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
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
        return new VlmoHeadSupport.PooledClassifierHead(ID, VlmoHeadSupport.Pooler.load(ws, d),
                VlmoHeadSupport.Classifier.load(ws, "nlvr2_classifier", 2 * d, ID), true);
    }
}
