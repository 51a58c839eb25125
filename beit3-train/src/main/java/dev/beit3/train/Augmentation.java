package dev.beit3.train;

import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.RgbImage;
import java.util.Random;

/**
 * The geometric part of the reference's <em>training</em> transforms, configurable: torchvision's
 * {@code RandomResizedCrop} (area fraction in [{@code minScale}, {@code maxScale}], aspect ratio
 * log-uniform in [{@code minRatio}, {@code maxRatio}], 10 attempts then the centre fallback; the crop is
 * resized to S×S with Pillow bicubic, as {@code RandomResizedCropAndInterpolation(interpolation='bicubic')})
 * and {@code RandomHorizontalFlip(flipProbability)}.
 *
 * <p>The rest of the recipes (RandAugment or the vision-language RandomAugment, random erasing, Mixup /
 * CutMix) is set on the dataset ({@link TrainingData#withRegularization}); not implemented: the ImageNet
 * recipe's colour jitter, which timm skips when RandAugment is on. The random source is Java's, so crops are distributed as the reference's but not the same draws.
 *
 * <p>Flips swap left and right: turn them off for data whose text names positions (the demo's shapes
 * world, referring expressions), as the demo's reference training did.
 *
 * @param enabled false = the evaluation transform only (no crop, no flip)
 * @param minScale smallest crop area fraction (0.08 ImageNet, 0.5 vision-language)
 * @param maxScale largest crop area fraction (1.0)
 * @param minRatio smallest aspect ratio (3/4)
 * @param maxRatio largest aspect ratio (4/3)
 * @param flipProbability probability of a horizontal flip (0.5; 0 = never)
 */
public record Augmentation(boolean enabled, double minScale, double maxScale, double minRatio, double maxRatio,
        double flipProbability) {
    /** Validates. */
    public Augmentation {
        if (!(minScale > 0 && minScale <= maxScale && maxScale <= 1) || !(minRatio > 0 && minRatio <= maxRatio)
                || !(flipProbability >= 0 && flipProbability <= 1)) {
            throw new IllegalArgumentException("augmentation needs 0 < minScale ≤ maxScale ≤ 1, 0 < minRatio ≤ maxRatio,"
                    + " 0 ≤ flipProbability ≤ 1; got scale [" + minScale + ", " + maxScale + "], ratio [" + minRatio
                    + ", " + maxRatio + "], flip " + flipProbability);
        }
    }

    /**
     * No augmentation: the evaluation transform (what the demo models were trained with).
     *
     * @return the setting
     */
    public static Augmentation none() {
        return new Augmentation(false, 1, 1, 1, 1, 0);
    }

    /**
     * The ImageNet recipe's geometry: crop scale [0.08, 1], ratio [3/4, 4/3], flip 0.5.
     *
     * @param flip whether to flip
     * @return the setting
     */
    public static Augmentation imagenet(boolean flip) {
        return new Augmentation(true, 0.08, 1, 3 / 4.0, 4 / 3.0, flip ? 0.5 : 0);
    }

    /**
     * The vision-language recipes' geometry: crop scale [0.5, 1], ratio [3/4, 4/3], flip 0.5.
     *
     * @param flip whether to flip
     * @return the setting
     */
    public static Augmentation visionLanguage(boolean flip) {
        return new Augmentation(true, 0.5, 1, 3 / 4.0, 4 / 3.0, flip ? 0.5 : 0);
    }

    /**
     * The reference default for a task: {@link #imagenet} for image classification, {@link #visionLanguage}
     * otherwise.
     *
     * @param task a task id
     * @param flip whether to flip
     * @return the setting
     */
    public static Augmentation forTask(String task, boolean flip) {
        return "imageclassification".equals(task) ? imagenet(flip) : visionLanguage(flip);
    }

    /**
     * Crops and flips one image to {@code size × size} (when disabled: returns the input unchanged).
     *
     * @param in the decoded image
     * @param size the output side S
     * @param rng the random source
     * @param resizer the preprocessing whose Pillow-exact {@link ImagePreprocessor#resize} scales the crop
     * @return the augmented image
     */
    public RgbImage apply(RgbImage in, int size, Random rng, ImagePreprocessor resizer) {
        if (!enabled) {
            return in;
        }
        int w = in.width();
        int h = in.height();
        int[] box = cropBox(w, h, rng); // top, left, height, width
        RgbImage crop = crop(in, box[0], box[1], box[2], box[3]);
        RgbImage out = crop.width() == size && crop.height() == size ? crop : resizer.resize(crop, size, size);
        if (flipProbability > 0 && rng.nextDouble() < flipProbability) {
            out = flip(out);
        }
        return out;
    }

    /** torchvision {@code RandomResizedCrop.get_params}: top, left, height, width. */
    int[] cropBox(int width, int height, Random rng) {
        double area = (double) width * height;
        double logLo = Math.log(minRatio);
        double logHi = Math.log(maxRatio);
        for (int attempt = 0; attempt < 10; attempt++) {
            double target = area * (minScale + (maxScale - minScale) * rng.nextDouble());
            double ratio = Math.exp(logLo + (logHi - logLo) * rng.nextDouble());
            int w = (int) Math.round(Math.sqrt(target * ratio));
            int h = (int) Math.round(Math.sqrt(target / ratio));
            if (w > 0 && h > 0 && w <= width && h <= height) {
                int top = rng.nextInt(height - h + 1);
                int left = rng.nextInt(width - w + 1);
                return new int[] {top, left, h, w};
            }
        }
        double inRatio = (double) width / height;
        int w;
        int h;
        if (inRatio < minRatio) {
            w = width;
            h = (int) Math.round(w / minRatio);
        } else if (inRatio > maxRatio) {
            h = height;
            w = (int) Math.round(h * maxRatio);
        } else {
            w = width;
            h = height;
        }
        return new int[] {(height - h) / 2, (width - w) / 2, h, w};
    }

    private static RgbImage crop(RgbImage in, int top, int left, int h, int w) {
        if (top == 0 && left == 0 && h == in.height() && w == in.width()) {
            return in;
        }
        byte[] src = in.pixels();
        byte[] out = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            System.arraycopy(src, ((y + top) * in.width() + left) * 3, out, y * w * 3, w * 3);
        }
        return new RgbImage(w, h, out);
    }

    private static RgbImage flip(RgbImage in) {
        int w = in.width();
        byte[] src = in.pixels();
        byte[] out = new byte[src.length];
        for (int y = 0; y < in.height(); y++) {
            for (int x = 0; x < w; x++) {
                System.arraycopy(src, (y * w + x) * 3, out, (y * w + (w - 1 - x)) * 3, 3);
            }
        }
        return new RgbImage(w, in.height(), out);
    }
}
