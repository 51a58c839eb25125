package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.api.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * RandAugment's operations reproduce Pillow 9.4 byte for byte ({@code testdata/randaugment}, made by its
 * {@code make_goldens.py}), and the policy draws as timm's {@code rand-m9-mstd0.5-inc1}.
 */
class RandAugmentTest {
    private static final Path DIR = Fixtures.testdata("randaugment");

    private static RgbImage read(String file, int w, int h) throws Exception {
        return new RgbImage(w, h, Files.readAllBytes(DIR.resolve(file)));
    }

    @Test
    void everyOperationMatchesPillowByteForByte() throws Exception {
        JsonObject index = Fixtures.json(DIR.resolve("cases.json"));
        int w = index.get("width").getAsInt();
        int h = index.get("height").getAsInt();
        RgbImage in = read(index.get("input").getAsString(), w, h);
        int[] fill = {124, 116, 104};
        Set<String> ops = new HashSet<>();
        for (JsonElement e : index.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String op = c.get("op").getAsString();
            double arg = c.get("arg").getAsDouble();
            RgbImage got = switch (op) {
                case "AutoContrast" -> PilOps.autocontrast(in);
                case "Equalize" -> PilOps.equalize(in);
                case "Invert" -> PilOps.invert(in);
                case "Posterize" -> PilOps.posterize(in, (int) arg);
                case "Solarize" -> PilOps.solarize(in, (int) arg);
                case "SolarizeAdd" -> PilOps.solarizeAdd(in, (int) arg, 128);
                case "Color" -> PilOps.color(in, arg);
                case "Contrast" -> PilOps.contrast(in, arg);
                case "Brightness" -> PilOps.brightness(in, arg);
                case "Sharpness" -> PilOps.sharpness(in, arg);
                case "Rotate" -> PilOps.rotate(in, arg, fill);
                case "ShearX" -> PilOps.affine(in, new double[] {1, arg, 0, 0, 1, 0}, fill);
                case "ShearY" -> PilOps.affine(in, new double[] {1, 0, 0, arg, 1, 0}, fill);
                case "TranslateXRel" -> PilOps.affine(in, new double[] {1, 0, arg * w, 0, 1, 0}, fill);
                case "TranslateYRel" -> PilOps.affine(in, new double[] {1, 0, 0, 0, 1, arg * h}, fill);
                default -> throw new IllegalStateException(op);
            };
            byte[] want = Files.readAllBytes(DIR.resolve(c.get("file").getAsString()));
            byte[] have = got.pixels();
            int diff = 0;
            int first = -1;
            for (int i = 0; i < want.length; i++) {
                if (want[i] != have[i]) {
                    diff++;
                    first = first < 0 ? i : first;
                }
            }
            System.out.printf("randaugment %-18s %d of %d bytes differ from Pillow%n", c.get("name").getAsString(),
                    diff, want.length);
            assertThat(diff).as("%s: first difference at byte %d", c.get("name").getAsString(), first).isZero();
            ops.add(op);
        }
        assertThat(ops).containsExactlyInAnyOrderElementsOf(RandAugment.OPS);
    }

    @Test
    void theReferencePolicyParsesAndIsDeterministic() throws Exception {
        RandAugment ra = RandAugment.imagenet();
        assertThat(ra.numOps()).isEqualTo(2);
        assertThat(ra.magnitude()).isEqualTo(9);
        assertThat(ra.magnitudeStd()).isEqualTo(0.5);
        assertThat(ra.increasing()).isTrue();
        assertThat(ra.fill()).containsExactly(124, 116, 104);
        RgbImage in = read("input.rgb", 23, 17);
        int changed = 0;
        for (int s = 0; s < 40; s++) {
            RgbImage a = ra.apply(in, new Random(s));
            assertThat(ra.apply(in, new Random(s))).isEqualTo(a);
            changed += a.equals(in) ? 0 : 1;
        }
        // each of 2 ops runs with probability 1/2: P(unchanged) ≥ 1/4; at least some pictures change
        assertThat(changed).isBetween(15, 40);
        assertThat(RandAugment.parse("rand-n3-m5-p1", RandAugment.IMAGENET_FILL).numOps()).isEqualTo(3);
        assertThatThrownBy(() -> RandAugment.parse("augmix-m5", RandAugment.IMAGENET_FILL))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("start with 'rand'");
        assertThatThrownBy(() -> RandAugment.parse("rand-m12", RandAugment.IMAGENET_FILL))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void magnitudeZeroLeavesGeometryAndEnhancersAlone() throws Exception {
        RgbImage in = read("input.rgb", 23, 17);
        RandAugment ra = new RandAugment(2, 0, 0, 1, true, RandAugment.IMAGENET_FILL);
        for (String op : new String[] {"Rotate", "ShearX", "ShearY", "TranslateXRel", "TranslateYRel", "Color",
            "Contrast", "Brightness", "Sharpness", "SolarizeAdd", "Solarize"}) {
            assertThat(ra.op(op, in, 0, new Random(1))).as(op).isEqualTo(in);
        }
        // the strongest increasing posterize keeps 0 bits: black
        assertThat(ra.op("Posterize", in, 10, new Random(1)).pixels()).containsOnly((byte) 0);
    }
}
