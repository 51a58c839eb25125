package dev.beit3.api;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The checkpoint family a model comes from: an open value type, not a closed enum.
 *
 * <p>A family is an id and a display name; what the encoder does differently for it (token order of a fused
 * sequence, padded-row zeroing, reserved text positions, default routing, extra branch passes) comes from the
 * family's {@link FamilyProvider}, found by {@link java.util.ServiceLoader}. The built-in families are {@link
 * #BEIT3} (provider in {@code beit3-core}) and {@link #VLMO} (provider in {@code beit3-vlmo}); a plugin may
 * define another with {@link #of(String, String)} without any change to the library.
 *
 * <p>Families are interned: {@link #of} returns the one instance per id, so {@code ==} and {@link #equals}
 * agree.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public final class ModelFamily {
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]*");
    private static final Map<String, ModelFamily> KNOWN = new ConcurrentHashMap<>();

    /** Released BEiT-3 checkpoints (keys {@code beit3.*}): one attention + FFN bundle per expert and layer. */
    public static final ModelFamily BEIT3 = of("beit3", "BEiT-3");
    /**
     * VLMo checkpoints (keys {@code transformer.*}), BEiT-3's precursor: shared attention, per-modality FFN
     * experts and a vision-language FFN expert in the top layers.
     */
    public static final ModelFamily VLMO = of("vlmo", "VLMo");

    private final String id;
    private final String displayName;

    private ModelFamily(String id, String displayName) {
        this.id = id;
        this.displayName = displayName;
    }

    /**
     * Defines a family, or returns the one already defined under this id.
     *
     * @param id lower-case identifier, letters, digits and dashes (e.g. {@code "vlmo"})
     * @param displayName human-readable name (e.g. {@code "VLMo"})
     * @return the family
     * @throws IllegalArgumentException for an invalid id, or an id already defined with another display name
     */
    public static ModelFamily of(String id, String displayName) {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(displayName, "displayName");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException("family id '" + id
                    + "' is invalid: use lower-case letters, digits and dashes, e.g. 'vlmo'");
        }
        if (displayName.isBlank()) {
            throw new IllegalArgumentException("family '" + id + "' needs a non-blank display name");
        }
        ModelFamily f = KNOWN.computeIfAbsent(id, k -> new ModelFamily(k, displayName));
        if (!f.displayName.equals(displayName)) {
            throw new IllegalArgumentException("family '" + id + "' is already defined as '" + f.displayName
                    + "', not '" + displayName + "'; use ModelFamily.of(\"" + id + "\") to look it up");
        }
        return f;
    }

    /**
     * Looks a defined family up by id (case-insensitive).
     *
     * @param id the identifier
     * @return the family
     * @throws IllegalArgumentException when no family has this id
     */
    public static ModelFamily of(String id) {
        ModelFamily f = KNOWN.get(Objects.requireNonNull(id, "id").toLowerCase(Locale.ROOT));
        if (f == null) {
            throw new IllegalArgumentException("no model family '" + id + "'; known: " + KNOWN.keySet().stream()
                    .sorted().toList() + " (a plugin defines its own with ModelFamily.of(id, displayName))");
        }
        return f;
    }

    /**
     * The identifier, e.g. {@code "beit3"}.
     *
     * @return the id
     */
    public String id() {
        return id;
    }

    /**
     * Returns the human-readable name, e.g. {@code "BEiT-3"}.
     *
     * @return the name
     */
    public String displayName() {
        return displayName;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelFamily f && f.id.equals(id);
    }

    @Override
    public int hashCode() {
        return id.hashCode();
    }

    @Override
    public String toString() {
        return id;
    }
}
