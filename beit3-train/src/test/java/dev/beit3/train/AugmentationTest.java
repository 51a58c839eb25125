package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.beit3.core.io.Npy;
import dev.beit3.core.testing.Fixtures;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Mixup reproduces the classification fixture's mixed batch; the masking plugins follow their rules. */
class AugmentationTest {

    @Test
    void mixupReproducesTheFixtureBatch() {
        TrainingCase c = TrainingCase.all().stream().filter(x -> x.name().equals("imageclassification")).findFirst()
                .orElseThrow();
        JsonObject draw = c.manifest.getAsJsonObject("loss").getAsJsonObject("mixup_draw");
        Npy.Array image = c.npy("image.npy");
        long[] labels = c.npy("label.npy").longs();
        int classes = (int) c.npy("soft_target.npy").shape()[1];
        Mixup mix = new Mixup(0.8, 1.0, 0.5, c.parsedRecipe().get("label_smoothing").getAsDouble(), classes);
        double lam = draw.get("lam").getAsDouble();
        if (draw.get("use_cutmix").getAsBoolean()) {
            return; // the box is not recorded; the Mixup path is what the public set exercises
        }
        Mixup.Mixed m = mix.apply(image.floats(), image.shape(), labels, Mixup.Draw.mixup(lam));
        Fixtures.Closeness img = Fixtures.compare(m.images(), c.npy("image_mixed.npy").floats(), 1e-6, 0);
        Fixtures.Closeness t = Fixtures.compare(m.softTargets(), c.npy("soft_target.npy").floats(), 1e-7, 0);
        System.out.printf("training mixup: image_mixed max|diff| %.2e, soft_target max|diff| %.2e%n", img.maxAbsDiff(),
                t.maxAbsDiff());
        assertThat(img.withinTolerance()).isTrue();
        assertThat(t.withinTolerance()).isTrue();
        Mixup.Draw d = mix.draw(40, 40, new Random(1));
        assertThat(d.lam()).isBetween(0.0, 1.0);
    }

    @Test
    void randomTokenMaskingFollowsTheFixtureRule() {
        TrainingCase c = TrainingCase.all().stream().filter(x -> x.name().equals("mlm_text")).findFirst().orElseThrow();
        long[] shape = c.npy("language_tokens.npy").shape();
        long[][] ids = rows(c.npy("language_tokens.npy").longs(), shape);
        long[][] pad = rows(c.npy("padding_mask.npy").longs(), shape);
        long[][] refPos = rows(c.npy("language_masked_pos.npy").longs(), shape);
        long maskId = c.manifest.getAsJsonObject("masking").get("mask_token_id").getAsLong();
        double ratio = c.manifest.getAsJsonObject("masking").get("mask_ratio").getAsDouble();
        TokenMasking.Masked m = TokenMasking.random(ratio, maskId).mask(ids, pad, new Random(7));
        for (int r = 0; r < ids.length; r++) {
            int n = 0;
            int ref = 0;
            for (int i = 0; i < ids[r].length; i++) {
                n += (int) m.maskedPositions()[r][i];
                ref += (int) refPos[r][i];
                if (m.maskedPositions()[r][i] == 1) {
                    assertThat(pad[r][i]).isZero();
                    assertThat(i).isPositive();
                    assertThat(m.inputIds()[r][i]).isEqualTo(maskId);
                    assertThat(ids[r][i]).isNotIn(0L, 2L);
                } else {
                    assertThat(m.inputIds()[r][i]).isEqualTo(ids[r][i]);
                }
            }
            assertThat(n).as("row %d masked count", r).isEqualTo(ref);
        }
        assertThat(m.targets()).hasSize((int) c.npy("mlm_targets.npy").shape()[0]);
    }

    @Test
    void blockwisePatchMaskingMasksRectanglesUpToTheTarget() {
        PatchMasking pm = PatchMasking.blockwise(14, 4, 0.3);
        Random rng = new Random(3);
        for (int i = 0; i < 20; i++) {
            long[] m = pm.mask(6, 6, rng);
            long n = java.util.Arrays.stream(m).sum();
            assertThat(n).isBetween(1L, 14L);
        }
    }

    private static long[][] rows(long[] flat, long[] shape) {
        int b = (int) shape[0];
        int t = (int) shape[1];
        long[][] out = new long[b][t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * t, out[i], 0, t);
        }
        return out;
    }
}
