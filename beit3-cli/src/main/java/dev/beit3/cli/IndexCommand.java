package dev.beit3.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * {@code beit3 index}: a persistent, incremental image–text search index on Lucene HNSW vectors
 * ({@code add}, {@code search}, {@code stats}, {@code verify}, {@code import-parquet}, {@code bench}).
 */
@Command(name = "index", mixinStandardHelpOptions = true,
        description = {"A persistent image-text search index (Lucene HNSW vectors) of retrieval embeddings.",
            "  beit3 index add models/demo/samples/images --index /tmp/idx",
            "  beit3 index search --index /tmp/idx --query \"a red circle\""},
        subcommands = {IndexAddCommand.class, IndexSearchCommand.class, IndexStatsCommand.class,
            IndexVerifyCommand.class, IndexImportCommand.class, IndexBenchCommand.class})
final class IndexCommand implements Runnable {
    @Spec
    CommandSpec spec;

    IndexCommand() {}

    /** Without a subcommand: prints the usage. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
