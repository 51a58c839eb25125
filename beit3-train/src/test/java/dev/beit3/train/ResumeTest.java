package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import dev.beit3.core.checkpoint.Checkpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A run resumed from a checkpoint and its optimizer state continues bit-identically. */
class ResumeTest {

    private static Trainer.Config config() {
        return new Trainer.Config(new LrSchedule(1e-3, 1e-5, 0, 2, 4), AdamW.Config.defaults(), 0.05,
                ParameterGroups.LrScale.layerDecay(0.65, 2), ParameterGroups.BEIT3_NO_WEIGHT_DECAY, 1, 0, false, 42);
    }

    @Test
    void fourStepsEqualTwoPlusSavePlusResumePlusTwo(@TempDir Path tmp) throws Exception {
        TrainingCase c = TrainingCase.all().stream().filter(x -> x.name().equals("imageclassification")).findFirst()
                .orElseThrow();
        Map<String, float[]> straight;
        try (NDManager root = NDManager.newBaseManager(); TrainableModel m = c.model(root);
                Trainer t = new Trainer(m, c.task(), config())) {
            t.run(Collections.nCopies(4, c.batch(root)).iterator(), 4, null);
            straight = OptimizerParityTest.snapshot(m.parameters());
        }
        Path ckpt = tmp.resolve("half.pth");
        try (NDManager root = NDManager.newBaseManager(); TrainableModel m = c.model(root);
                Trainer t = new Trainer(m, c.task(), config())) {
            t.run(Collections.nCopies(2, c.batch(root)).iterator(), 2, null);
            t.save(ckpt);
            t.saveState(ckpt);
        }
        assertThat(Files.isRegularFile(Trainer.optimizerStateFile(ckpt))).isTrue();
        try (NDManager root = NDManager.newBaseManager();
                TrainableModel m = TrainableModel.load(Checkpoint.read(ckpt),
                        new TrainableModel.Spec(c.heads(), c.task().headId(), Map.of()), root, TrainingCase.REGISTRY);
                Trainer t = new Trainer(m, c.task(), config())) {
            t.resume(ckpt);
            assertThat(t.globalStep()).isEqualTo(2);
            t.run(Collections.nCopies(2, c.batch(root)).iterator(), 2, null);
            Map<String, float[]> resumed = OptimizerParityTest.snapshot(m.parameters());
            int changed = 0;
            for (String k : straight.keySet()) {
                assertThat(resumed.get(k)).as(k).containsExactly(straight.get(k));
            }
            for (String k : m.parameters().names()) {
                changed += t.optimizer().steps(k) == 4 ? 1 : 0;
            }
            System.out.printf("training resume: %d parameters bit-identical after 2 + resume + 2 steps (%d with Adam"
                    + " step 4)%n", straight.size(), changed);
            assertThat(changed).isPositive();
        }
    }

    @Test
    void resumeWithoutStateFileFailsClearly(@TempDir Path tmp) throws Exception {
        TrainingCase c = TrainingCase.all().stream().filter(x -> x.name().equals("imageclassification")).findFirst()
                .orElseThrow();
        try (NDManager root = NDManager.newBaseManager(); TrainableModel m = c.model(root);
                Trainer t = new Trainer(m, c.task(), config())) {
            Path none = tmp.resolve("none.pth");
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> t.resume(none))
                    .isInstanceOf(java.nio.file.NoSuchFileException.class).hasMessageContaining("optim.safetensors");
        }
    }
}
