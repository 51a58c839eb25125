package dev.beit3.expert.language;

import dev.beit3.api.Api;
import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.Modality;
import dev.beit3.api.WeightSource;
import dev.beit3.core.multiway.Beit3Branch;

/**
 * The language expert of the released BEiT-3 checkpoints: branch {@code B} of every Multiway module
 * (pre-LN, q/k/v, sub-LN, output projection, pre-FFN LN, FFN, final LN).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Beit3LanguageExpertProvider implements ExpertProvider {
    /** The provider id routing plans use. */
    public static final String ID = "beit3-language";

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public Beit3LanguageExpertProvider() {}

    @Override
    public String id() {
        return ID;
    }

    @Override
    public Modality modality() {
        return Modality.LANGUAGE;
    }

    @Override
    public String description() {
        return "BEiT-3 language expert (branch B: attention bundle, FFN, final norm)";
    }

    @Override
    public Expert create(ExpertSpec spec, WeightSource weights) {
        return Beit3Branch.create(spec, weights, "B", "language expert (B)");
    }
}
