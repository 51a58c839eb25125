package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * The tensors a task head receives. Absent parts are {@code null}.
 *
 * <p>Shapes: B batch, S image side, T text tokens.
 *
 * @param images preprocessed images (B, 3, S, S)
 * @param secondImages the second image of each pair for NLVR2 (B, 3, S, S)
 * @param textIds token ids (B, T) int64
 * @param textPaddingMask (B, T), 1 = padding
 * @param options per-call options (e.g. {@code "beamSize" -> "3"}), never null
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record HeadInput(NDArray images, NDArray secondImages, NDArray textIds, NDArray textPaddingMask,
        Map<String, String> options) {
    /** Copies the options. */
    public HeadInput {
        options = Map.copyOf(options == null ? Map.of() : options);
    }

    /**
     * An image-only input (classification, image embeddings, captioning).
     *
     * @param images (B, 3, S, S)
     * @return the input
     */
    public static HeadInput ofImages(NDArray images) {
        return builder().images(images).build();
    }

    /**
     * A text-only input (text embeddings).
     *
     * @param textIds (B, T) int64
     * @param textPaddingMask (B, T), 1 = padding
     * @return the input
     */
    public static HeadInput ofText(NDArray textIds, NDArray textPaddingMask) {
        return builder().text(textIds, textPaddingMask).build();
    }

    /**
     * An image-and-text input (VQA, retrieval pairs).
     *
     * @param images (B, 3, S, S)
     * @param textIds (B, T) int64
     * @param textPaddingMask (B, T), 1 = padding
     * @return the input
     */
    public static HeadInput ofImageText(NDArray images, NDArray textIds, NDArray textPaddingMask) {
        return builder().images(images).text(textIds, textPaddingMask).build();
    }

    /**
     * Starts an input with every part absent.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link HeadInput} part by part; parts not set stay absent. Not thread-safe. */
    @Api(status = Api.Status.STABLE, since = "0.1.0")
    public static final class Builder {
        private NDArray images;
        private NDArray secondImages;
        private NDArray textIds;
        private NDArray textPaddingMask;
        private final Map<String, String> options = new java.util.LinkedHashMap<>();

        private Builder() {}

        /**
         * The images.
         *
         * @param a (B, 3, S, S)
         * @return this
         */
        public Builder images(NDArray a) {
            this.images = a;
            return this;
        }

        /**
         * The second image of each pair (NLVR2).
         *
         * @param a (B, 3, S, S)
         * @return this
         */
        public Builder secondImages(NDArray a) {
            this.secondImages = a;
            return this;
        }

        /**
         * The text ids and their padding mask.
         *
         * @param ids (B, T) int64
         * @param paddingMask (B, T), 1 = padding
         * @return this
         */
        public Builder text(NDArray ids, NDArray paddingMask) {
            this.textIds = ids;
            this.textPaddingMask = paddingMask;
            return this;
        }

        /**
         * A per-call option.
         *
         * @param key name
         * @param value value
         * @return this
         */
        public Builder option(String key, String value) {
            options.put(key, value);
            return this;
        }

        /**
         * Per-call options, added to those set so far.
         *
         * @param all name → value
         * @return this
         */
        public Builder options(Map<String, String> all) {
            options.putAll(all);
            return this;
        }

        /** @return the input */
        public HeadInput build() {
            return new HeadInput(images, secondImages, textIds, textPaddingMask, options);
        }
    }

    /**
     * Reads an integer option.
     *
     * @param key option name
     * @param dflt default
     * @return the value
     */
    public int intOption(String key, int dflt) {
        String v = options.get(key);
        try {
            return v == null ? dflt : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("option " + key + "=" + v + " is not an integer");
        }
    }

    /**
     * Reads a floating-point option.
     *
     * @param key option name
     * @param dflt default
     * @return the value
     */
    public double doubleOption(String key, double dflt) {
        String v = options.get(key);
        try {
            return v == null ? dflt : Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("option " + key + "=" + v + " is not a number");
        }
    }
}
