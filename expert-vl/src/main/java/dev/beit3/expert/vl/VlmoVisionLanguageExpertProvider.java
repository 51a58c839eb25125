package dev.beit3.expert.vl;

import dev.beit3.api.Api;
import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.LayerSlot;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.WeightSource;
import dev.beit3.core.vlmo.VlmoBlocks;
import dev.beit3.core.vlmo.VlmoEncoders;
import java.util.Set;

/**
 * The vision-language FFN expert: {@code γ2 ⊙ mlp_vl(norm2_vl(h))} for every token of a fused pass
 * in layers ≥ s, and for the VL branch of single-modality passes. Exists only in layers ≥ s.
 */
@Api(status = Api.Status.EXPERIMENTAL)
public final class VlmoVisionLanguageExpertProvider implements ExpertProvider {
    /** The provider id routing plans use. */
    public static final String ID = VlmoEncoders.VL;

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public VlmoVisionLanguageExpertProvider() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Modality modality() {
        return Modality.VISION_LANGUAGE;
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.VLMO;
    }

    @Override
    public Set<LayerSlot> slots() {
        return Set.of(LayerSlot.FFN);
    }

    @Override
    public String description() {
        return "VLMo vision-language FFN expert (norm2_vl + mlp_vl, × gamma_2; layers >= s)";
    }

    @Override
    public Expert create(ExpertSpec spec, WeightSource weights) {
        return VlmoBlocks.feedForward(spec, weights, VlmoBlocks.VL);
    }
}
