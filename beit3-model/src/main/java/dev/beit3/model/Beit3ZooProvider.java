package dev.beit3.model;

import ai.djl.repository.zoo.ModelZoo;
import ai.djl.repository.zoo.ZooProvider;
import dev.beit3.api.Api;

/** Registers {@link Beit3ModelZoo} with DJL ({@code META-INF/services/ai.djl.repository.zoo.ZooProvider}). */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Beit3ZooProvider implements ZooProvider {
    /** Creates the provider. */
    public Beit3ZooProvider() {}

    @Override
    public ModelZoo getModelZoo() {
        return new Beit3ModelZoo();
    }
}
