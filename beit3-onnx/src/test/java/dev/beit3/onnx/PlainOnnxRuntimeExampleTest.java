package dev.beit3.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtEnvironment;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's example ({@code examples/PlainOnnxRuntime.java}) runs in a separate JVM with only the ONNX Runtime jar
 * on the class path and prints the reference's similarity of the first demo query and the first gallery image.
 */
class PlainOnnxRuntimeExampleTest {
    @TempDir
    Path dir;

    @Test
    void theExampleRunsWithoutThisLibraryAndGivesTheReferenceScore() throws Exception {
        Path demo = Fixtures.demo();
        try (Beit3 m = ModelPackage.open(demo).builder("retrieval").build()) {
            OnnxExport.export(m, dir, OnnxExport.Options.DEFAULT);
        }
        JsonObject r = Fixtures.json(demo.resolve("reference_predictions.json")).getAsJsonObject("retrieval");
        JsonObject q = r.getAsJsonArray("queries").get(0).getAsJsonObject();
        StringBuilder ids = new StringBuilder();
        JsonArray idArr = q.getAsJsonArray("input_ids");
        JsonArray pad = q.getAsJsonArray("padding_mask");
        for (int i = 0; i < idArr.size(); i++) {
            if (pad.get(i).getAsInt() == 0) {
                ids.append(ids.length() == 0 ? "" : " ").append(idArr.get(i).getAsLong());
            }
        }
        String image = demo.resolve("samples").resolve(r.getAsJsonArray("gallery").get(0).getAsString()).toString();
        double expected = r.getAsJsonArray("scores").get(0).getAsJsonArray().get(0).getAsDouble();

        Path ortJar = Path.of(OrtEnvironment.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path example = Path.of("examples/PlainOnnxRuntime.java").toAbsolutePath();
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-cp", ortJar.toString(), example.toString(),
                dir.toString(), image, ids.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("example finished").isTrue();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.out.print(out);
        assertThat(p.exitValue()).as(out).isZero();
        String line = out.lines().filter(l -> l.startsWith("cosine ")).findFirst().orElseThrow();
        double cos = Double.parseDouble(line.substring("cosine ".length()).trim());
        System.out.printf("plain onnxruntime example: cosine %.6f, reference %.6f%n", cos, expected);
        assertThat(Math.abs(cos - expected)).isLessThan(1e-4);
        assertThat(Files.isRegularFile(example)).isTrue();
    }
}
