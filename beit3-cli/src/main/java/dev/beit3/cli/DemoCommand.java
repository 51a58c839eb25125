package dev.beit3.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.RgbImage;
import dev.beit3.api.CaptioningHead;
import dev.beit3.model.Answer;
import dev.beit3.model.Beit3;
import dev.beit3.model.Caption;
import dev.beit3.model.Classification;
import dev.beit3.model.ModelPackage;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code beit3 demo}: runs every embedded demo model on the demo samples and prints a short report
 * with the reference implementation's results next to ours, ending with a one-line agreement summary.
 * Exit code 0 when everything agrees with the reference, 1 otherwise.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run every demo task on the sample images and compare with the reference.",
            "Runs the embedded demo models (captioning, VQA, classification, retrieval) on the demo samples and",
            "prints each result next to the reference implementation's; exit code 0 when all agree."})
final class DemoCommand implements Callable<Integer> {
    /** Question types the demo VQA model answers well (they look a property up; see the demo README). */
    private static final Set<String> GOOD_QUESTIONS = Set.of("count", "color_of_shape", "shape_at_pos",
            "color_at_pos", "size_of", "where");
    /** Discrete results are compared only when the reference margin exceeds this (float rounding ties). */
    private static final double TIE = 1e-3;
    /** Ranking positions closer than this in the reference are ties. */
    private static final double RANK_TIE = 1e-5;

    @Spec
    CommandSpec spec;

    @Option(names = "--models", paramLabel = "DIR",
            description = "the demo models (default: <beit3.home>/models/demo or ./models/demo)")
    Path models;

    @Option(names = "--set", paramLabel = "DIR",
            description = "folder with samples/samples.json, samples/images and reference_predictions.json"
                    + " (default: the models folder)")
    Path set;

    @Option(names = "--all", description = "print every result, not a selection")
    boolean all;

    @Mixin
    CommonOptions common;

    private double maxDiff;
    private final List<String> disagreements = new ArrayList<>();

    DemoCommand() {}

    /** Agreement counts of one task. */
    private static final class Tally {
        int agree;
        int total;

        void add(boolean ok) {
            total++;
            if (ok) {
                agree++;
            }
        }

        boolean full() {
            return agree == total;
        }

        @Override
        public String toString() {
            return agree + "/" + total;
        }
    }

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return CliErrors.run(spec.commandLine().getErr(), () -> {
            common.apply(true);
            ModelPackage pkg = ModelOptions.openPackage(models);
            Path setDir = set != null ? set : pkg.directory();
            JsonObject ref = readJson(setDir.resolve("reference_predictions.json"));
            JsonObject samples = readJson(setDir.resolve("samples").resolve("samples.json"));
            Path sampleDir = setDir.resolve("samples");
            Map<String, JsonObject> questionInfo = new HashMap<>();
            for (JsonElement e : samples.getAsJsonArray("images")) {
                JsonObject im = e.getAsJsonObject();
                for (JsonElement q : im.getAsJsonArray("questions")) {
                    questionInfo.put(im.get("file").getAsString() + "\n" + q.getAsJsonObject().get("question")
                            .getAsString(), q.getAsJsonObject());
                }
            }
            boolean text = !common.json;
            if (text) {
                out.println("BEiT-3 demo: the embedded models of " + Inputs.display(pkg.directory()) + ", trained on a synthetic");
                out.println("\"shapes world\" (one or two coloured circles, squares or triangles on a light background;");
                out.println("see its README.md). Each result is shown next to the reference implementation's"
                        + " (PyTorch,");
                out.println("reference_predictions.json); \"=\" means ours is the same.");
            }
            Tally captions = captions(out, pkg, ref.getAsJsonObject("captioning"), sampleDir, text);
            Tally answers = answers(out, pkg, ref.getAsJsonObject("vqa"), sampleDir, questionInfo, text);
            Tally classes = classes(out, pkg, ref.getAsJsonObject("imageclassification"), sampleDir, samples, text);
            Tally rankings = rankings(out, pkg, ref.getAsJsonObject("retrieval"), sampleDir, text);
            boolean ok = captions.full() && answers.full() && classes.full() && rankings.full();
            String summary = String.format(Locale.ROOT, "demo: %s captions, %s answers, %s classes, %s retrieval"
                    + " rankings %s with the reference (largest score difference %.1e)", captions, answers, classes,
                    rankings, ok ? "agree" : "DO NOT ALL AGREE", maxDiff);
            if (common.json) {
                JsonObject o = new JsonObject();
                o.add("captions", tally(captions));
                o.add("answers", tally(answers));
                o.add("classes", tally(classes));
                o.add("retrieval_rankings", tally(rankings));
                o.addProperty("max_abs_diff", maxDiff);
                o.addProperty("agree", ok);
                JsonArray d = new JsonArray();
                disagreements.forEach(d::add);
                o.add("disagreements", d);
                out.println(Json.line(o));
            } else {
                out.println();
                for (String d : disagreements) {
                    out.println("differs: " + d);
                }
                out.println(summary);
            }
            out.flush();
            return ok ? CliErrors.OK : CliErrors.INTERNAL;
        });
    }

    private static JsonObject tally(Tally t) {
        JsonObject o = new JsonObject();
        o.addProperty("agree", t.agree);
        o.addProperty("total", t.total);
        return o;
    }

    // ------------------------------------------------------------------ tasks

    private Tally captions(PrintWriter out, ModelPackage pkg, JsonObject ref, Path samples, boolean text) {
        Tally t = new Tally();
        JsonArray preds = ref.getAsJsonArray("predictions");
        try (Beit3 m = pkg.builder("captioning").maxTextLength(ref.get("num_max_bpe_tokens").getAsInt()).build()) {
            CaptioningHead.Decoding d = m.decoding();
            CaptioningHead.Decoding decoding = new CaptioningHead.Decoding(ref.get("num_beams").getAsInt(),
                    ref.get("num_max_bpe_tokens").getAsInt(), ref.get("length_penalty").getAsDouble(), d.maskId(),
                    d.clsId(), d.padId(), d.eosId());
            List<String[]> rows = new ArrayList<>();
            for (JsonElement e : preds) {
                JsonObject p = e.getAsJsonObject();
                String image = p.get("image").getAsString();
                Caption c = m.caption(List.of(m.readImage(samples.resolve(image))), decoding).get(0);
                String expected = p.get("caption").getAsString();
                boolean ok = c.text().equals(expected) && Arrays.equals(c.ids(), longs(p.getAsJsonArray("decoded_ids")));
                t.add(ok);
                if (!ok) {
                    disagreements.add("caption of " + image + ": \"" + c.text() + "\", reference \"" + expected + "\"");
                }
                if (all || rows.size() < 12) {
                    rows.add(new String[] {name(image), c.text(), ok ? "=" : "reference: " + expected});
                }
            }
            if (text) {
                int w = rows.stream().mapToInt(r -> r[1].length()).max().orElse(0);
                out.printf("%nCaptions (beam search, %d beams)%n", decoding.beams());
                for (String[] r : rows) {
                    out.printf("  %-14s %-" + w + "s  %s%n", r[0], r[1], r[2]);
                }
            }
        }
        return t;
    }

    private Tally answers(PrintWriter out, ModelPackage pkg, JsonObject ref, Path samples,
            Map<String, JsonObject> questionInfo, boolean text) {
        Tally t = new Tally();
        JsonArray preds = ref.getAsJsonArray("predictions");
        List<String> lines = new ArrayList<>();
        Set<String> shownImages = new java.util.HashSet<>();
        try (Beit3 m = pkg.builder("vqa").build()) {
            for (JsonElement e : preds) {
                JsonObject p = e.getAsJsonObject();
                String image = p.get("image").getAsString();
                String question = p.get("question").getAsString();
                Answer a = m.answer(List.of(m.readImage(samples.resolve(image))), List.of(question), 3).get(0);
                String expected = p.get("answer").getAsString();
                boolean close = close(a.logits(), floats(p.getAsJsonArray("logits")));
                boolean ok = close && (a.answer().equals(expected)
                        || p.get("top1_top2_logit_margin").getAsDouble() <= TIE);
                t.add(ok);
                if (!ok) {
                    disagreements.add("answer to \"" + question + "\" on " + image + ": " + a.answer() + ", reference "
                            + expected + (close ? "" : " (logits differ)"));
                }
                JsonObject info = questionInfo.get(image + "\n" + question);
                boolean good = info == null || GOOD_QUESTIONS.contains(info.get("type").getAsString());
                if (all || (good && lines.size() < 8 && shownImages.add(image))) {
                    String truth = p.has("ground_truth") ? p.get("ground_truth").getAsString() : "?";
                    lines.add(String.format(Locale.ROOT, "  %-14s %-39s %-8s %-10s %s", name(image), question,
                            a.answer(), ok ? "=" : expected, truth));
                }
            }
        }
        if (text) {
            out.printf("%n%-56s%-9s%-11s%s%n", "Questions (VQA; " + (all ? "all" : lines.size() + " good ones") + " of "
                    + preds.size() + ")", "answer", "reference", "truth");
            lines.forEach(out::println);
        }
        return t;
    }

    private Tally classes(PrintWriter out, ModelPackage pkg, JsonObject ref, Path samples, JsonObject sampleSet,
            boolean text) {
        Map<String, Boolean> oneShape = new HashMap<>();
        for (JsonElement e : sampleSet.getAsJsonArray("images")) {
            JsonObject im = e.getAsJsonObject();
            oneShape.put(im.get("file").getAsString(), im.has("class_label") && !im.get("class_label").isJsonNull());
        }
        Tally t = new Tally();
        JsonArray preds = ref.getAsJsonArray("predictions");
        if (text) {
            out.printf("%nClasses (image classification, %d colour x shape classes; %s)%n",
                    pkg.labels("imageclassification").size(), all ? "all images" : "the one-shape images");
        }
        int shown = 0;
        try (Beit3 m = pkg.builder("imageclassification").build()) {
            for (JsonElement e : preds) {
                JsonObject p = e.getAsJsonObject();
                String image = p.get("image").getAsString();
                Classification c = m.classify(List.of(m.readImage(samples.resolve(image))), 3).get(0);
                String expected = p.get("label").getAsString();
                boolean close = close(c.logits(), floats(p.getAsJsonArray("logits")));
                boolean ok = close && (c.best().label().equals(expected)
                        || p.get("top1_top2_logit_margin").getAsDouble() <= TIE);
                t.add(ok);
                if (!ok) {
                    disagreements.add("class of " + image + ": " + c.best().label() + ", reference " + expected
                            + (close ? "" : " (logits differ)"));
                }
                double refP = p.getAsJsonArray("top3").get(0).getAsJsonObject().get("probability").getAsDouble();
                if (text && (all || (oneShape.getOrDefault(image, true) && shown++ < 8))) {
                    out.printf(Locale.ROOT, "  %-14s %-16s p=%.3f   %s%n", name(image), c.best().label(),
                            c.best().probability(), ok ? String.format(Locale.ROOT, "= (reference p=%.3f)", refP)
                            : "reference: " + expected);
                }
            }
        }
        return t;
    }

    private Tally rankings(PrintWriter out, ModelPackage pkg, JsonObject ref, Path samples, boolean text) {
        Tally t = new Tally();
        List<String> gallery = new ArrayList<>();
        ref.getAsJsonArray("gallery").forEach(g -> gallery.add(g.getAsString()));
        List<String> queries = new ArrayList<>();
        ref.getAsJsonArray("queries").forEach(q -> queries.add(q.getAsJsonObject().get("text").getAsString()));
        try (Beit3 m = pkg.builder("retrieval").build()) {
            List<RgbImage> images = new ArrayList<>();
            for (String g : gallery) {
                images.add(m.readImage(samples.resolve(g)));
            }
            float[][] ie = m.embedImages(images);
            float[][] te = m.embedTexts(queries);
            float[][] s = Beit3.similarity(ie, te);
            JsonArray refScores = ref.getAsJsonArray("scores");
            for (int i = 0; i < ie.length; i++) {
                close(ie[i], floats(ref.getAsJsonArray("image_embeddings").get(i).getAsJsonArray()));
            }
            int shown = queries.indexOf("a red circle") >= 0 ? queries.indexOf("a red circle") : 0;
            JsonArray t2i = ref.getAsJsonArray("text_to_image");
            for (int j = 0; j < queries.size(); j++) {
                float[] col = new float[gallery.size()];
                float[] refCol = new float[gallery.size()];
                for (int i = 0; i < col.length; i++) {
                    col[i] = s[i][j];
                    refCol[i] = refScores.get(i).getAsJsonArray().get(j).getAsFloat();
                }
                boolean close = close(col, refCol);
                JsonArray ranking = t2i.get(j).getAsJsonObject().getAsJsonArray("ranking");
                Integer[] order = new Integer[col.length];
                for (int i = 0; i < order.length; i++) {
                    order[i] = i;
                }
                Arrays.sort(order, (a, b) -> Float.compare(col[b], col[a]));
                boolean sameOrder = true;
                for (int k = 0; k < ranking.size(); k++) {
                    JsonObject r = ranking.get(k).getAsJsonObject();
                    boolean tie = r.get("gap_to_next").getAsDouble() <= RANK_TIE || (k > 0
                            && ranking.get(k - 1).getAsJsonObject().get("gap_to_next").getAsDouble() <= RANK_TIE);
                    if (!gallery.get(order[k]).equals(r.get("image").getAsString()) && !tie) {
                        sameOrder = false;
                    }
                }
                boolean ok = close && sameOrder;
                t.add(ok);
                if (!ok) {
                    disagreements.add("ranking for \"" + queries.get(j) + "\": top " + gallery.get(order[0])
                            + ", reference " + ranking.get(0).getAsJsonObject().get("image").getAsString()
                            + (close ? "" : " (scores differ)"));
                }
                if (text && (all || j == shown)) {
                    out.printf("%nSearch the %d sample images for \"%s\" (retrieval; top 3)%n", gallery.size(),
                            queries.get(j));
                    for (int k = 0; k < Math.min(3, ranking.size()); k++) {
                        JsonObject r = ranking.get(k).getAsJsonObject();
                        boolean same = gallery.get(order[k]).equals(r.get("image").getAsString());
                        out.printf(Locale.ROOT, "  %d. %-14s %.4f   %s%n", k + 1, name(gallery.get(order[k])),
                                col[order[k]], same ? String.format(Locale.ROOT, "= (reference %.4f)",
                                        r.get("score").getAsDouble())
                                        : "reference: " + name(r.get("image").getAsString()));
                    }
                }
            }
        }
        return t;
    }

    // ------------------------------------------------------------------ helpers

    /** {@code |a − b| ≤ 1e-4 + 1e-4·|b|} elementwise (the demo README's tolerance); tracks the largest difference. */
    private boolean close(float[] actual, float[] expected) {
        if (actual.length != expected.length) {
            return false;
        }
        boolean ok = true;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            maxDiff = Math.max(maxDiff, d);
            ok &= d <= 1e-4 + 1e-4 * Math.abs(expected[i]);
        }
        return ok;
    }

    private static String name(String image) {
        return Path.of(image).getFileName().toString();
    }

    private static JsonObject readJson(Path f) {
        if (!Files.isRegularFile(f)) {
            throw new InvalidInputException("the demo needs " + f + ", which does not exist; --set DIR names a folder"
                    + " with samples/samples.json and reference_predictions.json");
        }
        try {
            return JsonParser.parseString(Files.readString(f)).getAsJsonObject();
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException("cannot read " + f + ": " + e.getMessage(), e);
        }
    }

    private static float[] floats(JsonArray a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }

    private static long[] longs(JsonArray a) {
        long[] l = new long[a.size()];
        for (int i = 0; i < l.length; i++) {
            l[i] = a.get(i).getAsLong();
        }
        return l;
    }
}
