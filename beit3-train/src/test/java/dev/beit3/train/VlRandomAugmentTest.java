package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.api.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The vision-language recipes' RandomAugment reproduces OpenCV 4.6 / NumPy byte for byte
 * ({@code testdata/vl-randaugment}, made by its {@code make_goldens.py}).
 */
class VlRandomAugmentTest {
    private static final Path DIR = Fixtures.testdata("vl-randaugment");

    @Test
    void everyOperationMatchesOpenCvByteForByte() throws Exception {
        JsonObject index = Fixtures.json(DIR.resolve("cases.json"));
        int w = index.get("width").getAsInt();
        int h = index.get("height").getAsInt();
        RgbImage in = new RgbImage(w, h, Files.readAllBytes(DIR.resolve(index.get("input").getAsString())));
        int[] fill = {128, 128, 128};
        Set<String> ops = new HashSet<>();
        int failures = 0;
        StringBuilder report = new StringBuilder();
        for (JsonElement e : index.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            String op = c.get("op").getAsString();
            double arg = c.get("arg").getAsDouble();
            RgbImage src = c.has("input") ? new RgbImage(w, h, Files.readAllBytes(DIR.resolve(c.get("input")
                    .getAsString()))) : in;
            RgbImage got = VlRandomAugment.op(op, src, arg, fill);
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
            String line = String.format("vl-randaugment %-16s %d of %d bytes differ from OpenCV%s", c.get("name")
                    .getAsString(), diff, want.length, first < 0 ? "" : " (first at " + first + ": "
                    + (have[first] & 0xff) + " vs " + (want[first] & 0xff) + ")");
            System.out.println(line);
            if (diff != 0) {
                failures++;
                report.append(line).append('\n');
            }
            ops.add(op);
        }
        assertThat(failures).as(report.toString()).isZero();
        assertThat(ops).containsExactlyInAnyOrderElementsOf(VlRandomAugment.OPS.subList(1, VlRandomAugment.OPS.size()));
    }

    @Test
    void theReferencePolicyIsDeterministicAndChangesAboutHalfThePictures() throws Exception {
        RgbImage in = new RgbImage(23, 17, Files.readAllBytes(Fixtures.testdata("randaugment").resolve("input.rgb")));
        VlRandomAugment ra = VlRandomAugment.reference();
        assertThat(ra.numOps()).isEqualTo(2);
        assertThat(ra.magnitude()).isEqualTo(7);
        int changed = 0;
        for (int s = 0; s < 60; s++) {
            RgbImage a = ra.apply(in, new java.util.Random(s));
            assertThat(ra.apply(in, new java.util.Random(s))).isEqualTo(a);
            changed += a.equals(in) ? 0 : 1;
        }
        // P(unchanged) = P(both ops skipped or identity) ≈ (1/2 + 1/2 · 1/10)^2 ≈ 0.30
        assertThat(changed).isBetween(25, 57);
        assertThat(new VlRandomAugment(2, 0).apply(in, new java.util.Random(1)).width()).isEqualTo(23);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new VlRandomAugment(2, 11))
                .isInstanceOf(dev.beit3.api.InvalidInputException.class);
    }
}
