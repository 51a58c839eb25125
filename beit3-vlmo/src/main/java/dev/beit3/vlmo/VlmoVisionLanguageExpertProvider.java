package dev.beit3.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.Modality;

/**
 * The vision-language FFN expert: {@code γ2 ⊙ mlp_vl(norm2_vl(h))} for every token of a fused pass
 * in layers ≥ s, and for the VL branch of single-modality passes. Exists only in layers ≥ s.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoVisionLanguageExpertProvider extends VlmoFeedForwardExpertProvider {
    /** The provider id routing plans use. */
    public static final String ID = VlmoEncoders.VL;

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public VlmoVisionLanguageExpertProvider() {
        super(ID, Modality.VISION_LANGUAGE, VlmoBlocks.VL,
                "VLMo vision-language FFN expert (norm2_vl + mlp_vl, × gamma_2; layers >= s)");
    }
}
