package dev.beit3.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.core.io.Npy;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.model.Beit3;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The exported graphs, run in ONNX Runtime, reproduce the reference fixtures ({@code -Dbeit3.fixtures}) of every
 * case of every exported head within the case's tolerance: the retrieval towers' embeddings and the classifier's
 * logits. The int8 variants are measured against fp32 (cosine) on the same inputs.
 */
class OnnxParityTest {
    @TempDir
    static Path out;

    @TestFactory
    Stream<DynamicTest> exportedGraphsMatchTheReferenceInOnnxRuntime() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String head : OnnxExport.HEADS) {
            Path dir = Fixtures.root().resolve("models").resolve(head);
            if (!Files.isDirectory(dir)) {
                continue;
            }
            try (Stream<Path> s = Files.list(dir)) {
                s.filter(p -> Files.isRegularFile(p.resolve("manifest.json"))).sorted()
                        .forEach(c -> tests.add(DynamicTest.dynamicTest(head + "/" + c.getFileName(), () -> run(head, c))));
            }
        }
        assertThat(tests).as("cases of the exported heads under %s", Fixtures.root()).isNotEmpty();
        return tests.stream();
    }

    private static Npy.Array array(Path caseDir, JsonObject manifest, String name) {
        for (String section : new String[] {"inputs", "outputs"}) {
            for (JsonElement e : manifest.getAsJsonArray(section)) {
                JsonObject o = e.getAsJsonObject();
                if (o.get("name").getAsString().equals(name)) {
                    return Fixtures.npy(caseDir.resolve(o.get("file").getAsString()));
                }
            }
        }
        throw new IllegalArgumentException(caseDir + " has no array " + name);
    }

    static long[][] rows(Npy.Array a) {
        long[] flat = a.longs();
        int b = (int) a.shape()[0];
        int t = (int) a.shape()[1];
        long[][] r = new long[b][t];
        for (int i = 0; i < b; i++) {
            System.arraycopy(flat, i * t, r[i], 0, t);
        }
        return r;
    }

    static float[] flat(float[][] rows) {
        int w = rows[0].length;
        float[] f = new float[rows.length * w];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, f, i * w, w);
        }
        return f;
    }

    /** The smallest cosine similarity between corresponding rows. */
    static double minCosine(float[][] a, float[][] b) {
        double min = 1;
        for (int i = 0; i < a.length; i++) {
            double dot = 0;
            double na = 0;
            double nb = 0;
            for (int j = 0; j < a[i].length; j++) {
                dot += (double) a[i][j] * b[i][j];
                na += (double) a[i][j] * a[i][j];
                nb += (double) b[i][j] * b[i][j];
            }
            min = Math.min(min, dot / Math.sqrt(na * nb));
        }
        return min;
    }

    private void run(String head, Path caseDir) throws Exception {
        JsonObject m = Fixtures.json(caseDir.resolve("manifest.json"));
        JsonObject cfg = m.getAsJsonObject("config");
        JsonObject tol = m.getAsJsonObject("tolerance");
        double atol = tol == null ? 1e-4 : tol.get("atol").getAsDouble();
        double rtol = tol == null ? 1e-4 : tol.get("rtol").getAsDouble();
        Path checkpoint = caseDir.resolve(m.get("checkpoint").getAsString()).normalize();
        String name = head + "/" + caseDir.getFileName();
        Path dir = out.resolve(head + "_" + caseDir.getFileName());
        List<OnnxExport.Exported> files;
        try (Beit3 model = Beit3.builder().checkpoint(checkpoint).head(head)
                .attentionHeads(cfg.get("encoder_attention_heads").getAsInt()).imageSize(cfg.get("img_size").getAsInt())
                .build()) {
            files = OnnxExport.export(model, dir, OnnxExport.Options.DEFAULT.withInt8(true));
        }
        assertThat(files).allSatisfy(f -> assertThat(f.file()).isRegularFile());
        List<String[]> checks = new ArrayList<>();
        if (head.equals("retrieval")) {
            checks.add(new String[] {"retrieval_image", "image", "vision_cls"});
            checks.add(new String[] {"retrieval_text", "text_description", "language_cls"});
        } else if (head.equals("imageclassification")) {
            checks.add(new String[] {"imageclassification", "image", "logits"});
        } else if (head.equals("vqa")) {
            checks.add(new String[] {"vqa", "image+question", "logits"});
        } else {
            checks.add(new String[] {"nlvr2", "image_a+image_b+text_description", "logits"});
        }
        for (String[] c : checks) {
            float[][] fp32 = runGraph(dir.resolve(c[0] + ".onnx"), caseDir, m, c[1]);
            float[] expected = array(caseDir, m, c[2]).floats();
            Fixtures.Closeness cl = Fixtures.compare(flat(fp32), expected, atol, rtol);
            System.out.printf(Locale.ROOT, "onnx parity %-28s %-14s fp32 max|diff| %.3e%n", name, c[2], cl.maxAbsDiff());
            assertThat(cl.withinTolerance()).as("%s %s through ONNX Runtime within atol %s rtol %s (max diff %s)", name,
                    c[2], atol, rtol, cl.maxAbsDiff()).isTrue();
            float[][] int8 = runGraph(dir.resolve(c[0] + ".int8.onnx"), caseDir, m, c[1]);
            double cos = minCosine(int8, fp32);
            System.out.printf(Locale.ROOT, "onnx parity %-28s %-14s int8 max|diff| %.3e, min cosine to fp32 %.5f%n",
                    name, c[2], Fixtures.compare(flat(int8), expected, atol, rtol).maxAbsDiff(), cos);
            assertThat(cos).as("%s int8 vs fp32 cosine", name).isGreaterThanOrEqualTo(0.99);
        }
    }

    private static float[][] runGraph(Path file, Path caseDir, JsonObject m, String input) throws Exception {
        try (OnnxModel g = OnnxModel.open(file, 1)) {
            if (input.contains("+")) {
                String[] n = input.split("\\+");
                Npy.Array img = array(caseDir, m, n[0]);
                float[] second = n.length == 3 ? array(caseDir, m, n[1]).floats() : null;
                return g.runImageText(img.floats(), second, rows(array(caseDir, m, n[n.length - 1])),
                        rows(array(caseDir, m, "padding_mask")));
            }
            if (input.equals("text_description")) {
                return g.runTexts(rows(array(caseDir, m, input)), rows(array(caseDir, m, "padding_mask")));
            }
            Npy.Array img = array(caseDir, m, input);
            return g.runImages(img.floats(), (int) img.shape()[0]);
        }
    }
}
