package dev.beit3.index;

import dev.beit3.api.Api;
import java.util.Locale;
import java.util.Objects;

/**
 * One entry of an index: an image (id = its path) or a text, its content hash, and its embedding.
 *
 * @param id unique id: the image's absolute path, the text itself, or the caller's id
 * @param sha256 SHA-256 of the content (the file's bytes, or the text's UTF-8), lower-case hex
 * @param modality image or text
 * @param text the caption or text, or null
 * @param vector the L2-normalised embedding
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record IndexDocument(String id, String sha256, Modality modality, String text, float[] vector) {
    /** What a document holds. */
    public enum Modality {
        /** An image. */
        IMAGE,
        /** A text. */
        TEXT;

        /**
         * The stored form.
         *
         * @return {@code image} or {@code text}
         */
        public String id() {
            return name().toLowerCase(Locale.ROOT);
        }

        /**
         * Parses the stored form.
         *
         * @param s {@code image} or {@code text}
         * @return the modality
         */
        public static Modality of(String s) {
            return valueOf(s.toUpperCase(Locale.ROOT));
        }
    }

    /**
     * Checks that every field is present.
     *
     * @throws NullPointerException on a missing id, hash, modality or vector
     */
    public IndexDocument {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(modality, "modality");
        Objects.requireNonNull(vector, "vector");
    }
}
