package dev.beit3.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.io.Printable;
import dev.beit3.model.Beit3;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code beit3 search}: ranks images for a text ({@code --query TEXT --images DIR}) or texts for an
 * image ({@code --image FILE --texts TEXT...}) by the cosine similarity of retrieval embeddings.
 */
@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Rank images for a text, or texts for an image (image-text retrieval).",
            "  beit3 search --query \"a red circle\" --images models/demo/samples/images",
            "  beit3 search --image photo.png --texts \"a red circle\" \"a blue square\""})
final class SearchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-q", "--query"}, paramLabel = "TEXT",
            description = "text to find images for (repeat for several queries)")
    List<String> queries;

    @Option(names = "--images", arity = "1..*", paramLabel = "DIR|FILE",
            description = "the images to rank: folders and/or files")
    List<Path> images;

    @Option(names = "--image", paramLabel = "FILE", description = "image to find texts for")
    Path image;

    @Option(names = "--texts", arity = "1..*", paramLabel = "TEXT", description = "the texts to rank")
    List<String> texts;

    @Option(names = "--texts-file", paramLabel = "FILE", description = "the texts to rank, one per line")
    Path textsFile;

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", defaultValue = "5",
            description = "results per query (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "images per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    SearchCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        return TaskRun.run(spec, model, common, "retrieval", "search", () -> {
            Checks.positive(topK, "--top-k");
            Checks.positive(batch, "--batch");
            boolean textToImage = queries != null || images != null;
            boolean imageToText = image != null || texts != null || textsFile != null;
            if (textToImage == imageToText) {
                throw new InvalidInputException("give either --query TEXT --images DIR (rank images for a text) or"
                        + " --image FILE --texts TEXT... (rank texts for an image)");
            }
            if (textToImage) {
                if (queries == null || images == null) {
                    throw new InvalidInputException(queries == null ? "--images needs a --query TEXT to rank them for"
                            : "--query needs --images DIR|FILE... to search in");
                }
                return new Query(Inputs.images(images), null);
            }
            if (image == null) {
                throw new InvalidInputException("--texts needs an --image FILE to rank them for");
            }
            List<String> candidates = Inputs.texts(texts, textsFile);
            if (!Files.isRegularFile(image)) {
                throw new InvalidInputException("image file not found: " + image);
            }
            return new Query(null, candidates);
        }, (m, q, out, err) -> q.files() != null ? imagesForTexts(m, q.files(), out, err)
                : textsForImage(m, q.candidates(), out));
    }

    /** What a search ranks: image files for the queries, or candidate texts for the image. */
    private record Query(List<Path> files, List<String> candidates) {}

    private int imagesForTexts(Beit3 m, List<Path> files, PrintWriter out, PrintWriter err) {
        try (Progress p = common.progress(err, "images", files.size())) {
            float[][] q = m.embedTexts(queries);
            Inputs.Outcome<float[]> r = Inputs.run(m, files, batch, p, imgs -> List.of(m.embedImages(imgs)));
            p.done();
            List<String> names = r.items().stream().map(it -> it.file().toString()).toList();
            float[][] emb = r.items().stream().map(Inputs.Item::result).toArray(float[][]::new);
            if (emb.length > 0) {
                float[][] s = Beit3.similarity(emb, q);
                for (int j = 0; j < queries.size(); j++) {
                    int jj = j;
                    float[] col = new float[emb.length];
                    for (int i = 0; i < emb.length; i++) {
                        col[i] = s[i][jj];
                    }
                    print(out, "query", queries.get(j), "image", names, col);
                }
            }
            out.flush();
            return Inputs.finish(err, files.size(), r.failures());
        }
    }

    private int textsForImage(Beit3 m, List<String> candidates, PrintWriter out) {
        float[][] ie = m.embedImages(List.of(m.readImage(image)));
        List<float[]> te = new ArrayList<>();
        for (int s = 0; s < candidates.size(); s += batch) {
            te.addAll(List.of(m.embedTexts(candidates.subList(s, Math.min(candidates.size(), s + batch)))));
        }
        float[] scores = Beit3.similarity(ie, te.toArray(float[][]::new))[0];
        print(out, "image", image.toString(), "text", candidates, scores);
        out.flush();
        return CliErrors.OK;
    }

    private void print(PrintWriter out, String keyKind, String key, String itemKind, List<String> items, float[] scores) {
        List<Integer> order = IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparing(i -> i)).toList();
        order = order.subList(0, Math.min(topK, order.size()));
        if (common.json) {
            JsonObject o = new JsonObject();
            o.addProperty(keyKind, key);
            JsonArray a = new JsonArray();
            for (int i : order) {
                JsonObject e = new JsonObject();
                e.addProperty(itemKind, items.get(i));
                e.addProperty("score", scores[i]);
                a.add(e);
            }
            o.add("ranking", a);
            out.println(Json.line(o));
            return;
        }
        out.println(Printable.of(keyKind.equals("query") ? "\"" + key + "\"" : String.valueOf(key)));
        int rank = 1;
        for (int i : order) {
            out.printf(Locale.ROOT, "  %d. %.4f  %s%n", rank++, scores[i], Printable.of(String.valueOf(items.get(i))));
        }
    }
}
