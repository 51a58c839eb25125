package dev.beit3.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.onnx.OnnxModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code beit3 export --onnx}: demo models and fixture checkpoints, and the refusals. */
class CliExportTest {
    @TempDir
    Path dir;

    @Test
    void exportsTheDemoClassifierWithItsMetadata() throws Exception {
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("export", "--onnx", "--task",
                "imageclassification", "--output", dir.toString(), "--models", Fixtures.demo().toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("imageclassification.onnx: fp32 classification graph");
        try (OnnxModel m = OnnxModel.open(dir.resolve("imageclassification.onnx"), 1)) {
            assertThat(m.graph()).isEqualTo("classification");
            assertThat(m.metadata()).containsEntry("beit3.image_mean", "0.485,0.456,0.406")
                    .containsKey("beit3.labels");
        }
    }

    @Test
    void exportsBothTowersOfARetrievalCheckpointInt8Too() {
        Path c = Fixtures.root().resolve("models/retrieval/retrieval.pth");
        JsonObject cfg = Fixtures.json(Fixtures.root().resolve("models/retrieval/base/manifest.json"))
                .getAsJsonObject("config");
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("export", "--onnx", "--int8", "--checkpoint",
                c.toString(), "--heads", cfg.get("encoder_attention_heads").getAsString(), "-o", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        for (String f : new String[] {"retrieval_image.onnx", "retrieval_text.onnx", "retrieval_image.int8.onnx",
            "retrieval_text.int8.onnx"}) {
            assertThat(dir.resolve(f)).isRegularFile();
            assertThat(r.out()).contains(f);
        }
    }

    @Test
    void refusesAHeadThatIsNotExportedNamingTheExportableOnes() {
        Path c = Fixtures.root().resolve("models/vqa/vqa.pth");
        JsonObject cfg = Fixtures.json(Fixtures.root().resolve("models/vqa/base/manifest.json")).getAsJsonObject("config");
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("export", "--onnx", "--checkpoint", c.toString(),
                "--heads", cfg.get("encoder_attention_heads").getAsString(), "-o", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("vqa").contains("retrieval").contains("imageclassification");
    }

    @Test
    void weightsAboveTheThresholdGoToAnExternalDataFileThatOnnxRuntimeReads() throws Exception {
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("export", "--onnx", "--task",
                "imageclassification", "--output", dir.toString(), "--models", Fixtures.demo().toString(),
                "--external-data-above", "0");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("weights in imageclassification.onnx.data");
        assertThat(dir.resolve("imageclassification.onnx.data")).isRegularFile();
        try (OnnxModel m = OnnxModel.open(dir.resolve("imageclassification.onnx"), 1)) {
            assertThat(m.runImages(new float[3 * 64 * 64], 1)[0]).hasSize(18);
        }
    }
}
