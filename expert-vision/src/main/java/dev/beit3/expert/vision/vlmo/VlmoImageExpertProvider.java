package dev.beit3.expert.vision.vlmo;

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
 * VLMo's image FFN expert: {@code γ2 ⊙ mlp_imag(norm2_imag(h))} for the image tokens of a layer
 * (every layer of an image-only pass, layers below s of a fused pass).
 */
@Api(status = Api.Status.EXPERIMENTAL)
public final class VlmoImageExpertProvider implements ExpertProvider {
    /** The provider id routing plans use. */
    public static final String ID = VlmoEncoders.IMAGE;

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public VlmoImageExpertProvider() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Modality modality() {
        return Modality.VISION;
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
        return "VLMo image FFN expert (norm2_imag + mlp_imag, × gamma_2)";
    }

    @Override
    public Expert create(ExpertSpec spec, WeightSource weights) {
        return VlmoBlocks.feedForward(spec, weights, VlmoBlocks.IMAGE);
    }
}
