package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.expert.language.text.Beit3Tokenizer;
import dev.beit3.api.RgbImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dataset folder format on generated shapes-world data: batch keys, shapes, determinism, masking, augmentation. */
class TrainingDataTest {
    @TempDir
    static Path dir;
    static Beit3Tokenizer tok;
    static final ImagePreprocessor PREP = ProviderRegistry.discover()
            .imagePreprocessor(ImagePreprocessorProvider.DEFAULT_ID).preprocessor();

    @BeforeAll
    static void generate() throws Exception {
        for (String t : List.of("imageclassification", "vqa", "retrieval", "captioning")) {
            ShapesWorld.write(dir.resolve(t), t, 10, 3);
        }
        tok = Beit3Tokenizer.load(Fixtures.projectDemo().resolve("shapes.spm"));
    }

    private static TrainingData open(String task, Augmentation aug) throws Exception {
        return TrainingData.open(new TrainingData.Config(task, dir.resolve(task), 4, 64, 20, aug, true, 7, 0.6, 0.4),
                task.equals("imageclassification") ? null : tok);
    }

    @Test
    void batchesHaveTheReferenceKeysAndShapes() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Batch cls = open("imageclassification", Augmentation.none()).batch(0, m);
            assertThat(cls.require(BatchKey.IMAGE).getShape().getShape()).containsExactly(4, 3, 64, 64);
            assertThat(cls.require(BatchKey.LABEL).getShape().getShape()).containsExactly(4);
            TrainingData vqa = open("vqa", Augmentation.none());
            assertThat(vqa.numClasses()).isEqualTo(21);
            Batch v = vqa.batch(0, m);
            assertThat(v.require(BatchKey.LABELS).getShape().getShape()).containsExactly(4, 21);
            assertThat(v.require(BatchKey.LABELS).sum().getFloat()).isEqualTo(4f); // one answer per question
            assertThat(v.require(BatchKey.LANGUAGE_TOKENS).getShape().getShape()).containsExactly(4, 20);
            Batch r = open("retrieval", Augmentation.none()).batch(1, m);
            assertThat(r.arrays().keySet()).containsExactlyInAnyOrder(BatchKey.IMAGE, BatchKey.LANGUAGE_TOKENS,
                    BatchKey.PADDING_MASK);
            Batch cap = open("captioning", Augmentation.none()).batch(2, m);
            long[] ids = cap.require(BatchKey.LANGUAGE_TOKENS).toLongArray();
            long[] in = cap.require(BatchKey.MASKED_TOKENS).toLongArray();
            long[] pos = cap.require(BatchKey.LANGUAGE_MASKED_POS).toLongArray();
            long[] pad = cap.require(BatchKey.PADDING_MASK).toLongArray();
            for (int row = 0; row < 4; row++) {
                int n = 0;
                int masked = 0;
                for (int i = 0; i < 20; i++) {
                    n += pad[row * 20 + i] == 0 ? 1 : 0;
                    masked += (int) pos[row * 20 + i];
                }
                assertThat(pos[row * 20]).as("bos never masked").isZero();
                assertThat(masked).isEqualTo(Math.max(1, Math.min((int) (n * 0.6 + 0.5), n - 1)));
                for (int i = 0; i < 20; i++) {
                    if (pos[row * 20 + i] == 0) {
                        assertThat(in[row * 20 + i]).isEqualTo(ids[row * 20 + i]);
                    }
                }
            }
        }
    }

    @Test
    void batchKIsAPureFunctionOfSeedAndK() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            TrainingData a = open("captioning", Augmentation.visionLanguage(true));
            TrainingData b = open("captioning", Augmentation.visionLanguage(true));
            Batch x = a.batch(5, m); // batch 5 = examples 20..23: the third epoch's permutation
            a.batch(0, m);
            Batch y = b.batch(5, m);
            for (BatchKey k : x.arrays().keySet()) {
                assertThat(y.require(k).contentEquals(x.require(k))).as(k.referenceName()).isTrue();
            }
            var it = b.batches(5, 1, m);
            assertThat(it.next().require(BatchKey.MASKED_TOKENS).contentEquals(x.require(BatchKey.MASKED_TOKENS))).isTrue();
        }
    }

    @Test
    void readingAheadHandsOutTheSameBatchesAndReportsUnreadableOnes() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            TrainingData d = open("captioning", Augmentation.visionLanguage(true));
            var plain = d.batches(3, 1, m);
            try (TrainingData.ReadAhead ahead = d.readAhead(3, 1, m, 2)) {
                for (int i = 0; i < 6; i++) { // crosses epoch boundaries (10 examples, batches of 4)
                    Batch x = plain.next();
                    Batch y = ahead.next();
                    for (BatchKey k : x.arrays().keySet()) {
                        assertThat(y.require(k).contentEquals(x.require(k))).as("batch %d %s", 3 + i, k).isTrue();
                    }
                }
            }
            Path broken = Files.createDirectories(dir.resolve("broken"));
            Files.writeString(broken.resolve(TrainingData.FILE), "{\"image\": \"missing.png\", \"label\": 0}\n");
            TrainingData b = TrainingData.open(new TrainingData.Config("imageclassification", broken, 2, 64, 20,
                    Augmentation.none(), true, 0, 0.6, 0.4), null);
            try (TrainingData.ReadAhead ahead = b.readAhead(0, 1, m, 2)) {
                assertThatThrownBy(ahead::next).isInstanceOf(InvalidInputException.class)
                        .hasMessageContaining("missing.png");
            }
        }
    }

    @Test
    void randomResizedCropAndFlip() {
        byte[] px = new byte[40 * 30 * 3];
        px[0] = (byte) 255; // a red pixel at the top left
        RgbImage img = new RgbImage(40, 30, px);
        Augmentation aug = Augmentation.imagenet(true);
        Random rng = new Random(1);
        for (int i = 0; i < 50; i++) {
            int[] box = aug.cropBox(40, 30, rng);
            double area = (double) box[2] * box[3] / (40 * 30);
            assertThat(box[0] + box[2]).isLessThanOrEqualTo(30);
            assertThat(box[1] + box[3]).isLessThanOrEqualTo(40);
            assertThat(area).isBetween(0.05, 1.0);
            assertThat(aug.apply(img, 16, rng, PREP).width()).isEqualTo(16);
        }
        byte[] sq = new byte[20 * 20 * 3];
        sq[0] = (byte) 255;
        RgbImage square = new RgbImage(20, 20, sq);
        Augmentation flipOnly = new Augmentation(true, 1, 1, 1, 1, 1);
        RgbImage f = flipOnly.apply(square, 20, rng, PREP); // full-image crop, no resize, always flipped
        assertThat(f.sample(19, 0, 0)).isEqualTo(255);
        assertThat(f.sample(0, 0, 0)).isZero();
        assertThat(Augmentation.none().apply(img, 16, rng, PREP)).isSameAs(img);
    }

    @Test
    void clearErrors() throws Exception {
        assertThatThrownBy(() -> TrainingData.open(new TrainingData.Config("vqa", dir.resolve("vqa"), 4, 64, 20, null,
                true, 0, 0.6, 0.4), null)).isInstanceOf(InvalidInputException.class).hasMessageContaining("tokenizer");
        Path empty = Files.createDirectories(dir.resolve("empty"));
        assertThatThrownBy(() -> TrainingData.open(new TrainingData.Config("retrieval", empty, 4, 64, 20, null, true, 0,
                0.6, 0.4), tok)).isInstanceOf(java.nio.file.NoSuchFileException.class);
        TrainingData d = open("vqa", Augmentation.none());
        assertThatThrownBy(() -> d.labelIndex("maybe")).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("answers.json");
    }

    @Test
    void headInitFollowsTheReference() throws Exception {
        var src = dev.beit3.core.checkpoint.Checkpoint.read(Fixtures.projectDemo().resolve("captioning.pth")).tensors();
        var cls = HeadInit.forTask(src, "imageclassification", 18, 0, 1);
        assertThat(cls).doesNotContainKeys("mlm_head.weight", "beit3.encoder.layer_norm.A.weight");
        assertThat(cls.get("head.weight").shape()).containsExactly(18, 96);
        float max = 0;
        for (float v : cls.get("head.weight").toFloats()) {
            max = Math.max(max, Math.abs(v));
        }
        assertThat(max).isPositive().isLessThan(1e-3f); // trunc_normal(0.02) × 0.001
        assertThat(cls.get("fc_norm.weight").toFloats()[0]).isEqualTo(1f);
        var ret = HeadInit.forTask(src, "retrieval", 0, 0, 1);
        assertThat(ret.get("logit_scale").toFloats()[0]).isEqualTo((float) Math.log(1 / 0.07));
        assertThat(ret).containsKey("beit3.encoder.layer_norm.A.weight");
        var cap = HeadInit.forTask(src, "captioning", 0, 0, 1);
        assertThat(cap.get("mlm_head.weight")).isEqualTo(src.get("mlm_head.weight")); // kept
    }
}
