package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code checkpoints/with_training_state.pth}: {'model', 'optimizer', 'epoch', 'scaler', 'args'}.
 * Expected values read off the pickle with {@code pickletools.dis}.
 */
class TrainingStateCheckpointTest {

    @Test
    void modelIsUnwrappedAndExtrasArePlainData() throws Exception {
        Path f = Fixtures.root().resolve("checkpoints/with_training_state.pth");
        Assumptions.assumeTrue(Files.isRegularFile(f), "no with_training_state.pth in this fixture set");
        Checkpoint c = Checkpoint.read(f);
        assertThat(c.stateDictLocation()).isEqualTo("model");
        assertThat(c.tensors()).containsKey("beit3.text_embed.weight");
        assertThat(c.tensors().get("beit3.text_embed.weight").shape()).containsExactly(1000, 64);
        assertThat(c.extras().keySet()).containsExactly("optimizer", "epoch", "scaler", "args");

        assertThat(c.extras().get("epoch")).isEqualTo(9L);

        @SuppressWarnings("unchecked")
        Map<String, Object> args = (Map<String, Object>) c.extras().get("args");
        assertThat(args).containsEntry("model", "beit3_base_patch16_224")
                .containsEntry("input_size", 224L)
                .containsEntry("lr", 0.001)
                .containsEntry("task", "imagenet")
                .containsEntry("drop_path", 0.1);

        @SuppressWarnings("unchecked")
        Map<String, Object> scaler = (Map<String, Object>) c.extras().get("scaler");
        assertThat(scaler).containsEntry("scale", 65536.0).containsEntry("growth_interval", 2000L);

        @SuppressWarnings("unchecked")
        Map<String, Object> opt = (Map<String, Object>) c.extras().get("optimizer");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> groups = (List<Map<String, Object>>) opt.get("param_groups");
        assertThat(groups).hasSize(1);
        assertThat(groups.get(0)).containsEntry("weight_decay", 0.01).containsEntry("amsgrad", false)
                .containsEntry("foreach", null).containsEntry("betas", List.of(0.9, 0.999))
                .containsEntry("params", List.of(0L, 1L, 2L));
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) opt.get("state");
        assertThat(state).containsKeys("0", "1", "2");
        @SuppressWarnings("unchecked")
        Map<String, Object> s0 = (Map<String, Object>) state.get("0");
        // optimizer tensors are summarized, not loaded
        assertThat(s0.get("step")).isEqualTo("tensor float32[]");
        assertThat(s0.get("exp_avg")).isEqualTo("tensor float32[1000, 64]");
    }
}
