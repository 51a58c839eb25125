package dev.beit3.train;

import dev.beit3.api.InvalidInputException;
import dev.beit3.api.RgbImage;
import java.util.List;
import java.util.Random;

/**
 * The vision-language recipes' augmentation: BEiT-3's {@code RandomAugment(2, 7, isPIL=True, augs=[...])}
 * (from BLIP), applied to the cropped and flipped picture of retrieval, VQA, NLVR2 and captioning training
 * with {@code --randaug}: {@code numOps} operations drawn with replacement from ten, each run with
 * probability ½ at level {@code magnitude} (of 10): identity, autocontrast, equalize, brightness and
 * sharpness (factor level/10·1.8 + 0.1), shear x/y (level/10·0.3), translate x/y (level/10·10 pixels) and
 * rotate (level/10·30 degrees), signs drawn at random, uncovered areas filled with (128, 128, 128). The
 * operations are OpenCV's and NumPy's ({@link CvOps}, byte-exact against OpenCV 4.6), including the
 * reference's autocontrast, which whitens a channel whose minimum is above 0. The random numbers are Java's.
 *
 * @param numOps operations per picture (2)
 * @param magnitude level in [0, 10] (7)
 */
public record VlRandomAugment(int numOps, double magnitude) implements PictureAugment {
    /** The operations of the recipe, in its order. */
    public static final List<String> OPS = List.of("Identity", "AutoContrast", "Equalize", "Brightness", "Sharpness",
            "ShearX", "ShearY", "TranslateX", "TranslateY", "Rotate");
    private static final int[] FILL = {128, 128, 128};

    /** Validates. */
    public VlRandomAugment {
        if (numOps < 0 || !(magnitude >= 0 && magnitude <= 10)) {
            throw new InvalidInputException("RandomAugment needs n ≥ 0 and 0 ≤ level ≤ 10, got n " + numOps
                    + ", level " + magnitude);
        }
    }

    /**
     * The reference's setting, {@code RandomAugment(2, 7)}.
     *
     * @return the setting
     */
    public static VlRandomAugment reference() {
        return new VlRandomAugment(2, 7);
    }

    @Override
    public RgbImage apply(RgbImage img, Random rng) {
        int[] ops = new int[numOps];
        for (int k = 0; k < numOps; k++) {
            ops[k] = rng.nextInt(OPS.size());
        }
        RgbImage out = img;
        for (int op : ops) {
            if (rng.nextDouble() > 0.5) {
                continue;
            }
            double level = magnitude / 10;
            String name = OPS.get(op);
            double arg = switch (name) {
                case "Brightness", "Sharpness" -> level * 1.8 + 0.1;
                case "ShearX", "ShearY" -> rng.nextDouble() > 0.5 ? -level * 0.3 : level * 0.3;
                case "TranslateX", "TranslateY" -> rng.nextDouble() > 0.5 ? -level * 10 : level * 10;
                case "Rotate" -> rng.nextDouble() < 0.5 ? -level * 30 : level * 30;
                default -> 0;
            };
            out = op(name, out, arg, FILL);
        }
        return out;
    }

    /**
     * One operation with its argument (factor, shear, pixels or degrees).
     *
     * @param name one of {@link #OPS}
     * @param img the picture
     * @param arg the argument
     * @param fill RGB of uncovered areas
     * @return the result
     */
    static RgbImage op(String name, RgbImage img, double arg, int[] fill) {
        float a = (float) arg; // the reference builds its matrices in float32
        return switch (name) {
            case "Identity" -> img;
            case "AutoContrast" -> CvOps.autocontrast(img);
            case "Equalize" -> PilOps.equalize(img);
            case "Brightness" -> PilOps.brightness(img, arg);
            case "Sharpness" -> CvOps.sharpness(img, arg);
            case "ShearX" -> CvOps.warpAffine(img, new double[] {1, a, 0, 0, 1, 0}, fill);
            case "ShearY" -> CvOps.warpAffine(img, new double[] {1, 0, 0, a, 1, 0}, fill);
            case "TranslateX" -> CvOps.warpAffine(img, new double[] {1, 0, -a, 0, 1, 0}, fill);
            case "TranslateY" -> CvOps.warpAffine(img, new double[] {1, 0, 0, 0, 1, -a}, fill);
            case "Rotate" -> CvOps.warpAffine(img, CvOps.rotationMatrix(img.width(), img.height(), arg), fill);
            default -> throw new IllegalArgumentException("unknown RandomAugment op " + name);
        };
    }
}
