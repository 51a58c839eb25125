package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * The captioning head ({@code BEiT3ForCaptioning}): a masked-LM head under the captioning attention
 * mask, and the reference beam search ({@code CaptioningHandler.eval_batch}).
 *
 * <p>Shapes: B images, S side, T text slots, V vocabulary, K beams.
 *
 * <p>The built-in implementation is the {@code captioning} head of the heads plugin; callers reach it through
 * {@link HeadProvider} discovery and this interface only. With an encoder that {@link Encoder#startDecoding
 * supports incremental decoding} the search keeps the keys and values of earlier tokens.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface CaptioningHead extends TaskHead {

    /**
     * Decoding settings.
     *
     * @param beams K (1 = greedy)
     * @param maxLength number of text slots Lmax (the caption has at most Lmax − 3 words)
     * @param lengthPenalty exponent of the length normalisation (0.6 in the reference)
     * @param maskId id of {@code <mask>} (tokenizer pieces + 1)
     * @param clsId id of {@code <s>} (0)
     * @param padId id of {@code <pad>} (1)
     * @param eosId id of {@code </s>} (2)
     * @param useCache keep keys and values of earlier tokens (fast) instead of recomputing the whole
     *     sequence at every step (same results up to float rounding)
     */
    record Decoding(int beams, int maxLength, double lengthPenalty, int maskId, int clsId, int padId, int eosId,
            boolean useCache) {
        /** Largest beam size accepted (the reference decodes with 3). */
        public static final int MAX_BEAMS = 64;

        /** Validates. */
        public Decoding {
            if (beams < 1) {
                throw new InvalidInputException("beam size must be ≥ 1, got " + beams);
            }
            if (beams > MAX_BEAMS) {
                throw new InvalidInputException("beam size " + beams + " is more than the " + MAX_BEAMS
                        + " supported (the reference uses 3; each beam is one more sequence decoded at every step)");
            }
            if (!Double.isFinite(lengthPenalty)) {
                throw new InvalidInputException("length penalty must be a finite number (the reference"
                        + " uses 0.6), got " + lengthPenalty);
            }
            if (maxLength < 3) {
                throw new InvalidInputException("max caption length must be ≥ 3 text slots, got "
                        + maxLength);
            }
        }

        /**
         * Settings with the key/value cache on.
         *
         * @param beams K
         * @param maxLength Lmax
         * @param lengthPenalty length penalty
         * @param maskId mask id
         * @param clsId cls id
         * @param padId pad id
         * @param eosId eos id
         */
        public Decoding(int beams, int maxLength, double lengthPenalty, int maskId, int clsId, int padId, int eosId) {
            this(beams, maxLength, lengthPenalty, maskId, clsId, padId, eosId, true);
        }

        /**
         * The same settings with the cache on or off.
         *
         * @param on whether to cache keys and values
         * @return the copy
         */
        public Decoding withCache(boolean on) {
            return toBuilder().useCache(on).build();
        }

        /**
         * The reference settings with the given mask id: 3 beams, 32 slots, length penalty 0.6.
         *
         * @param maskId the tokenizer's mask id
         * @return the settings
         */
        public static Decoding reference(int maskId) {
            return builder(maskId).build();
        }

        /**
         * A builder starting from the reference settings (3 beams, 32 slots, length penalty 0.6, special ids
         * 0/1/2 of the BEiT-3 tokenizer, cache on).
         *
         * @param maskId the tokenizer's mask id
         * @return the builder
         */
        public static Builder builder(int maskId) {
            return new Builder(maskId);
        }

        /**
         * A builder holding these settings.
         *
         * @return the builder
         */
        public Builder toBuilder() {
            return new Builder(maskId).beams(beams).maxLength(maxLength).lengthPenalty(lengthPenalty)
                    .specialIds(clsId, padId, eosId).useCache(useCache);
        }

        /** Builds {@link Decoding} settings by name instead of by position. */
        public static final class Builder {
            private final int maskId;
            private int beams = 3;
            private int maxLength = 32;
            private double lengthPenalty = 0.6;
            private int clsId = 0;
            private int padId = 1;
            private int eosId = 2;
            private boolean useCache = true;

            private Builder(int maskId) {
                this.maskId = maskId;
            }

            /**
             * Sets the beam size K.
             *
             * @param k beams (1 = greedy)
             * @return this builder
             */
            public Builder beams(int k) {
                this.beams = k;
                return this;
            }

            /**
             * Sets the number of text slots Lmax.
             *
             * @param slots Lmax
             * @return this builder
             */
            public Builder maxLength(int slots) {
                this.maxLength = slots;
                return this;
            }

            /**
             * Sets the length penalty exponent.
             *
             * @param exponent the exponent
             * @return this builder
             */
            public Builder lengthPenalty(double exponent) {
                this.lengthPenalty = exponent;
                return this;
            }

            /**
             * Sets the tokenizer's special ids.
             *
             * @param cls id of {@code <s>}
             * @param pad id of {@code <pad>}
             * @param eos id of {@code </s>}
             * @return this builder
             */
            public Builder specialIds(int cls, int pad, int eos) {
                this.clsId = cls;
                this.padId = pad;
                this.eosId = eos;
                return this;
            }

            /**
             * Keeps keys and values of earlier tokens (on) or recomputes the whole sequence at every step.
             *
             * @param on whether to cache
             * @return this builder
             */
            public Builder useCache(boolean on) {
                this.useCache = on;
                return this;
            }

            /**
             * Validates and builds.
             *
             * @return the settings
             * @throws InvalidInputException naming the setting out of range
             */
            public Decoding build() {
                return new Decoding(beams, maxLength, lengthPenalty, maskId, clsId, padId, eosId, useCache);
            }
        }
    }

    /**
     * What a decoding produced.
     *
     * @param decodedIds per image the ids handed to the tokenizer's decoder, as the reference builds them:
     *     {@code [cls, w1 … wk, mask, eos, pad …]} (length Lmax)
     * @param scores per image the length-normalised log-probability of the chosen hypothesis
     * @param steps per decoding step: the two text ids fed last per beam row and the logits at the mask
     *     position (only when requested; rows of finished images are null)
     */
    record Generation(long[][] decodedIds, double[] scores, List<Step> steps) {}

    /**
     * One decoding step, for inspection and parity tests.
     *
     * @param inputIds (B·K, 2): the last word and the mask id per row
     * @param logits (B·K, V) at the mask position; a row is null when its image had finished
     */
    record Step(long[][] inputIds, float[][] logits) {}

    /**
     * Masked-LM logits at the masked text positions under the captioning mask.
     *
     * @param encoder the encoder
     * @param images (B, 3, S, S)
     * @param textIds (B, T) with masked positions holding the mask id
     * @param paddingMask (B, T), 1 = padding, or null
     * @param maskedPositions (B, T), 1 = predict here
     * @param scope manager of the result
     * @return (number of masked positions, V), rows in row-major order of the mask
     */
    NDArray maskedLm(Encoder encoder, NDArray images, NDArray textIds, NDArray paddingMask, NDArray maskedPositions,
            NDManager scope);

    /**
     * Beam search.
     *
     * @param encoder the encoder
     * @param images (B, 3, S, S)
     * @param decoding the settings
     * @param recordSteps whether to keep every step's inputs and logits
     * @param scope manager for temporaries
     * @return the generation
     */
    Generation generate(Encoder encoder, NDArray images, Decoding decoding, boolean recordSteps, NDManager scope);
}
