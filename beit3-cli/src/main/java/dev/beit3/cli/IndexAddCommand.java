package dev.beit3.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.index.Beit3Index;
import dev.beit3.index.IndexConfig;
import dev.beit3.index.IndexStats;
import dev.beit3.index.Indexer;
import dev.beit3.model.Beit3;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code beit3 index add}: embeds images and/or texts into an index, incrementally. */
@Command(name = "add", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Add images and/or texts to an index, incrementally.",
            "Files whose SHA-256 is already indexed are skipped, changed ones re-embedded and replaced; the",
            "index is committed every N documents, so running an interrupted add again completes it.",
            "  beit3 index add models/demo/samples/images --index /tmp/idx"})
final class IndexAddCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR|FILE", arity = "0..*", description = "image files and folders (not recursive)")
    List<Path> inputs;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "the index folder (created if missing)")
    Path index;

    @Option(names = "--texts-file", paramLabel = "FILE", description = "texts to add, one per line (id = the text)")
    Path textsFile;

    @Option(names = "--prune", description = "delete the image documents whose files no longer exist")
    boolean prune;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "16", description = "items per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--readers", paramLabel = "N", defaultValue = "2",
            description = "threads that read, hash and decode files (default: ${DEFAULT-VALUE})")
    int readers;

    @Option(names = "--commit-every", paramLabel = "N", defaultValue = "1000",
            description = "commit after N added or replaced documents (default: ${DEFAULT-VALUE})")
    int commitEvery;

    @Option(names = "--quantize", paramLabel = "none|int7|int4", defaultValue = "none",
            description = "a new index's vector format: float32, or Lucene's scalar quantization beside the floats")
    String quantize;

    @Option(names = "--hnsw-m", paramLabel = "M", defaultValue = "16", description = "a new index's HNSW M (default: ${DEFAULT-VALUE})")
    int hnswM;

    @Option(names = "--beam-width", paramLabel = "N", defaultValue = "100",
            description = "a new index's HNSW beam width (default: ${DEFAULT-VALUE})")
    int beamWidth;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    IndexAddCommand() {}

    static IndexConfig config(int m, int beam, String quantize) {
        int bits = switch (quantize.toLowerCase(Locale.ROOT)) {
            case "none" -> 0;
            case "int7", "int8" -> 7;
            case "int4" -> 4;
            default -> throw new InvalidInputException("--quantize must be none, int7 or int4, got " + quantize);
        };
        try {
            return new IndexConfig(m, beam, bits);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(e.getMessage(), e);
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
        PrintWriter err = spec.commandLine().getErr();
        return CliErrors.run(err, () -> {
            common.apply(model.checkpoint == null);
            if ((inputs == null || inputs.isEmpty()) && textsFile == null && !prune) {
                throw new InvalidInputException("nothing to add: give image files or folders, and/or --texts-file FILE"
                        + " (or --prune alone)");
            }
            Indexer.Options o;
            try {
                o = new Indexer.Options(batch, readers, commitEvery, prune);
            } catch (InvalidInputException e) {
                throw new InvalidInputException("--batch, --readers and --commit-every must be positive", e);
            }
            IndexConfig config = config(hnswM, beamWidth, quantize);
            List<Path> files = inputs == null || inputs.isEmpty() ? List.of() : Inputs.images(inputs);
            List<String> texts = textsFile == null ? List.of() : Inputs.texts(null, textsFile);
            long t0 = System.nanoTime();
            List<Indexer.Report> reports = new ArrayList<>();
            IndexStats stats;
            try (Beit3 m = model.load("retrieval", "index add", common);
                    Beit3Index idx = Beit3Index.open(index, m, config)) {
                if (!files.isEmpty() || prune) {
                    try (Progress p = common.progress(err, "images", files.size())) {
                        reports.add(Indexer.addImages(idx, files, o, listener(p)));
                        p.done();
                    }
                }
                if (!texts.isEmpty()) {
                    try (Progress p = common.progress(err, "texts", texts.size())) {
                        reports.add(Indexer.addTexts(idx, texts, o, listener(p)));
                        p.done();
                    }
                }
                stats = idx.stats();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            int added = reports.stream().mapToInt(Indexer.Report::added).sum();
            int replaced = reports.stream().mapToInt(Indexer.Report::replaced).sum();
            int unchanged = reports.stream().mapToInt(Indexer.Report::unchanged).sum();
            int deleted = reports.stream().mapToInt(Indexer.Report::deleted).sum();
            List<String> failures = reports.stream().flatMap(r -> r.failures().stream()).toList();
            if (common.json) {
                JsonObject j = new JsonObject();
                j.addProperty("index", index.toString());
                j.addProperty("added", added);
                j.addProperty("replaced", replaced);
                j.addProperty("unchanged", unchanged);
                j.addProperty("pruned", deleted);
                JsonArray f = new JsonArray();
                failures.forEach(f::add);
                j.add("failed", f);
                j.add("stats", IndexStatsCommand.json(stats));
                j.addProperty("seconds", secs);
                out.println(Json.GSON.toJson(j));
            } else {
                out.printf(Locale.ROOT, "index %s: %d added, %d replaced, %d unchanged, %d pruned, %d failed in %.1f s%n",
                        index, added, replaced, unchanged, deleted, failures.size(), secs);
                out.println("  " + IndexStatsCommand.summary(stats));
            }
            out.flush();
            return failures.isEmpty() ? CliErrors.OK : CliErrors.BAD_INPUT;
        });
    }

    private static Indexer.Listener listener(Progress p) {
        return new Indexer.Listener() {
            private int last;

            @Override
            public void progress(int done, int total) {
                p.advance(done - last);
                last = done;
            }

            @Override
            public void failed(String item, String reason) {
                p.println("beit3: skipped: " + reason);
            }
        };
    }
}
