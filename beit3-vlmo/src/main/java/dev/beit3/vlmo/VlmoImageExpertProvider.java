package dev.beit3.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.Modality;

/**
 * VLMo's image FFN expert: {@code γ2 ⊙ mlp_imag(norm2_imag(h))} for the image tokens of a layer
 * (every layer of an image-only pass, layers below s of a fused pass).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoImageExpertProvider extends VlmoFeedForwardExpertProvider {
    /** The provider id routing plans use. */
    public static final String ID = VlmoEncoders.IMAGE;

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public VlmoImageExpertProvider() {
        super(ID, Modality.VISION, VlmoBlocks.IMAGE,
                "VLMo image FFN expert (norm2_imag + mlp_imag, × gamma_2)");
    }
}
