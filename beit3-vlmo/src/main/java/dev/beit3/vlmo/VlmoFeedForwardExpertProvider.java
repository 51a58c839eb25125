package dev.beit3.vlmo;

import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.LayerSlot;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.WeightSource;
import java.util.Set;

/**
 * Base of the VLMo FFN expert providers (image, text, vision-language): each serves only the FFN slot
 * with {@code γ2 ⊙ mlp_X(norm2_X(h))} for its branch {@code X} ({@link VlmoBlocks#IMAGE},
 * {@link VlmoBlocks#TEXT}, {@link VlmoBlocks#VL}); the three providers of this package subclass it with their id
 * and modality.
 */
abstract class VlmoFeedForwardExpertProvider implements ExpertProvider {
    private final String id;
    private final Modality modality;
    private final String branch;
    private final String description;

    /**
     * Declares the provider.
     *
     * @param id provider id (see {@link VlmoEncoders})
     * @param modality the tokens served
     * @param branch the key infix of the branch, e.g. {@code "imag"}
     * @param description one line for listings
     */
    VlmoFeedForwardExpertProvider(String id, Modality modality, String branch, String description) {
        this.id = id;
        this.modality = modality;
        this.branch = branch;
        this.description = description;
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final Modality modality() {
        return modality;
    }

    @Override
    public final ModelFamily family() {
        return ModelFamily.VLMO;
    }

    @Override
    public final Set<LayerSlot> slots() {
        return Set.of(LayerSlot.FFN);
    }

    @Override
    public final String description() {
        return description;
    }

    @Override
    public final Expert create(ExpertSpec spec, WeightSource weights) {
        return VlmoBlocks.feedForward(spec, weights, branch);
    }
}
