package dev.beit3.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.index.Beit3Index;
import dev.beit3.index.Hit;
import dev.beit3.index.IndexDocument;
import dev.beit3.index.SearchOptions;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code beit3 index search}: text → image, image → image, image → text over an index. */
@Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Search an index: images for a text, images or texts for an image.",
            "Opens the index read-only, so it works while an add runs.",
            "  beit3 index search --index /tmp/idx --query \"a red circle\" -k 3",
            "  beit3 index search --index /tmp/idx --image photo.png --modality text"})
final class IndexSearchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "the index folder")
    Path index;

    @Option(names = {"-q", "--query"}, paramLabel = "TEXT", description = "text to find images for (repeatable)")
    List<String> queries;

    @Option(names = "--image", paramLabel = "FILE", description = "image to find similar images (or texts) for")
    Path image;

    @Option(names = "--modality", paramLabel = "image|text|any",
            description = "what to return (default: image; with --image, text gives image-to-text)")
    String modality;

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", defaultValue = "5", description = "results (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--candidates", paramLabel = "N", defaultValue = "100",
            description = "HNSW candidates collected before the best k are kept (default: ${DEFAULT-VALUE})")
    int candidates;

    @Option(names = "--exact", description = "re-rank the HNSW candidates by the exact dot product of the stored vectors")
    boolean exact;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    IndexSearchCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        return TaskRun.run(spec, model, common, "retrieval", "index search", () -> {
            Checks.positive(topK, "--top-k");
            Checks.positive(candidates, "--candidates");
            if ((queries == null) == (image == null)) {
                throw new InvalidInputException("give either --query TEXT (images for a text) or --image FILE (images"
                        + " or texts for an image)");
            }
            if (image != null && !Files.isRegularFile(image)) {
                throw new InvalidInputException("image file not found: " + image);
            }
            IndexDocument.Modality only = switch (modality == null ? "image" : modality.toLowerCase(Locale.ROOT)) {
                case "image" -> IndexDocument.Modality.IMAGE;
                case "text" -> IndexDocument.Modality.TEXT;
                case "any" -> null;
                default -> throw new InvalidInputException("--modality must be image, text or any, got " + modality);
            };
            return new SearchOptions(only, candidates, exact);
        }, (m, o, out, err) -> {
            try (Beit3Index idx = Beit3Index.openReadOnly(index, m)) {
                if (queries != null) {
                    for (String q : queries) {
                        float[] v = m.embedTexts(List.of(q))[0];
                        print(out, "query", q, idx.search(v, topK, o));
                    }
                } else {
                    print(out, "image", image.toString(), idx.searchImage(image, topK, o));
                }
            }
            out.flush();
            return CliErrors.OK;
        });
    }

    private void print(PrintWriter out, String kind, String key, List<Hit> hits) {
        if (common.json) {
            JsonObject o = new JsonObject();
            o.addProperty(kind, key);
            JsonArray a = new JsonArray();
            for (Hit h : hits) {
                JsonObject e = new JsonObject();
                e.addProperty("id", h.id());
                e.addProperty("modality", h.modality().id());
                if (h.text() != null) {
                    e.addProperty("text", h.text());
                }
                e.addProperty("score", h.score());
                e.addProperty("sha256", h.sha256());
                a.add(e);
            }
            o.add("hits", a);
            out.println(Json.GSON.toJson(o));
            return;
        }
        out.println(kind.equals("query") ? "\"" + key + "\"" : key);
        int rank = 1;
        for (Hit h : hits) {
            String shown = h.modality() == IndexDocument.Modality.IMAGE && h.id().startsWith("/")
                    ? Inputs.display(Path.of(h.id())).toString() : h.id();
            out.printf(Locale.ROOT, "  %d. %.4f  %s%n", rank++, h.score(), shown);
        }
    }
}
