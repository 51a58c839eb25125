package dev.beit3.expert.language.vlmo;

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
 * VLMo's text FFN expert: {@code γ2 ⊙ mlp_text(norm2_text(h))} for the text tokens of a layer
 * (every layer of a text-only pass, layers below s of a fused pass).
 */
@Api(status = Api.Status.EXPERIMENTAL)
public final class VlmoTextExpertProvider implements ExpertProvider {
    /** The provider id routing plans use. */
    public static final String ID = VlmoEncoders.TEXT;

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public VlmoTextExpertProvider() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Modality modality() {
        return Modality.LANGUAGE;
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
        return "VLMo text FFN expert (norm2_text + mlp_text, × gamma_2)";
    }

    @Override
    public Expert create(ExpertSpec spec, WeightSource weights) {
        return VlmoBlocks.feedForward(spec, weights, VlmoBlocks.TEXT);
    }
}
