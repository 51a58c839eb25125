package dev.beit3.api;

import java.util.Objects;

/**
 * Which reference evaluation transform an image goes through, and at which size: the value a model carries and an
 * {@link ImagePreprocessor} applies ({@code datasets.build_transform(is_train=False)} of the reference).
 *
 * @param kind which transform
 * @param size the image size S, in {@code [1, }{@value #MAX_SIZE}{@code ]}
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record ImageTransformSpec(Kind kind, int size) {
    /** Largest accepted size: far above any BEiT-3 resolution (224–768). */
    public static final int MAX_SIZE = 8192;

    /** The two evaluation transforms of the reference, with their normalisation constants. */
    @Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
    public enum Kind {
        /** VQA, NLVR2, retrieval, captioning: resize to S×S (aspect ratio not kept), mean = std = 0.5. */
        VL_EVAL("vl_eval_", new float[] {0.5f, 0.5f, 0.5f}, new float[] {0.5f, 0.5f, 0.5f}),
        /**
         * Image classification: shorter side to S, centre crop S×S, ImageNet mean/std; for S ≤ 32 no resize or crop
         * at all (the reference's CIFAR path).
         */
        IMAGENET_EVAL("imagenet_eval_", new float[] {0.485f, 0.456f, 0.406f}, new float[] {0.229f, 0.224f, 0.225f});

        private final String prefix;
        private final float[] mean;
        private final float[] std;

        Kind(String prefix, float[] mean, float[] std) {
            this.prefix = prefix;
            this.mean = mean;
            this.std = std;
        }

        /** @return a copy of the per-channel (R, G, B) mean of {@code Normalize} */
        public float[] mean() {
            return mean.clone();
        }

        /** @return a copy of the per-channel (R, G, B) standard deviation of {@code Normalize} */
        public float[] std() {
            return std.clone();
        }
    }

    /**
     * Checks the arguments.
     *
     * @param kind which transform
     * @param size the image size
     * @throws InvalidInputException if the size is outside {@code [1, MAX_SIZE]}
     */
    public ImageTransformSpec {
        Objects.requireNonNull(kind, "kind");
        if (size <= 0 || size > MAX_SIZE) {
            throw new InvalidInputException("image transform size " + size + " is outside [1, " + MAX_SIZE
                    + "]; use the model's image size (e.g. 224, 384, 480)");
        }
    }

    /**
     * The vision-language transform.
     *
     * @param size S
     * @return {@code vl_eval_S}
     */
    public static ImageTransformSpec vlEval(int size) {
        return new ImageTransformSpec(Kind.VL_EVAL, size);
    }

    /**
     * The ImageNet classification transform.
     *
     * @param size S
     * @return {@code imagenet_eval_S}
     */
    public static ImageTransformSpec imagenetEval(int size) {
        return new ImageTransformSpec(Kind.IMAGENET_EVAL, size);
    }

    /** @return the per-channel mean of the kind */
    public float[] mean() {
        return kind.mean();
    }

    /** @return the per-channel standard deviation of the kind */
    public float[] std() {
        return kind.std();
    }

    /** @return the reference's name, e.g. {@code "vl_eval_480"} */
    @Override
    public String toString() {
        return kind.prefix + size;
    }
}
