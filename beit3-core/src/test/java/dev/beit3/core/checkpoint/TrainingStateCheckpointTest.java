package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * {@code checkpoints/with_training_state.pth}: {'model', 'optimizer', 'epoch', 'scaler', 'args'}.
 * On the set under test the facts come from the encoder's checkpoint.json (the file holds the encoder's state
 * dict, fixtures README); the exact extras are checked on the project's own copy, whose values were read off the
 * pickle with {@code pickletools.dis}.
 */
class TrainingStateCheckpointTest {

    @Test
    void modelIsUnwrappedAndExtrasArePlainData() throws Exception {
        Optional<Path> file = Fixtures.trainingStateCheckpoint(Fixtures.root());
        Assumptions.assumeTrue(file.isPresent(), "no checkpoint with training state in this fixture set");
        Checkpoint c = Checkpoint.read(file.get());
        assertThat(c.stateDictLocation()).isEqualTo("model");
        // the model entry is the encoder's state dict: same keys and shapes as its checkpoint.json
        JsonArray keys = Fixtures.json(Fixtures.checkpointJson(Fixtures.root(), "encoder"))
                .getAsJsonArray("state_dict_keys");
        List<String> expected = new ArrayList<>();
        List<String> shapes = new ArrayList<>();
        for (JsonElement k : keys) {
            expected.add(k.getAsJsonArray().get(0).getAsString());
            List<Long> dims = new ArrayList<>();
            k.getAsJsonArray().get(1).getAsJsonArray().forEach(d -> dims.add(d.getAsLong()));
            shapes.add(dims.toString());
        }
        assertThat(c.tensors().keySet()).containsExactlyInAnyOrderElementsOf(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(Arrays.toString(c.tensors().get(expected.get(i)).shape())).as(expected.get(i))
                    .isEqualTo(shapes.get(i));
        }
        assertThat(c.extras().keySet()).containsExactly("optimizer", "epoch", "scaler", "args");
        assertThat(c.extras().get("epoch")).isInstanceOf(Long.class);
        assertThat(c.extras().get("args")).isInstanceOf(Map.class);
        assertThat(c.extras().get("scaler")).isInstanceOf(Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> opt = (Map<String, Object>) c.extras().get("optimizer");
        @SuppressWarnings("unchecked")
        Map<String, Object> state = (Map<String, Object>) opt.get("state");
        assertThat(state).isNotEmpty();
        for (Object s : state.values()) {
            // optimizer tensors are summarized, not loaded; the moments have the shape of a model parameter
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) s;
            assertThat(m.get("step")).isEqualTo("tensor float32[]");
            assertThat(shapes).contains(((String) m.get("exp_avg")).replace("tensor float32", ""));
            assertThat(m.get("exp_avg_sq")).isEqualTo(m.get("exp_avg"));
        }
    }

    @Test
    void extrasOfTheProjectsCopyAreReadExactly() throws Exception {
        Checkpoint c = Checkpoint.read(Fixtures.projectFixtures().resolve("checkpoints/with_training_state.pth"));
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
