package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The trainer: loss falls when fine-tuning, frozen-encoder runs keep the encoder bit-identical, accumulation. */
class TrainerTest {

    private static TrainingCase fixture(String name) {
        return TrainingCase.all().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no training/" + name + " fixture"));
    }

    private static Trainer.Config config(double lr, int steps, boolean frozen, int accumulation) {
        return new Trainer.Config(LrSchedule.constant(lr, steps), AdamW.Config.defaults(), 0.05,
                ParameterGroups.LrScale.none(), ParameterGroups.BEIT3_NO_WEIGHT_DECAY, accumulation, 0, frozen, 42);
    }

    @Test
    void fineTuningLowersTheLoss() throws Exception {
        TrainingCase c = fixture("imageclassification");
        try (NDManager root = NDManager.newBaseManager(); TrainableModel m = c.model(root);
                Trainer t = new Trainer(m, c.task(), config(1e-3, 6, false, 1))) {
            Batch b = c.batch(root);
            List<Double> losses = new ArrayList<>();
            for (Trainer.StepResult r : t.run(Collections.nCopies(6, b).iterator(), 6, null)) {
                losses.add(r.loss());
            }
            System.out.println("training fine-tune imageclassification losses " + losses);
            assertThat(losses.get(0)).isCloseTo(c.npy("loss.npy").floats()[0], within(1e-5));
            assertThat(losses.get(losses.size() - 1)).isLessThan(losses.get(0) * 0.8);
        }
    }

    @Test
    void frozenEncoderKeepsTheEncoderBitIdentical() throws Exception {
        TrainingCase c = fixture("vqa");
        try (NDManager root = NDManager.newBaseManager(); TrainableModel m = c.model(root);
                Trainer t = new Trainer(m, c.task(), config(1e-3, 4, true, 1))) {
            Map<String, float[]> before = OptimizerParityTest.snapshot(m.parameters());
            Batch b = c.batch(root);
            List<Trainer.StepResult> rs = t.run(Collections.nCopies(4, b).iterator(), 4, null);
            int changed = 0;
            for (String k : m.parameters().names()) {
                boolean same = java.util.Arrays.equals(before.get(k), m.parameters().get(k).toFloatArray());
                if (k.startsWith("beit3.")) {
                    assertThat(same).as(k + " unchanged").isTrue();
                } else if (!same) {
                    changed++;
                }
            }
            System.out.printf("training frozen-encoder vqa: losses %s, %d head parameters changed, encoder bit-identical%n",
                    rs.stream().map(Trainer.StepResult::loss).toList(), changed);
            assertThat(changed).isPositive();
            assertThat(rs.get(3).loss()).isLessThan(rs.get(0).loss());
            assertThat(rs.get(0).updated()).isEqualTo(changed);
        }
    }

    @Test
    void accumulatingTwoHalvesEqualsOneBatch() throws Exception {
        TrainingCase c = fixture("imageclassification");
        Trainer.StepResult whole;
        Map<String, float[]> afterWhole;
        try (NDManager root = NDManager.newBaseManager(); TrainableModel m = c.model(root);
                Trainer t = new Trainer(m, c.task(), config(1e-3, 1, false, 1))) {
            whole = t.step(List.of(c.batch(root)));
            afterWhole = OptimizerParityTest.snapshot(m.parameters());
        }
        try (NDManager root = NDManager.newBaseManager(); TrainableModel m = c.model(root);
                Trainer t = new Trainer(m, c.task(), config(1e-3, 1, false, 2))) {
            Batch b = c.batch(root);
            long half = b.size() / 2;
            Trainer.StepResult acc = t.step(List.of(b.rows(0, half), b.rows(half, b.size())));
            System.out.printf("training accumulation: loss %.7f vs %.7f, |g| %.7f vs %.7f%n", acc.loss(), whole.loss(),
                    acc.gradNorm(), whole.gradNorm());
            assertThat(acc.loss()).isCloseTo(whole.loss(), within(1e-5));
            assertThat(acc.gradNorm()).isCloseTo(whole.gradNorm(), within(1e-5 * whole.gradNorm()));
            assertThat(acc.samples()).isEqualTo(whole.samples());
            assertThat(acc.updated()).isEqualTo(whole.updated());
        }
    }

    @Test
    void clippingBoundsTheGlobalNorm() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3, 4});
            NDArray b = m.create(new float[] {12});
            Map<String, NDArray> g = Map.of("a", a, "b", b);
            assertThat(Gradients.clipByGlobalNorm(g, 1.0)).isCloseTo(13.0, within(1e-6));
            assertThat(Gradients.globalNorm(g)).isCloseTo(1.0, within(1e-6));
        }
    }

    @Test
    void scheduleWarmsUpThenDecaysLikeTheReference() {
        LrSchedule s = new LrSchedule(1e-3, 1e-5, 0, 5, 15);
        assertThat(s.at(0)).isEqualTo(0.0);
        assertThat(s.at(4)).isCloseTo(1e-3, within(1e-15)); // linspace end point
        assertThat(s.at(2)).isCloseTo(5e-4, within(1e-15));
        assertThat(s.at(5)).isCloseTo(1e-3, within(1e-15)); // cos(0)
        assertThat(s.at(14)).isCloseTo(1e-5 + 0.5 * (1e-3 - 1e-5) * (1 + Math.cos(Math.PI * 9 / 10)), within(1e-15));
        assertThat(Set.of(s.at(100))).containsExactly(s.at(14));
    }
}
