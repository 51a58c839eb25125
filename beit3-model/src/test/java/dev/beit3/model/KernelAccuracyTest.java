package dev.beit3.model;

import static dev.beit3.core.testing.Vectors.cosine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.Precision;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.api.RgbImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * Reduced precision on the demo models against the same models in fp32 on the DJL reference backend: embedding
 * cosine ≥ 0.999 (bf16) / ≥ 0.99 (int8), and the same classes, captions, best retrieval matches and answers (except
 * near ties, whose reference logit margin is at most {@value #TIE_MARGIN}). Skipped
 * (with the reason) on a machine where oneDNN cannot compute the precision.
 */
class KernelAccuracyTest {
    private static final Path DEMO = Fixtures.demo();
    private static final ModelPackage PKG = ModelPackage.open(DEMO);
    /** Reference top-1/top-2 logit margins at or below this are near ties that reduced precision may swap. */
    private static final double TIE_MARGIN = 0.05;
    private static final JsonObject REFERENCE = Fixtures.json(DEMO.resolve("reference_predictions.json"));

    private static List<RgbImage> images(Beit3 m) {
        List<RgbImage> out = new ArrayList<>();
        REFERENCE.getAsJsonObject("retrieval").getAsJsonArray("gallery")
                .forEach(g -> out.add(m.readImage(DEMO.resolve("samples").resolve(g.getAsString()))));
        return out;
    }

    private static List<String> texts() {
        List<String> out = new ArrayList<>();
        REFERENCE.getAsJsonObject("retrieval").getAsJsonArray("queries")
                .forEach(q -> out.add(q.getAsJsonObject().get("text").getAsString()));
        return out;
    }

    private static void assumeAvailable(Precision p) {
        KernelProvider onednn = ProviderRegistry.discover().kernels().get("onednn");
        assumeTrue(onednn != null, "the kernels-onednn jar is not on the test class path");
        assumeTrue(onednn.unavailable(p).isEmpty(), () -> "onednn " + p.id() + ": " + onednn.unavailable(p).get());
    }

    private static Beit3 model(String task, String kernels, Precision p) {
        return PKG.builder(task).kernels(kernels).precision(p).build();
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "INT8"})
    void embeddingsStayCloseAndRankingsAreKept(Precision p) {
        assumeAvailable(p);
        double floor = p == Precision.BF16 ? 0.999 : 0.99;
        try (Beit3 ref = model("retrieval", "djl", Precision.FP32); Beit3 low = model("retrieval", "onednn", p)) {
            assertThat(low.provenance().kernels()).startsWith("onednn " + p.id());
            List<RgbImage> imgs = images(ref);
            float[][] ri = ref.embedImages(imgs);
            float[][] li = low.embedImages(imgs);
            float[][] rt = ref.embedTexts(texts());
            float[][] lt = low.embedTexts(texts());
            double worst = 1;
            for (int i = 0; i < ri.length; i++) {
                worst = Math.min(worst, cosine(ri[i], li[i]));
            }
            for (int j = 0; j < rt.length; j++) {
                worst = Math.min(worst, cosine(rt[j], lt[j]));
            }
            float[][] rs = Beit3.similarity(ri, rt);
            float[][] ls = Beit3.similarity(li, lt);
            int kept = 0;
            for (int j = 0; j < rt.length; j++) {
                assertThat(argmax(ls, j)).as("query %d: best image", j).isEqualTo(argmax(rs, j));
                kept++;
            }
            System.out.printf(Locale.ROOT, "demo retrieval onednn %s vs djl fp32: min embedding cosine %.6f,"
                    + " %d/%d best images equal%n", p.id(), worst, kept, rt.length);
            assertThat(worst).isGreaterThanOrEqualTo(floor);
        }
    }

    private static int argmax(float[][] s, int col) {
        int best = 0;
        for (int i = 1; i < s.length; i++) {
            if (s[i][col] > s[best][col]) {
                best = i;
            }
        }
        return best;
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"BF16", "INT8"})
    void classesAnswersAndCaptionsAreTheSame(Precision p) {
        assumeAvailable(p);
        int same = 0;
        try (Beit3 ref = model("imageclassification", "djl", Precision.FP32);
                Beit3 low = model("imageclassification", "onednn", p)) {
            List<Classification> a = ref.classify(images(ref), 1);
            List<Classification> b = low.classify(images(low), 1);
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).best().label()).as("image %d", i).isEqualTo(a.get(i).best().label());
                same++;
            }
        }
        var vqa = REFERENCE.getAsJsonObject("vqa").getAsJsonArray("predictions");
        int ties = 0;
        int tiesKept = 0;
        try (Beit3 ref = model("vqa", "djl", Precision.FP32); Beit3 low = model("vqa", "onednn", p)) {
            for (var e : vqa) {
                JsonObject q = e.getAsJsonObject();
                RgbImage img = ref.readImage(DEMO.resolve("samples").resolve(q.get("image").getAsString()));
                String question = q.get("question").getAsString();
                String ra = ref.answer(List.of(img), List.of(question), 1).get(0).answer();
                String la = low.answer(List.of(img), List.of(question), 1).get(0).answer();
                // the reference's own top-1/top-2 logit margin says which answers any rounding may swap
                if (q.get("top1_top2_logit_margin").getAsDouble() > TIE_MARGIN) {
                    assertThat(la).as(question).isEqualTo(ra);
                    same++;
                } else {
                    ties++;
                    tiesKept += la.equals(ra) ? 1 : 0;
                }
            }
        }
        int slots = REFERENCE.getAsJsonObject("captioning").get("num_max_bpe_tokens").getAsInt();
        try (Beit3 ref = PKG.builder("captioning").maxTextLength(slots).kernels("djl").build();
                Beit3 low = PKG.builder("captioning").maxTextLength(slots).kernels("onednn").precision(p).build()) {
            List<RgbImage> imgs = images(ref);
            List<Caption> a = ref.caption(imgs, ref.decoding());
            List<Caption> b = low.caption(imgs, low.decoding());
            for (int i = 0; i < a.size(); i++) {
                assertThat(b.get(i).text()).as("caption %d", i).isEqualTo(a.get(i).text());
                same++;
            }
        }
        System.out.printf(Locale.ROOT, "demo onednn %s vs djl fp32: %d classes, answers and captions equal; %d/%d"
                + " near-tie answers (reference margin ≤ %.2f) also equal%n", p.id(), same, tiesKept, ties, TIE_MARGIN);
    }

    @Test
    void reducedPrecisionOnTheReferenceBackendIsRefusedWithTheReason() {
        assertThatThrownBy(() -> model("imageclassification", "djl", Precision.BF16))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("fp32 only")
                .hasMessageContaining("onednn");
    }

    @Test
    void theChoiceIsRecordedInTheProvenance() {
        try (Beit3 m = model("imageclassification", "djl", Precision.FP32)) {
            assertThat(m.provenance().kernels()).startsWith("djl fp32");
            assertThat(m.provenance().toString()).contains("kernels    djl fp32");
        }
    }
}
