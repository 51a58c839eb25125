package dev.beit3.core.spi;

import dev.beit3.api.Api;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.TaskPreset;
import java.util.Set;

/**
 * A {@link HeadProvider} whose declarations (id, family, signature keys, preset, description) are fixed
 * values given once to the constructor; subclasses only build the head. The built-in BEiT-3 and VLMo
 * heads extend it, and so may a user's own head.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public abstract class DeclaredHeadProvider implements HeadProvider {
    private final String id;
    private final ModelFamily family;
    private final TaskPreset preset;
    private final Set<String> signatureKeys;
    private final String description;

    /**
     * Declares the provider.
     *
     * @param id the head id
     * @param family the checkpoint family whose keys the head reads
     * @param preset the task preset
     * @param signatureKeys keys that identify a checkpoint fine-tuned for this head
     * @param description one line for listings
     */
    protected DeclaredHeadProvider(String id, ModelFamily family, TaskPreset preset, Set<String> signatureKeys,
            String description) {
        this.id = id;
        this.family = family;
        this.preset = preset;
        this.signatureKeys = Set.copyOf(signatureKeys);
        this.description = description;
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final ModelFamily family() {
        return family;
    }

    @Override
    public final Set<String> signatureKeys() {
        return signatureKeys;
    }

    @Override
    public final TaskPreset preset() {
        return preset;
    }

    @Override
    public final String description() {
        return description;
    }
}
