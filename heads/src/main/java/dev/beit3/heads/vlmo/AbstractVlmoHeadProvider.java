package dev.beit3.heads.vlmo;

import dev.beit3.api.HeadProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.TaskPreset;
import java.util.Set;

/** What every VLMo head provider declares: id, family, signature keys, preset and description. */
abstract class AbstractVlmoHeadProvider implements HeadProvider {
    private final String id;
    private final TaskPreset preset;
    private final Set<String> signatureKeys;
    private final String description;

    AbstractVlmoHeadProvider(String id, TaskPreset preset, Set<String> signatureKeys, String description) {
        this.id = id;
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
        return ModelFamily.VLMO;
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
