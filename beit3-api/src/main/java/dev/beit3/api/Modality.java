package dev.beit3.api;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A kind of input a token can come from: an open value type, not a closed enum.
 *
 * <p>The built-in modalities are {@link #VISION}, {@link #LANGUAGE} and {@link #VISION_LANGUAGE}; a
 * plugin may introduce another (for example {@code Modality.of("audio")}) without any change to the
 * library. Two modalities are equal when their ids are equal.
 *
 * @param id lower-case identifier, letters, digits and dashes (e.g. {@code "vision-language"})
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record Modality(String id) {
    private static final Pattern ID = Pattern.compile("[a-z][a-z0-9-]*");

    /** Image patches (BEiT-3 branch {@code A}, VLMo {@code imag}). */
    public static final Modality VISION = new Modality("vision");
    /** Text tokens (BEiT-3 branch {@code B}, VLMo {@code text}). */
    public static final Modality LANGUAGE = new Modality("language");
    /** Fused image-text tokens in the top layers of a VLMo-style model (VLMo {@code vl}). */
    public static final Modality VISION_LANGUAGE = new Modality("vision-language");

    /**
     * Validates the id.
     *
     * @throws IllegalArgumentException if the id is not lower-case letters, digits and dashes
     */
    public Modality {
        Objects.requireNonNull(id, "id");
        if (!ID.matcher(id).matches()) {
            throw new IllegalArgumentException(
                    "modality id '" + id + "' is invalid: use lower-case letters, digits and dashes, e.g. 'audio'");
        }
    }

    /**
     * Returns the modality with the given id (case-insensitive).
     *
     * @param id the identifier
     * @return the modality
     */
    public static Modality of(String id) {
        return new Modality(Objects.requireNonNull(id, "id").toLowerCase(Locale.ROOT));
    }

    @Override
    public String toString() {
        return id;
    }
}
