package dev.beit3.vlmo.heads;

import dev.beit3.api.HeadProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.TaskPreset;
import java.util.Set;

/**
 * A VLMo {@link HeadProvider} whose declarations (id, signature keys, preset, description) are given once to
 * the constructor; the family is VLMo. The five VLMo head providers extend it and only build their head.
 */
abstract class VlmoHeadProvider implements HeadProvider {
    private final String id;
    private final TaskPreset preset;
    private final Set<String> signatureKeys;
    private final String description;

    VlmoHeadProvider(String id, TaskPreset preset, Set<String> signatureKeys, String description) {
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
