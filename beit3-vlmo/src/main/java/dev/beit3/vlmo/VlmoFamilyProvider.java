package dev.beit3.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.FamilyProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.RoutingPlan;
import java.util.List;

/**
 * The VLMo family: text first in a fused sequence, padded rows computed like any other (only keys are masked),
 * every row of the text position table usable, the routing of {@link VlmoEncoders#plan}, and, when the model has
 * a vision-language expert, the VL branch of single-modality passes ({@link VlmoEncoders#vlBranchPlan}, from
 * layer s).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoFamilyProvider implements FamilyProvider {
    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public VlmoFamilyProvider() {}

    @Override
    public ModelFamily family() {
        return ModelFamily.VLMO;
    }

    @Override
    public TokenOrder tokenOrder() {
        return TokenOrder.TEXT_FIRST;
    }

    @Override
    public boolean zeroPaddedRows() {
        return false;
    }

    @Override
    public int reservedTextPositions() {
        return 0;
    }

    @Override
    public RoutingPlan defaultPlan(EncoderConfig config) {
        return VlmoEncoders.plan(config);
    }

    @Override
    public List<BranchPass> branches(EncoderConfig config) {
        if (config.vlExpertStartLayer() >= config.layers()) {
            return List.of();
        }
        return List.of(new BranchPass(VlmoEncoders.BRANCH_VL, VlmoEncoders.vlBranchPlan(config),
                config.vlExpertStartLayer()));
    }
}
