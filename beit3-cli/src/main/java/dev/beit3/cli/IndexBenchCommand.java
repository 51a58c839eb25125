package dev.beit3.cli;

import com.google.gson.Gson;
import dev.beit3.index.IndexBench;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code beit3 index bench}: build speed, size, latency and recall on synthetic vectors. */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmark the index on synthetic normalised vectors.",
            "Vectors are generated, not stored. Measures build docs/s, size on disk, query p50/p99 (one thread)",
            "and recall@k against exact brute force, float32 and scalar-quantized. Needs about docs x dim x 8",
            "bytes of heap (BEIT3_JAVA_OPTS=-Xmx8g).",
            "  beit3 index bench --docs 100000"})
final class IndexBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--docs", defaultValue = "100000", description = "documents (default: ${DEFAULT-VALUE})")
    int docs;

    @Option(names = "--dim", defaultValue = "768", description = "width (default: ${DEFAULT-VALUE}, BEiT-3 base)")
    int dim;

    @Option(names = "--queries", defaultValue = "500", description = "measured queries (default: ${DEFAULT-VALUE})")
    int queries;

    @Option(names = "-k", defaultValue = "10", description = "recall@k (default: ${DEFAULT-VALUE})")
    int k;

    @Option(names = "--candidates", split = ",", defaultValue = "10,50,100",
            description = "HNSW candidate counts (default: ${DEFAULT-VALUE})")
    List<Integer> candidates;

    @Option(names = "--quantize", split = ",", defaultValue = "0,7",
            description = "vector formats: 0 float32, 7 int7, 4 int4 (default: ${DEFAULT-VALUE})")
    List<Integer> quantize;

    @Option(names = "--hnsw-m", defaultValue = "16", description = "HNSW M (default: ${DEFAULT-VALUE})")
    int m;

    @Option(names = "--beam-width", defaultValue = "100", description = "HNSW beam width (default: ${DEFAULT-VALUE})")
    int beam;

    @Option(names = "--clusters", defaultValue = "1000",
            description = "centroids of the synthetic vectors; 0 = uniform on the sphere, the worst case (default: ${DEFAULT-VALUE})")
    int clusters;

    @Option(names = "--noise", defaultValue = "1.0", description = "spread around a centroid (default: ${DEFAULT-VALUE})")
    double noise;

    @Option(names = "--seed", defaultValue = "42", description = "seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--dir", description = "scratch folder for the indexes (default: the temp folder)")
    Path dir;

    @Option(names = "--json", description = "one JSON object per vector format")
    boolean json;

    IndexBenchCommand() {}

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
            Checks.positive(docs, "--docs");
            Checks.positive(queries, "--queries");
            Checks.positive(k, "-k");
            Path work = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(work);
            IndexBench.Settings s = new IndexBench.Settings(docs, dim, queries, k, candidates, quantize, m, beam,
                    clusters, noise, seed, work);
            out.printf(Locale.ROOT, "index bench: %,d docs x %d, %s, %d queries, recall@%d vs brute force, HNSW M %d,"
                    + " beam width %d, one indexing thread, one query thread; %d cores%n", docs, dim,
                    clusters == 0 ? "uniform on the sphere" : clusters + " clusters (noise " + noise + ")", queries, k,
                    m, beam, Runtime.getRuntime().availableProcessors());
            out.flush();
            Gson gson = Json.GSON;
            IndexBench.run(s, l -> {
                err.println(l);
                err.flush();
            }, b -> {
                out.printf(Locale.ROOT, "brute force (exact, plain Java, one thread): p50 %.1f ms, p99 %.1f ms per query%n",
                        b.p50Ms(), b.p99Ms());
                out.flush();
            }, r -> {
                if (json) {
                    out.println(gson.toJson(r));
                } else {
                    out.printf(Locale.ROOT, "%s: build %.1f s = %,.0f docs/s; %s on disk in %d segment(s) (vec %s,"
                            + " veq %s, vex %s)%n", r.quantizationBits() == 0 ? "float32" : "int" + r.quantizationBits(),
                            r.buildSeconds(), r.docsPerSecond(), IndexStatsCommand.size(r.bytesOnDisk()), r.segments(),
                            IndexStatsCommand.size(r.bytesByExtension().getOrDefault("vec", 0L)),
                            IndexStatsCommand.size(r.bytesByExtension().getOrDefault("veq", 0L)),
                            IndexStatsCommand.size(r.bytesByExtension().getOrDefault("vex", 0L)));
                    for (IndexBench.QueryResult q : r.queries()) {
                        out.printf(Locale.ROOT, "  candidates %4d%s  p50 %6.2f ms  p99 %6.2f ms  recall@%d %.4f%n",
                                q.candidates(), q.exact() ? " exact" : "      ", q.p50Ms(), q.p99Ms(), k, q.recall());
                    }
                }
                out.flush();
            });
            return CliErrors.OK;
        });
    }
}
