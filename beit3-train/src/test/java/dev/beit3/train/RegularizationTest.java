package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.InvalidInputException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ImageNet recipe's batch regularisation in the data path: random erasing and Mixup / CutMix. */
class RegularizationTest {
    @TempDir
    static Path dir;

    @BeforeAll
    static void generate() throws Exception {
        ShapesWorld.write(dir.resolve("cls"), "imageclassification", 16, 8);
    }

    private static TrainingData data(int batch) throws Exception {
        return TrainingData.open(new TrainingData.Config("imageclassification", dir.resolve("cls"), batch, 64, 20,
                Augmentation.none(), true, 3, 0.6, 0.4), null);
    }

    @Test
    void randomErasingFillsOneBoxWithinTheReferenceBounds() {
        RandomErasing re = RandomErasing.of(1.0);
        Random rng = new Random(4);
        int erased = 0;
        for (int n = 0; n < 200; n++) {
            float[] img = new float[2 + 3 * 20 * 30];
            java.util.Arrays.fill(img, 7f);
            int[] box = re.apply(img, 2, 3, 20, 30, rng);
            if (box == null) {
                continue; // ten attempts that did not fit: left alone, as timm
            }
            erased++;
            int top = box[0];
            int left = box[1];
            int h = box[2];
            int w = box[3];
            assertThat(h).isLessThan(20).isPositive();
            assertThat(w).isLessThan(30).isPositive();
            double area = (double) h * w / (20 * 30);
            assertThat(area).isBetween(0.02 * 0.5, 1 / 3.0 * 1.5); // sides are rounded
            assertThat(img[0]).isEqualTo(7f); // before the offset: untouched
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < 20; y++) {
                    for (int x = 0; x < 30; x++) {
                        boolean in = y >= top && y < top + h && x >= left && x < left + w;
                        float v = img[2 + (c * 20 + y) * 30 + x];
                        assertThat(v != 7f).as("inside the box exactly").isEqualTo(in);
                    }
                }
            }
        }
        assertThat(erased).isGreaterThan(150);
        float[] img = {1, 2, 3};
        assertThat(RandomErasing.of(0).apply(img, 0, 3, 1, 1, rng)).isNull();
        assertThat(img).containsExactly(1, 2, 3);
    }

    @Test
    void mixupBlendsEachImageWithItsMirrorPartnerAndMixesTheTargets() throws Exception {
        TrainingData plain = data(8);
        int classes = plain.numClasses();
        TrainingData mixed = plain.withRegularization(null, null, new Mixup(0.8, 0, 0.5, 0.1, classes));
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = plain.batch(1, m).require(BatchKey.IMAGE).toFloatArray();
            long[] y = plain.batch(1, m).require(BatchKey.LABEL).toLongArray();
            Batch b = mixed.batch(1, m);
            float[] mx = b.require(BatchKey.IMAGE).toFloatArray();
            float[] t = b.require(BatchKey.SOFT_TARGET).toFloatArray();
            assertThat(b.require(BatchKey.SOFT_TARGET).getShape().getShape()).containsExactly(8, classes);
            double off = 0.1 / classes;
            double on = 0.9 + off;
            // λ from a row whose two labels differ: t[y_i] = λ·on + (1−λ)·off
            double lam = Double.NaN;
            for (int i = 0; i < 8 && Double.isNaN(lam); i++) {
                if (y[i] != y[7 - i]) {
                    lam = (t[i * classes + (int) y[i]] - off) / (on - off);
                }
            }
            assertThat(lam).isBetween(0.0, 1.0);
            int per = 3 * 64 * 64;
            for (int i = 0; i < 8; i++) {
                double sum = 0;
                for (int c = 0; c < classes; c++) {
                    sum += t[i * classes + c];
                }
                assertThat(sum).isCloseTo(1.0, within(1e-5));
                for (int k = 0; k < per; k += 97) {
                    double want = lam * x[i * per + k] + (1 - lam) * x[(7 - i) * per + k];
                    assertThat((double) mx[i * per + k]).isCloseTo(want, within(1e-4));
                }
            }
            // a pure function of (seed, batch index)
            assertThat(mixed.batch(1, m).require(BatchKey.IMAGE).contentEquals(b.require(BatchKey.IMAGE))).isTrue();
        }
    }

    @Test
    void cutmixPastesTheMirrorPartnersBox() throws Exception {
        TrainingData plain = data(4);
        TrainingData cut = plain.withRegularization(null, null, new Mixup(0, 1.0, 0.5, 0.0, plain.numClasses()));
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = plain.batch(0, m).require(BatchKey.IMAGE).toFloatArray();
            float[] c = cut.batch(0, m).require(BatchKey.IMAGE).toFloatArray();
            int per = 3 * 64 * 64;
            int plane = 64 * 64;
            int fromPartner = 0;
            for (int k = 0; k < per; k++) {
                assertThat(c[k] == x[k] || c[k] == x[3 * per + k]).as("every value is its own or the partner's")
                        .isTrue();
            }
            for (int p = 0; p < plane; p++) {
                boolean changed = c[p] != x[p] || c[plane + p] != x[plane + p] || c[2 * plane + p] != x[2 * plane + p];
                fromPartner += changed ? 1 : 0;
            }
            float[] t = cut.batch(0, m).require(BatchKey.SOFT_TARGET).toFloatArray();
            long[] y = plain.batch(0, m).require(BatchKey.LABEL).toLongArray();
            if (y[0] != y[3]) { // without smoothing: t[y_partner] = 1 − λ = the box's share of the image
                assertThat((double) t[(int) y[3]]).isCloseTo(fromPartner / (double) plane, within(0.02));
            }
        }
    }

    @Test
    void randAugmentChangesPicturesAsAPureFunctionOfSeedAndBatch() throws Exception {
        TrainingData plain = data(8);
        TrainingData ra = plain.withRegularization(RandAugment.imagenet(), null, null);
        try (NDManager m = NDManager.newBaseManager()) {
            float[] x = plain.batch(2, m).require(BatchKey.IMAGE).toFloatArray();
            float[] a = ra.batch(2, m).require(BatchKey.IMAGE).toFloatArray();
            assertThat(ra.batch(2, m).require(BatchKey.IMAGE).toFloatArray()).isEqualTo(a);
            int per = 3 * 64 * 64;
            int changed = 0;
            for (int i = 0; i < 8; i++) {
                changed += java.util.Arrays.equals(x, i * per, (i + 1) * per, a, i * per, (i + 1) * per) ? 0 : 1;
            }
            assertThat(changed).as("pictures changed by two ops at p = 0.5 each").isBetween(3, 8);
        }
    }

    @Test
    void theVisionLanguageRandomAugmentRunsInTheCaptioningDataPath() throws Exception {
        Path cap = dir.resolve("cap");
        ShapesWorld.write(cap, "captioning", 8, 9);
        try (var tok = dev.beit3.expert.language.text.Beit3Tokenizer.load(
                dev.beit3.core.testing.Fixtures.projectDemo().resolve("shapes.spm"))) {
            TrainingData plain = TrainingData.open(new TrainingData.Config("captioning", cap, 8, 64, 20,
                    Augmentation.none(), true, 3, 0.6, 0.4), tok);
            TrainingData ra = plain.withRegularization(VlRandomAugment.reference(), null, null);
            try (NDManager m = NDManager.newBaseManager()) {
                float[] x = plain.batch(1, m).require(BatchKey.IMAGE).toFloatArray();
                float[] a = ra.batch(1, m).require(BatchKey.IMAGE).toFloatArray();
                assertThat(ra.batch(1, m).require(BatchKey.IMAGE).toFloatArray()).isEqualTo(a);
                assertThat(a).isNotEqualTo(x);
                assertThat(ra.batch(1, m).require(BatchKey.LANGUAGE_TOKENS).contentEquals(plain.batch(1, m)
                        .require(BatchKey.LANGUAGE_TOKENS))).as("same captions").isTrue();
            }
        }
        assertThatThrownBy(() -> new TrainingData.Config("imageclassification", dir, 4, 64, 20, null, true, 0, 0.6,
                0.4, VlRandomAugment.reference(), null, null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vision-language recipes");
    }

    @Test
    void onlyForClassificationAndEvenBatches() throws Exception {
        assertThatThrownBy(() -> new TrainingData.Config("vqa", dir, 4, 64, 20, null, true, 0, 0.6, 0.4,
                null, RandomErasing.of(0.25), null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("image classification");
        assertThatThrownBy(() -> new TrainingData.Config("retrieval", dir, 4, 64, 20, null, true, 0, 0.6, 0.4,
                RandAugment.imagenet(), null, null)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("RandAugment");
        assertThatThrownBy(() -> new TrainingData.Config("imageclassification", dir, 5, 64, 20, null, true, 0, 0.6,
                0.4, null, null, new Mixup(0.8, 1, 0.5, 0.1, 18))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("even batch");
    }
}
