package dev.beit3.core.encoder;

import dev.beit3.api.Api;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.FamilyProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.RoutingPlan;

/**
 * The BEiT-3 family: image first in a fused sequence, padded text rows zeroed after the embeddings, text
 * positions from row 2 of the position table, the Multiway plan of {@link Beit3Encoders#plan}, no branch passes.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Beit3FamilyProvider implements FamilyProvider {
    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public Beit3FamilyProvider() {}

    @Override
    public ModelFamily family() {
        return ModelFamily.BEIT3;
    }

    @Override
    public TokenOrder tokenOrder() {
        return TokenOrder.IMAGE_FIRST;
    }

    @Override
    public boolean zeroPaddedRows() {
        return true;
    }

    @Override
    public int reservedTextPositions() {
        return 2;
    }

    @Override
    public RoutingPlan defaultPlan(EncoderConfig config) {
        return Beit3Encoders.plan(config);
    }
}
