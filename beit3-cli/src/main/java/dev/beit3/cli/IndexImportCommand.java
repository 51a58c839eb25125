package dev.beit3.cli;

import com.google.gson.JsonObject;
import dev.beit3.index.Beit3Index;
import dev.beit3.index.IndexStats;
import dev.beit3.index.parquet.ParquetImport;
import dev.beit3.model.Beit3;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code beit3 index import-parquet}: the beit3-spark job's embedding Parquet into an index. */
@Command(name = "import-parquet", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Import the beit3-spark job's embedding Parquet into an index.",
            "Reads embed-images output (path, embedding) and embed-texts output (text, embedding). Give the",
            "model the job ran: its identity is recorded and checked, and it embeds the queries later.",
            "  beit3 index import-parquet hdfs-copy/images --index /tmp/idx"})
final class IndexImportCommand implements Callable<Integer> {
    private static final String NATIVE_LOADER_LOG = "org.slf4j.simpleLogger.log.org.apache.hadoop.util.NativeCodeLoader";

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "PARQUET", arity = "1..*", description = "Parquet files or Spark output folders")
    List<Path> inputs;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "the index folder (created if missing)")
    Path index;

    @Option(names = "--commit-every", paramLabel = "N", defaultValue = "10000",
            description = "commit after N added or replaced documents (default: ${DEFAULT-VALUE})")
    int commitEvery;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    IndexImportCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return CliErrors.run(spec.commandLine().getErr(), () -> {
            common.apply(model.checkpoint == null);
            Checks.positive(commitEvery, "--commit-every");
            // Hadoop's client warns on every start that it has no native library (it needs none to read files)
            if (System.getProperty(NATIVE_LOADER_LOG) == null) {
                System.setProperty(NATIVE_LOADER_LOG, "error");
            }
            long t0 = System.nanoTime();
            long rows = 0;
            int added = 0;
            int replaced = 0;
            int unchanged = 0;
            int errors = 0;
            IndexStats stats;
            try (Beit3 m = model.load("retrieval", "index import-parquet", common);
                    Beit3Index idx = Beit3Index.open(index, m)) {
                for (Path in : inputs) {
                    ParquetImport.Report r = ParquetImport.importInto(idx, in, commitEvery);
                    rows += r.rows();
                    added += r.added();
                    replaced += r.replaced();
                    unchanged += r.unchanged();
                    errors += r.errors();
                }
                stats = idx.stats();
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            if (common.json) {
                JsonObject j = new JsonObject();
                j.addProperty("rows", rows);
                j.addProperty("added", added);
                j.addProperty("replaced", replaced);
                j.addProperty("unchanged", unchanged);
                j.addProperty("embedding_errors", errors);
                j.add("stats", IndexStatsCommand.json(stats));
                j.addProperty("seconds", secs);
                out.println(Json.GSON.toJson(j));
            } else {
                out.printf(Locale.ROOT, "index %s: %d rows read, %d added, %d replaced, %d unchanged, %d rows with an"
                        + " embedding_error skipped, in %.1f s%n", index, rows, added, replaced, unchanged, errors, secs);
                out.println("  " + IndexStatsCommand.summary(stats));
            }
            out.flush();
            return CliErrors.OK;
        });
    }
}
