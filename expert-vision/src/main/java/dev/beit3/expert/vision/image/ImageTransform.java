package dev.beit3.expert.vision.image;

import dev.beit3.api.Api;

import dev.beit3.api.RgbImage;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.ImageTransformSpec;
import dev.beit3.api.InvalidInputException;
import java.util.List;
import java.util.Objects;

/**
 * A reference evaluation transform at one image size: geometry (Pillow bicubic resize, centre crop), then
 * {@code ToTensor} ({@code u / 255f}) and {@code Normalize} ({@code (x - mean) / std}, float32), channel-first.
 *
 * <ul>
 *   <li>{@link TransformKind#VL_EVAL}: resize to {@code size × size}; mean = std = 0.5.
 *   <li>{@link TransformKind#IMAGENET_EVAL}: shorter side to {@code size}, longer side
 *       {@code floor(size · long / short)}, no resize when the shorter side already equals {@code size}; centre crop
 *       with offsets {@code round((h − S)/2)}, {@code round((w − S)/2)} (halves to even); ImageNet mean/std. With
 *       {@code size ≤ 32} the reference does no resize or crop at all (its CIFAR path), and neither does this.
 * </ul>
 *
 * @param kind which transform
 * @param size the image size S, positive
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public record ImageTransform(TransformKind kind, int size) {
    private static final float[] HALF = ImageTransformSpec.Kind.VL_EVAL.mean();
    private static final float[] IMAGENET_MEAN = ImageTransformSpec.Kind.IMAGENET_EVAL.mean();
    private static final float[] IMAGENET_STD = ImageTransformSpec.Kind.IMAGENET_EVAL.std();
    /** Largest accepted size: far above any BEiT-3 resolution (224–768). */
    public static final int MAX_SIZE = ImageTransformSpec.MAX_SIZE;

    /**
     * Checks the arguments.
     *
     * @param kind which transform
     * @param size the image size
     */
    public ImageTransform {
        new ImageTransformSpec(apiKind(Objects.requireNonNull(kind, "kind")), size); // the api value checks the size
    }

    private static ImageTransformSpec.Kind apiKind(TransformKind kind) {
        return kind == TransformKind.VL_EVAL ? ImageTransformSpec.Kind.VL_EVAL : ImageTransformSpec.Kind.IMAGENET_EVAL;
    }

    /**
     * The transform an api spec names.
     *
     * @param spec kind and size
     * @return the transform
     */
    public static ImageTransform of(ImageTransformSpec spec) {
        return new ImageTransform(spec.kind() == ImageTransformSpec.Kind.VL_EVAL ? TransformKind.VL_EVAL
                : TransformKind.IMAGENET_EVAL, spec.size());
    }

    /** @return the api value of this transform */
    public ImageTransformSpec spec() {
        return new ImageTransformSpec(apiKind(kind), size);
    }

    /**
     * The vision-language transform.
     *
     * @param size S
     * @return {@code vl_eval_S}
     */
    public static ImageTransform vlEval(int size) {
        return new ImageTransform(TransformKind.VL_EVAL, size);
    }

    /**
     * The ImageNet classification transform.
     *
     * @param size S
     * @return {@code imagenet_eval_S}
     */
    public static ImageTransform imagenetEval(int size) {
        return new ImageTransform(TransformKind.IMAGENET_EVAL, size);
    }

    /** @return the per-channel mean */
    public float[] mean() {
        return (kind == TransformKind.VL_EVAL ? HALF : IMAGENET_MEAN).clone();
    }

    /** @return the per-channel standard deviation */
    public float[] std() {
        return (kind == TransformKind.VL_EVAL ? HALF : IMAGENET_STD).clone();
    }

    /**
     * The geometric part: resize (and crop), still 8-bit.
     *
     * @param in the decoded image
     * @return {@code size × size} pixels (for {@code imagenet_eval} with {@code size ≤ 32}: the input unchanged)
     */
    public RgbImage geometry(RgbImage in) {
        if (kind == TransformKind.VL_EVAL) {
            return PillowResize.bicubic(in, size, size);
        }
        if (size <= 32) {
            return in;
        }
        int w = in.width();
        int h = in.height();
        int shortSide = Math.min(w, h);
        int longSide = Math.max(w, h);
        RgbImage resized = in;
        if (shortSide != size) {
            int newLong = (int) Math.floor((double) ((long) size * longSide) / shortSide);
            int nw = w <= h ? size : newLong;
            int nh = w <= h ? newLong : size;
            resized = PillowResize.bicubic(in, nw, nh);
        }
        return centerCrop(resized, size);
    }

    static RgbImage centerCrop(RgbImage in, int s) {
        int w = in.width();
        int h = in.height();
        if (w == s && h == s) {
            return in;
        }
        if (w < s || h < s) {
            throw new IllegalStateException("centre crop " + s + " larger than " + w + "x" + h);
        }
        int top = (int) Math.rint((h - s) / 2.0);
        int left = (int) Math.rint((w - s) / 2.0);
        byte[] src = in.pixels();
        byte[] out = new byte[s * s * 3];
        for (int y = 0; y < s; y++) {
            System.arraycopy(src, ((y + top) * w + left) * 3, out, y * s * 3, s * 3);
        }
        return new RgbImage(s, s, out);
    }

    /**
     * Geometry, then {@code ToTensor} and {@code Normalize}.
     *
     * @param in the decoded image
     * @return CHW float32 values, {@code 3 × S × S} (see {@link #geometry} for the CIFAR path)
     */
    public float[] toTensor(RgbImage in) {
        RgbImage g = geometry(in);
        float[] out = new float[3 * g.width() * g.height()];
        normalizeInto(g, out, 0);
        return out;
    }

    private void normalizeInto(RgbImage g, float[] out, int offset) {
        byte[] px = g.pixels();
        int plane = g.width() * g.height();
        float[] mean = kind == TransformKind.VL_EVAL ? HALF : IMAGENET_MEAN;
        float[] std = kind == TransformKind.VL_EVAL ? HALF : IMAGENET_STD;
        for (int c = 0; c < 3; c++) {
            float m = mean[c];
            float s = std[c];
            int base = offset + c * plane;
            for (int i = 0; i < plane; i++) {
                float x = (px[i * 3 + c] & 0xff) / 255f;
                out[base + i] = (x - m) / s;
            }
        }
    }

    /**
     * Transforms several images into one batch.
     *
     * @param images the decoded images (at least one)
     * @param manager the manager that will own the array
     * @return a (B, 3, S, S) float32 array
     * @throws InvalidInputException if the list is empty or the images end up with different sizes (only possible
     *     on the {@code imagenet_eval} CIFAR path)
     */
    public NDArray batch(List<RgbImage> images, NDManager manager) {
        if (images.isEmpty()) {
            throw new InvalidInputException("cannot build an image batch from no images; pass at least one image");
        }
        RgbImage[] g = new RgbImage[images.size()];
        for (int i = 0; i < g.length; i++) {
            g[i] = geometry(Objects.requireNonNull(images.get(i), "image " + i));
            if (g[i].width() != g[0].width() || g[i].height() != g[0].height()) {
                throw new InvalidInputException("image " + i + " is " + g[i].width() + "x" + g[i].height()
                        + " after " + this + " but image 0 is " + g[0].width() + "x" + g[0].height()
                        + "; a batch needs equal sizes (resize the images first)");
            }
        }
        int h = g[0].height();
        int w = g[0].width();
        int per = 3 * h * w;
        float[] all = new float[g.length * per];
        for (int i = 0; i < g.length; i++) {
            normalizeInto(g[i], all, i * per);
        }
        return manager.create(all, new Shape(g.length, 3, h, w));
    }

    @Override
    public String toString() {
        return (kind == TransformKind.VL_EVAL ? "vl_eval_" : "imagenet_eval_") + size;
    }
}
