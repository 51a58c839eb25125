package dev.beit3.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.api.RgbImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The public facade reproduces the reference predictions of the embedded demo models on their sample
 * set ({@code -Dbeit3.demo=DIR}: models, tokenizer and labels; {@code samples/} and
 * {@code reference_predictions.json} of the same directory). Floats within 1e-4 + 1e-4·|b|; discrete
 * results where the reference margin allows.
 */
class DemoParityTest {
    private static Path demo;
    private static JsonObject reference;
    private static ModelPackage pkg;

    @BeforeAll
    static void load() {
        demo = Fixtures.demo();
        reference = Fixtures.json(demo.resolve("reference_predictions.json"));
        pkg = ModelPackage.open(demo);
    }

    private static RgbImage image(Beit3 m, String rel) {
        return m.readImage(demo.resolve("samples").resolve(rel));
    }

    private static float[] floats(JsonArray a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }

    private static double check(String what, float[] actual, float[] expected) {
        Fixtures.Closeness c = Fixtures.compare(actual, expected, 1e-4, 1e-4);
        assertThat(c.withinTolerance()).as("%s (max diff %s)", what, c.maxAbsDiff()).isTrue();
        return c.maxAbsDiff();
    }

    @Test
    void classificationMatchesReferenceLogitsAndLabels() {
        JsonArray preds = reference.getAsJsonObject("imageclassification").getAsJsonArray("predictions");
        try (Beit3 m = pkg.builder("imageclassification").build()) {
            double max = 0;
            int labelsChecked = 0;
            for (JsonElement e : preds) {
                JsonObject p = e.getAsJsonObject();
                Classification c = m.classify(List.of(image(m, p.get("image").getAsString())), 3).get(0);
                max = Math.max(max, check(p.get("image").getAsString(), c.logits(), floats(p.getAsJsonArray("logits"))));
                if (p.get("top1_top2_logit_margin").getAsDouble() > 1e-3) {
                    assertThat(c.best().label()).isEqualTo(p.get("label").getAsString());
                    labelsChecked++;
                }
            }
            System.out.printf(Locale.ROOT, "demo imageclassification %d images, %d labels equal, max|diff| %.3e%n",
                    preds.size(), labelsChecked, max);
            assertThat(labelsChecked).isPositive();
        }
    }

    @Test
    void vqaMatchesReferenceLogitsAndAnswers() {
        JsonArray preds = reference.getAsJsonObject("vqa").getAsJsonArray("predictions");
        try (Beit3 m = pkg.builder("vqa").build()) {
            double max = 0;
            int answers = 0;
            for (JsonElement e : preds) {
                JsonObject p = e.getAsJsonObject();
                Answer a = m.answer(List.of(image(m, p.get("image").getAsString())),
                        List.of(p.get("question").getAsString()), 3).get(0);
                max = Math.max(max, check(p.get("question").getAsString(), a.logits(), floats(p.getAsJsonArray("logits"))));
                if (p.get("top1_top2_logit_margin").getAsDouble() > 1e-3) {
                    assertThat(a.answer()).isEqualTo(p.get("answer").getAsString());
                    answers++;
                }
            }
            System.out.printf(Locale.ROOT, "demo vqa %d questions, %d answers equal, max|diff| %.3e%n", preds.size(),
                    answers, max);
        }
    }

    @Test
    void retrievalMatchesReferenceEmbeddingsAndScores() {
        JsonObject r = reference.getAsJsonObject("retrieval");
        try (Beit3 m = pkg.builder("retrieval").build()) {
            List<RgbImage> images = new ArrayList<>();
            r.getAsJsonArray("gallery").forEach(g -> images.add(image(m, g.getAsString())));
            List<String> texts = new ArrayList<>();
            r.getAsJsonArray("queries").forEach(q -> texts.add(q.getAsJsonObject().get("text").getAsString()));
            float[][] ie = m.embedImages(images);
            float[][] te = m.embedTexts(texts);
            double max = 0;
            for (int i = 0; i < ie.length; i++) {
                max = Math.max(max, check("image embedding " + i, ie[i],
                        floats(r.getAsJsonArray("image_embeddings").get(i).getAsJsonArray())));
            }
            for (int j = 0; j < te.length; j++) {
                max = Math.max(max, check("text embedding " + j, te[j],
                        floats(r.getAsJsonArray("text_embeddings").get(j).getAsJsonArray())));
            }
            float[][] s = Beit3.similarity(ie, te);
            for (int i = 0; i < s.length; i++) {
                max = Math.max(max, check("scores row " + i, s[i], floats(r.getAsJsonArray("scores").get(i).getAsJsonArray())));
            }
            // rankings: every adjacent pair whose reference gap exceeds float noise keeps its order
            List<String> gallery = new ArrayList<>();
            r.getAsJsonArray("gallery").forEach(g -> gallery.add(g.getAsString()));
            int orderChecks = 0;
            for (int j = 0; j < texts.size(); j++) {
                JsonArray ranking = r.getAsJsonArray("text_to_image").get(j).getAsJsonObject().getAsJsonArray("ranking");
                for (int k = 0; k + 1 < ranking.size(); k++) {
                    JsonObject a = ranking.get(k).getAsJsonObject();
                    JsonObject b = ranking.get(k + 1).getAsJsonObject();
                    if (a.get("gap_to_next").getAsDouble() > 1e-5) {
                        int ia = gallery.indexOf(a.get("image").getAsString());
                        int ib = gallery.indexOf(b.get("image").getAsString());
                        assertThat(s[ia][j]).as("query %d: %s above %s", j, a.get("image"), b.get("image"))
                                .isGreaterThan(s[ib][j]);
                        orderChecks++;
                    }
                }
            }
            for (int i = 0; i < images.size(); i++) {
                JsonArray ranking = r.getAsJsonArray("image_to_text").get(i).getAsJsonObject().getAsJsonArray("ranking");
                for (int k = 0; k + 1 < ranking.size(); k++) {
                    JsonObject a = ranking.get(k).getAsJsonObject();
                    JsonObject b = ranking.get(k + 1).getAsJsonObject();
                    if (a.get("gap_to_next").getAsDouble() > 1e-5) {
                        int ta = texts.indexOf(a.get("text").getAsString());
                        int tb = texts.indexOf(b.get("text").getAsString());
                        assertThat(s[i][ta]).as("image %d: %s above %s", i, a.get("text"), b.get("text"))
                                .isGreaterThan(s[i][tb]);
                        orderChecks++;
                    }
                }
            }
            assertThat(orderChecks).isPositive();
            System.out.printf(Locale.ROOT, "demo retrieval %d images x %d texts, max|diff| %.3e, %d ranking orders"
                    + " equal%n", ie.length, te.length, max, orderChecks);
        }
    }

    @Test
    void captionsMatchReferenceIdsAndTextWithThreeBeamsAndGreedy() {
        JsonArray preds = reference.getAsJsonObject("captioning").getAsJsonArray("predictions");
        int slots = reference.getAsJsonObject("captioning").get("num_max_bpe_tokens").getAsInt();
        try (Beit3 m = pkg.builder("captioning").maxTextLength(slots).build()) {
            int n = 0;
            for (JsonElement e : preds) {
                JsonObject p = e.getAsJsonObject();
                RgbImage img = image(m, p.get("image").getAsString());
                var three = m.decoding();
                Caption c3 = m.caption(List.of(img), three).get(0);
                Caption c1 = m.caption(List.of(img), new dev.beit3.api.CaptioningHead.Decoding(1, three.maxLength(),
                        three.lengthPenalty(), three.maskId(), 0, 1, 2)).get(0);
                assertThat(c3.ids()).containsExactly(longs(p.getAsJsonArray("decoded_ids")));
                assertThat(c3.text()).isEqualTo(p.get("caption").getAsString());
                assertThat(c1.ids()).containsExactly(longs(p.getAsJsonArray("decoded_ids_beam1")));
                assertThat(c1.text()).isEqualTo(p.get("caption_beam1").getAsString());
                n++;
            }
            System.out.printf(Locale.ROOT, "demo captioning %d images, beam 3 and beam 1 ids and text equal%n", n);
        }
    }

    @Test
    void lowMemoryModeKeepsTheAnswersAndStaysCloseToFloat32() {
        JsonObject r = reference.getAsJsonObject("retrieval");
        try (Beit3 full = pkg.builder("retrieval").build(); Beit3 low = pkg.builder("retrieval").lowMemory(true).build()) {
            List<RgbImage> images = new ArrayList<>();
            r.getAsJsonArray("gallery").forEach(g -> images.add(image(full, g.getAsString())));
            float[][] a = full.embedImages(images);
            float[][] b = low.embedImages(images);
            double max = 0;
            for (int i = 0; i < a.length; i++) {
                Fixtures.Closeness c = Fixtures.compare(b[i], a[i], 1e-2, 0);
                assertThat(c.withinTolerance()).as("image %d (max diff %s)", i, c.maxAbsDiff()).isTrue();
                max = Math.max(max, c.maxAbsDiff());
            }
            assertThat(low.provenance().notes()).anyMatch(n -> n.contains("low-memory"));
            System.out.printf(Locale.ROOT, "demo retrieval low-memory (float16 matrices) vs float32: max|diff| %.3e%n", max);
        }
        JsonArray preds = reference.getAsJsonObject("vqa").getAsJsonArray("predictions");
        try (Beit3 m = pkg.builder("vqa").lowMemory(true).build()) {
            for (JsonElement e : preds) {
                JsonObject p = e.getAsJsonObject();
                if (p.get("top1_top2_logit_margin").getAsDouble() > 0.5) {
                    Answer ans = m.answer(List.of(image(m, p.get("image").getAsString())),
                            List.of(p.get("question").getAsString()), 1).get(0);
                    assertThat(ans.answer()).isEqualTo(p.get("answer").getAsString());
                }
            }
        }
    }

    private static long[] longs(JsonArray a) {
        long[] l = new long[a.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = a.get(i).getAsLong();
        }
        return l;
    }
}
