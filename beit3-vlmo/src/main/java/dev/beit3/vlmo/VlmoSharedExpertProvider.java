package dev.beit3.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.LayerSlot;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.WeightSource;
import java.util.Set;

/**
 * The expert every VLMo token shares: the attention slot of each block ({@code norm1}, fused {@code
 * qkv} with q and v biases, {@code proj}, {@code gamma_1}) and the final {@code transformer.norm}.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoSharedExpertProvider implements ExpertProvider {
    /** The provider id routing plans use. */
    public static final String ID = VlmoEncoders.SHARED;
    /** The modality of the shared expert: every token, whatever its source. */
    public static final Modality SHARED = Modality.of("shared");

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public VlmoSharedExpertProvider() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Modality modality() {
        return SHARED;
    }

    @Override
    public ModelFamily family() {
        return ModelFamily.VLMO;
    }

    @Override
    public Set<LayerSlot> slots() {
        return Set.of(LayerSlot.ATTENTION, LayerSlot.FINAL_NORM);
    }

    @Override
    public String description() {
        return "VLMo shared self-attention (norm1, qkv + q/v bias, proj, gamma_1) and final norm";
    }

    @Override
    public Expert create(ExpertSpec spec, WeightSource weights) {
        return VlmoBlocks.shared(spec, weights);
    }
}
