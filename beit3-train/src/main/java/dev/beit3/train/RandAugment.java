package dev.beit3.train;

import dev.beit3.api.InvalidInputException;
import dev.beit3.api.RgbImage;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * timm's {@code RandAugment} as the reference's ImageNet fine-tuning uses it ({@code rand-m9-mstd0.5-inc1},
 * applied to the cropped and flipped picture before normalisation): {@code numOps} operations drawn with
 * replacement from 15; each runs with probability {@code probability} at a magnitude drawn from
 * N({@code magnitude}, {@code magnitudeStd}) clipped to [0, 10], its argument's sign flipped with probability
 * ½ where the op has one. The operations are Pillow's ({@link PilOps}, byte-exact); geometric ones use bicubic
 * sampling and fill with {@code fill} (the reference: the ImageNet mean, (124, 116, 104)). The random numbers
 * are Java's.
 *
 * <p>With {@code increasing} (timm's {@code inc1}, the reference's choice) posterize, solarize and the
 * enhancers grow stronger with the magnitude in both directions; without it ({@code inc0}) the original
 * AutoAugment levels are used.
 *
 * @param numOps operations per image (timm {@code n}, 2)
 * @param magnitude mean magnitude in [0, 10] (timm {@code m}, 9)
 * @param magnitudeStd standard deviation of the magnitude, 0 = fixed (timm {@code mstd}, 0.5)
 * @param probability chance that a drawn operation runs (0.5)
 * @param increasing the {@code inc1} operation set
 * @param fill RGB of the area uncovered by rotations, shears and translations
 */
public record RandAugment(int numOps, double magnitude, double magnitudeStd, double probability, boolean increasing,
        int[] fill) implements PictureAugment {
    /** The operations, in timm's order. */
    public static final List<String> OPS = List.of("AutoContrast", "Equalize", "Invert", "Rotate", "Posterize",
            "Solarize", "SolarizeAdd", "Color", "Contrast", "Brightness", "Sharpness", "ShearX", "ShearY",
            "TranslateXRel", "TranslateYRel");
    /** round(255 × ImageNet mean): the reference's fill colour. */
    public static final int[] IMAGENET_FILL = {124, 116, 104};

    /** Validates. */
    public RandAugment {
        if (numOps < 0 || !(magnitude >= 0 && magnitude <= 10) || !(magnitudeStd >= 0)
                || !(probability >= 0 && probability <= 1) || fill == null || fill.length != 3) {
            throw new InvalidInputException("RandAugment needs n ≥ 0, 0 ≤ m ≤ 10, mstd ≥ 0, 0 ≤ p ≤ 1 and an RGB fill;"
                    + " got n " + numOps + ", m " + magnitude + ", mstd " + magnitudeStd + ", p " + probability);
        }
        fill = fill.clone();
    }

    /**
     * The reference's setting, {@code rand-m9-mstd0.5-inc1} filling with the ImageNet mean.
     *
     * @return the setting
     */
    public static RandAugment imagenet() {
        return parse("rand-m9-mstd0.5-inc1", IMAGENET_FILL);
    }

    /**
     * Parses a timm RandAugment string: {@code rand} followed by {@code -m<M>}, {@code -n<N>},
     * {@code -mstd<S>}, {@code -inc<0|1>}, {@code -p<P>} in any order (defaults n 2, m 10, mstd 0, inc 0, p 0.5).
     *
     * @param spec e.g. {@code rand-m9-mstd0.5-inc1}
     * @param fill the fill colour
     * @return the setting
     */
    public static RandAugment parse(String spec, int[] fill) {
        String[] parts = spec.trim().toLowerCase(Locale.ROOT).split("-");
        if (!parts[0].equals("rand")) {
            throw bad(spec, "it must start with 'rand'");
        }
        int n = 2;
        double m = 10;
        double std = 0;
        boolean inc = false;
        double p = 0.5;
        try {
            for (int i = 1; i < parts.length; i++) {
                String s = parts[i];
                if (s.startsWith("mstd")) {
                    std = Double.parseDouble(s.substring(4));
                } else if (s.startsWith("inc")) {
                    inc = Integer.parseInt(s.substring(3)) != 0;
                } else if (s.startsWith("m")) {
                    m = Double.parseDouble(s.substring(1));
                } else if (s.startsWith("n")) {
                    n = Integer.parseInt(s.substring(1));
                } else if (s.startsWith("p")) {
                    p = Double.parseDouble(s.substring(1));
                } else {
                    throw bad(spec, "unknown part '" + s + "'");
                }
            }
        } catch (NumberFormatException e) {
            throw bad(spec, "a part is not a number");
        }
        return new RandAugment(n, m, std, p, inc, fill);
    }

    private static InvalidInputException bad(String spec, String why) {
        return new InvalidInputException("RandAugment '" + spec + "': " + why
                + " (e.g. rand-m9-mstd0.5-inc1: magnitude 9, std 0.5, increasing ops)");
    }

    @Override
    public RgbImage apply(RgbImage img, Random rng) {
        int[] ops = new int[numOps];
        for (int k = 0; k < numOps; k++) {
            ops[k] = rng.nextInt(OPS.size());
        }
        RgbImage out = img;
        for (int op : ops) {
            if (probability < 1 && rng.nextDouble() > probability) {
                continue;
            }
            double m = magnitude;
            if (magnitudeStd > 0) {
                m = magnitude + magnitudeStd * rng.nextGaussian();
            }
            m = Math.max(0, Math.min(10, m));
            out = op(OPS.get(op), out, m, rng);
        }
        return out;
    }

    /**
     * One operation at a magnitude (the sign of signed arguments drawn from {@code rng}).
     *
     * @param name one of {@link #OPS}
     * @param img the picture
     * @param m magnitude in [0, 10]
     * @param rng the random source
     * @return the result
     */
    RgbImage op(String name, RgbImage img, double m, Random rng) {
        double level = m / 10;
        return switch (name) {
            case "AutoContrast" -> PilOps.autocontrast(img);
            case "Equalize" -> PilOps.equalize(img);
            case "Invert" -> PilOps.invert(img);
            case "Rotate" -> PilOps.rotate(img, negate(level * 30, rng), fill);
            case "Posterize" -> {
                int bits = increasing ? 4 - (int) (level * 4) : (int) (level * 4);
                yield bits >= 8 ? img : PilOps.posterize(img, bits);
            }
            case "Solarize" -> PilOps.solarize(img, increasing ? 256 - (int) (level * 256) : (int) (level * 256));
            case "SolarizeAdd" -> PilOps.solarizeAdd(img, (int) (level * 110), 128);
            case "Color" -> PilOps.color(img, factor(level, rng));
            case "Contrast" -> PilOps.contrast(img, factor(level, rng));
            case "Brightness" -> PilOps.brightness(img, factor(level, rng));
            case "Sharpness" -> PilOps.sharpness(img, factor(level, rng));
            case "ShearX" -> PilOps.affine(img, new double[] {1, negate(level * 0.3, rng), 0, 0, 1, 0}, fill);
            case "ShearY" -> PilOps.affine(img, new double[] {1, 0, 0, negate(level * 0.3, rng), 1, 0}, fill);
            case "TranslateXRel" -> PilOps.affine(img,
                    new double[] {1, 0, negate(level * 0.45, rng) * img.width(), 0, 1, 0}, fill);
            case "TranslateYRel" -> PilOps.affine(img,
                    new double[] {1, 0, 0, 0, 1, negate(level * 0.45, rng) * img.height()}, fill);
            default -> throw new IllegalArgumentException("unknown RandAugment op " + name);
        };
    }

    private double factor(double level, Random rng) {
        return increasing ? 1.0 + negate(level * 0.9, rng) : level * 1.8 + 0.1;
    }

    private static double negate(double v, Random rng) {
        return rng.nextDouble() > 0.5 ? -v : v;
    }

    @Override
    public int[] fill() {
        return fill.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RandAugment r && r.numOps == numOps && r.magnitude == magnitude
                && r.magnitudeStd == magnitudeStd && r.probability == probability && r.increasing == increasing
                && java.util.Arrays.equals(r.fill, fill);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(numOps, magnitude, magnitudeStd, probability, increasing,
                java.util.Arrays.hashCode(fill));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "rand-m%s-n%d-mstd%s-inc%d-p%s", magnitude, numOps, magnitudeStd,
                increasing ? 1 : 0, probability);
    }
}
