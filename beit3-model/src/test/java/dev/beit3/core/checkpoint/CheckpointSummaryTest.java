package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The detected family, head and sizes of every fixture model, against its checkpoint.json config. Here, not in
 * beit3-core, because the head comes from the head providers' signature keys, which need the heads on the class
 * path.
 */
class CheckpointSummaryTest {

    static Stream<Path> checkpoints() {
        return CheckpointFiles.all().stream().filter(p -> Files.isRegularFile(CheckpointFiles.manifest(p)));
    }

    /** The head a model class of modeling_finetune.py / modeling_utils.py carries. */
    static String expectedBeit3Head(String modelClass) {
        if (modelClass.contains("ImageClassification")) {
            return "imageclassification";
        }
        if (modelClass.contains("VisualQuestionAnswering")) {
            return "vqa";
        }
        if (modelClass.contains("VisualReasoning")) {
            return "nlvr2";
        }
        if (modelClass.contains("Captioning")) {
            return "captioning";
        }
        if (modelClass.contains("Retrieval")) {
            return "retrieval";
        }
        if (modelClass.contains("MaskedDataModeling")) {
            return "pretrained";
        }
        if (modelClass.endsWith("BEiT3Wrapper")) {
            return "none";
        }
        throw new AssertionError("unknown model class " + modelClass);
    }

    /** VLMo heads follow the training objectives in config.loss_names. */
    static String expectedVlmoHead(JsonObject lossNames) {
        if (lossNames.get("vqa").getAsInt() > 0) {
            return "vqa";
        }
        if (lossNames.get("nlvr2").getAsInt() > 0) {
            return "nlvr2";
        }
        if (lossNames.get("mlm").getAsInt() > 0) {
            return "pretrained";
        }
        return "retrieval";
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("checkpoints")
    void summaryMatchesConfig(Path file) throws Exception {
        JsonObject m = Fixtures.json(CheckpointFiles.manifest(file));
        JsonObject cfg = m.getAsJsonObject("config");
        String modelClass = m.get("model_class").getAsString();
        Checkpoint c = Checkpoint.read(file);
        CheckpointSummary s = CheckpointSummary.of(c, dev.beit3.core.plugin.ProviderRegistry.discover());
        assertThat(s.tensorCount()).isEqualTo(m.get("num_tensors").getAsInt());
        assertThat(s.parameterCount()).isEqualTo(c.parameterCount());
        if (modelClass.startsWith("vlmo.")) {
            assertThat(s.family()).isEqualTo(CheckpointSummary.Family.VLMO);
            assertThat(s.dim()).isEqualTo(cfg.get("embed_dim").getAsInt());
            assertThat(s.layers()).isEqualTo(cfg.get("depth").getAsInt());
            assertThat(s.ffnDim()).isEqualTo(cfg.get("mlp_hidden_dim").getAsInt());
            assertThat(s.patchSize()).isEqualTo(cfg.get("patch_size").getAsInt());
            assertThat(s.imageSize()).isEqualTo(cfg.get("image_size").getAsInt());
            assertThat(s.vocabSize()).isEqualTo(cfg.get("vocab_size").getAsInt());
            assertThat(s.vlExpertStartLayer()).isEqualTo(cfg.get("vlffn_start_layer_index").getAsInt());
            assertThat(s.finalLayerNorm()).isTrue();
            String head = expectedVlmoHead(cfg.getAsJsonObject("loss_names"));
            assertThat(s.head()).isEqualTo(head);
            if (head.equals("vqa")) {
                assertThat(s.numClasses()).isEqualTo(cfg.get("vqav2_label_size").getAsInt());
            }
            assertThat(s.describe()).startsWith("VLMo, dim " + s.dim() + ", " + s.layers() + " layers");
        } else {
            assertThat(s.family()).isEqualTo(CheckpointSummary.Family.BEIT3);
            assertThat(s.dim()).isEqualTo(cfg.get("encoder_embed_dim").getAsInt());
            assertThat(s.layers()).isEqualTo(cfg.get("encoder_layers").getAsInt());
            assertThat(s.ffnDim()).isEqualTo(cfg.get("encoder_ffn_embed_dim").getAsInt());
            assertThat(s.patchSize()).isEqualTo(cfg.get("patch_size").getAsInt());
            assertThat(s.imageSize()).isEqualTo(cfg.get("img_size").getAsInt());
            assertThat(s.vocabSize()).isEqualTo(cfg.get("vocab_size").getAsInt());
            assertThat(s.finalLayerNorm()).isEqualTo(cfg.get("normalize_output").getAsBoolean());
            String head = expectedBeit3Head(modelClass);
            assertThat(s.head()).isEqualTo(head);
            if (cfg.has("num_classes")) {
                assertThat(s.numClasses()).isEqualTo(cfg.get("num_classes").getAsInt());
            }
            String h = head.equals("none") ? "no task head" : head.equals("pretrained") ? "pre-training heads" : head + " head";
            assertThat(s.describe()).isEqualTo("BEiT-3, dim " + s.dim() + ", " + s.layers() + " layers, " + h);
        }
        System.out.printf("summary %s: %s%n", CheckpointFiles.baseName(file), s.describe());
    }
}
