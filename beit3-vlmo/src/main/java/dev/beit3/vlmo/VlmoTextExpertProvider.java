package dev.beit3.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.Modality;

/**
 * VLMo's text FFN expert: {@code γ2 ⊙ mlp_text(norm2_text(h))} for the text tokens of a layer
 * (every layer of a text-only pass, layers below s of a fused pass).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoTextExpertProvider extends VlmoFeedForwardExpertProvider {
    /** The provider id routing plans use. */
    public static final String ID = VlmoEncoders.TEXT;

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public VlmoTextExpertProvider() {
        super(ID, Modality.LANGUAGE, VlmoBlocks.TEXT,
                "VLMo text FFN expert (norm2_text + mlp_text, × gamma_2)");
    }
}
