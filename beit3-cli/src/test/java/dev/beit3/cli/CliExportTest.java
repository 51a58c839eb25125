package dev.beit3.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.core.testing.Fixtures;
import dev.beit3.onnx.OnnxModel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code beit3 export --onnx}: demo models and fixture checkpoints, and the refusals. */
class CliExportTest {
    @TempDir
    Path dir;

    /** The first case of a fixture model (any fixture set laid out like the public one). */
    static Path firstCase(String model) throws java.io.IOException {
        try (var s = java.nio.file.Files.list(Fixtures.root().resolve("models").resolve(model))) {
            return s.filter(p -> java.nio.file.Files.isRegularFile(p.resolve("manifest.json"))).sorted().findFirst()
                    .orElseThrow();
        }
    }

    static Path checkpointOf(Path caseDir) {
        return caseDir.resolve(Fixtures.json(caseDir.resolve("manifest.json")).get("checkpoint").getAsString()).normalize();
    }

    static String headsOf(Path caseDir) {
        return Fixtures.json(caseDir.resolve("manifest.json")).getAsJsonObject("config").get("encoder_attention_heads")
                .getAsString();
    }

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
    void exportsBothTowersOfARetrievalCheckpointInt8Too() throws Exception {
        Path caseDir = firstCase("retrieval");
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("export", "--onnx", "--int8", "--checkpoint",
                checkpointOf(caseDir).toString(), "--heads", headsOf(caseDir), "-o", dir.toString());
        assertThat(r.code()).as(r.err()).isZero();
        for (String f : new String[] {"retrieval_image.onnx", "retrieval_text.onnx", "retrieval_image.int8.onnx",
            "retrieval_text.int8.onnx"}) {
            assertThat(dir.resolve(f)).isRegularFile();
            assertThat(r.out()).contains(f);
        }
    }

    @Test
    void refusesAHeadThatIsNotExportedNamingTheExportableOnes() throws Exception {
        Path caseDir = firstCase("captioning");
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("export", "--onnx", "--checkpoint",
                checkpointOf(caseDir).toString(), "--heads", headsOf(caseDir), "-o", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("captioning").contains("retrieval").contains("imageclassification")
                .contains("vqa");
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

    @Test
    void embedWithTheOnnxEngineGivesTheSameVectorsAsOurEngine() {
        String models = Fixtures.demo().toString();
        CliCheckpointCommandsTest.Run ex = CliCheckpointCommandsTest.run("export", "--onnx", "--task", "retrieval",
                "-o", dir.toString(), "--models", models);
        assertThat(ex.code()).as(ex.err()).isZero();
        String image = Fixtures.projectDemo().resolve("samples/images/sample_03.png").toString();
        String[][] runs = {
            {"--images", image}, {"--texts", "a small yellow circle at the top", "two squares"}};
        for (String[] what : runs) {
            String onnx = dir.resolve(what[0].equals("--images") ? "retrieval_image.onnx" : "retrieval_text.onnx").toString();
            java.util.List<String> a = new java.util.ArrayList<>(java.util.List.of("embed", "--models", models));
            a.addAll(java.util.List.of(what));
            CliCheckpointCommandsTest.Run ours = CliCheckpointCommandsTest.run(a.toArray(String[]::new));
            a.addAll(java.util.List.of("--engine", "onnx", "--onnx", onnx));
            CliCheckpointCommandsTest.Run ort = CliCheckpointCommandsTest.run(a.toArray(String[]::new));
            assertThat(ours.code()).as(ours.err()).isZero();
            assertThat(ort.code()).as(ort.err()).isZero();
            String[] l1 = ours.out().strip().split("\n");
            String[] l2 = ort.out().strip().split("\n");
            assertThat(l2).hasSameSizeAs(l1).hasSize(what.length - 1);
            double max = 0;
            for (int i = 0; i < l1.length; i++) {
                var e1 = com.google.gson.JsonParser.parseString(l1[i]).getAsJsonObject().getAsJsonArray("embedding");
                var e2 = com.google.gson.JsonParser.parseString(l2[i]).getAsJsonObject().getAsJsonArray("embedding");
                assertThat(e2.size()).isEqualTo(e1.size());
                for (int j = 0; j < e1.size(); j++) {
                    max = Math.max(max, Math.abs(e1.get(j).getAsDouble() - e2.get(j).getAsDouble()));
                }
            }
            System.out.printf("embed --engine onnx %s: max|diff| to --engine djl %.3e%n", what[0], max);
            assertThat(max).isLessThan(1e-4);
        }
        CliCheckpointCommandsTest.Run wrong = CliCheckpointCommandsTest.run("embed", "--models", models, "--texts", "x",
                "--engine", "onnx", "--onnx", dir.resolve("retrieval_image.onnx").toString());
        assertThat(wrong.code()).isEqualTo(2);
        assertThat(wrong.err()).contains("text_tower");
    }
}
