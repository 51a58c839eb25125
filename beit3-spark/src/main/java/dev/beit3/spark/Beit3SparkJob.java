package dev.beit3.spark;

import static org.apache.spark.sql.functions.col;

import dev.beit3.api.InvalidInputException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The {@code spark-submit} entry point: embed images, embed texts, search. Every command writes Parquet.
 *
 * <pre>
 * spark-submit --class dev.beit3.spark.Beit3SparkJob beit3-spark-cluster.jar embed-images \
 *     --package /models/demo --input hdfs:///images --glob '*.png' --output hdfs:///emb/images
 * spark-submit ... embed-texts  --package /models/demo --input hdfs:///texts.txt --output hdfs:///emb/texts
 * spark-submit ... search --queries hdfs:///emb/texts --query-id text --table hdfs:///emb/images --id path \
 *     --k 10 --output hdfs:///search/text_to_image
 * </pre>
 *
 * <p>The command line is picocli's: {@code --help} (also after a command) prints the usage. Exit status: 0 done,
 * 2 bad input (an unknown command or option, a missing or malformed value; one line names it and the fix), 1 failure.
 */
@Command(name = "Beit3SparkJob", mixinStandardHelpOptions = true, version = "beit3-spark 0.1.0",
        description = "BEiT-3 embeddings and top-k search on Apache Spark; every command writes Parquet.",
        subcommands = {Beit3SparkJob.EmbedImages.class, Beit3SparkJob.EmbedTexts.class, Beit3SparkJob.Search.class},
        footer = {"", "Paths must be readable on every executor (a shared mount, or spark-submit --files/--archives).",
            "Exit codes: 0 done, 2 bad input, 1 failure."})
public final class Beit3SparkJob {
    private static final String COMMANDS = "embed-images, embed-texts, search";

    private Beit3SparkJob() {}

    /**
     * Runs a command on a new or the current Spark session and exits with its status.
     *
     * @param args command and options
     */
    public static void main(String[] args) {
        System.exit(execute(args, System.out, System.err));
    }

    /**
     * Parses, then runs the command on a new or the current Spark session (stopped at the end).
     *
     * @return the exit status: 0 done (or help printed), 2 bad input, 1 failure
     */
    static int execute(String[] args, PrintStream out, PrintStream err) {
        CommandLine cl = commandLine();
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        JobCommand job;
        try {
            CommandLine.ParseResult parsed = parseResult(cl, args);
            if (CommandLine.printHelpIfRequested(parsed)) {
                return 0;
            }
            job = command(parsed);
        } catch (InvalidInputException e) {
            err.println("beit3-spark: " + e.getMessage());
            return 2;
        }
        SparkSession.Builder b = SparkSession.builder().appName("beit3 " + job.name());
        if (job.master != null) {
            b.master(job.master);
        }
        SparkSession spark = b.getOrCreate();
        try {
            job.run(spark, out);
            return 0;
        } catch (InvalidInputException e) {
            err.println("beit3-spark: " + e.getMessage());
            return 2;
        } catch (RuntimeException e) {
            err.println("beit3-spark: " + job.name() + " failed: " + e);
            return 1;
        } finally {
            spark.stop();
        }
    }

    /** The picocli model of the job's command line. */
    static CommandLine commandLine() {
        return new CommandLine(Beit3SparkJob.class);
    }

    /**
     * Parses {@code <command> [options]} and checks the model options, before any Spark session starts.
     *
     * @throws InvalidInputException naming the unknown command or option, or the missing or malformed value,
     *     and how to fix it
     */
    static JobCommand parse(String[] args) {
        return command(parseResult(commandLine(), args));
    }

    private static CommandLine.ParseResult parseResult(CommandLine cl, String[] args) {
        CommandLine.ParseResult parsed;
        try {
            parsed = cl.parseArgs(args);
            // picocli skips the unmatched-argument check when --help is given: refuse 'nosuch --help' too
            for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
                if (!p.unmatched().isEmpty()) {
                    throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
                }
            }
        } catch (CommandLine.UnmatchedArgumentException e) {
            String word = e.getUnmatched().isEmpty() ? "" : e.getUnmatched().get(0);
            boolean top = e.getCommandLine().getParent() == null;
            List<String> near = e.getSuggestions();
            String hint = near.isEmpty() ? "" : " (did you mean " + String.join(" or ", near) + "?)";
            if (top && !word.startsWith("-")) {
                throw new InvalidInputException("unknown command '" + word + "'" + hint + "; commands: " + COMMANDS, e);
            }
            throw new InvalidInputException(e.getMessage() + hint + "; " + fix(e.getCommandLine()), e);
        } catch (CommandLine.MissingParameterException e) {
            // an option given last without its value: say so rather than "missing required parameter"
            List<String> given = List.of(args);
            for (CommandLine.Model.ArgSpec a : e.getMissing()) {
                if (a instanceof CommandLine.Model.OptionSpec o && given.contains(o.longestName())) {
                    throw new InvalidInputException("option " + o.longestName() + " needs a value ("
                            + o.paramLabel() + "); " + fix(e.getCommandLine()), e);
                }
            }
            throw new InvalidInputException(e.getMessage() + "; " + fix(e.getCommandLine()), e);
        } catch (CommandLine.ParameterException e) {
            throw new InvalidInputException(e.getMessage() + "; " + fix(e.getCommandLine()), e);
        }
        return parsed;
    }

    private static String fix(CommandLine where) {
        String name = where.getParent() == null ? "" : " " + where.getCommandName();
        return "see Beit3SparkJob" + name + " --help";
    }

    private static JobCommand command(CommandLine.ParseResult parsed) {
        if (!parsed.hasSubcommand()) {
            throw new InvalidInputException("no command given; commands: " + COMMANDS
                    + " (see Beit3SparkJob --help)");
        }
        JobCommand job = parsed.subcommand().commandSpec().commandLine().getCommand();
        job.validate();
        return job;
    }

    /**
     * Runs a parsed command.
     *
     * @param job the command and its options
     * @param spark the session
     * @param out where to report
     */
    static void run(JobCommand job, SparkSession spark, PrintStream out) {
        job.run(spark, out);
    }

    /** Options every command has, and its run on a session. */
    abstract static class JobCommand {
        @Option(names = "--overwrite", description = "replace existing output (default: refuse to write over it)")
        boolean overwrite;

        @Option(names = "--master", paramLabel = "URL",
                description = "Spark master when spark-submit does not give one, e.g. local[2]")
        String master;

        /** The command's name, for messages. */
        abstract String name();

        /** Checks the options that can be checked without a session. */
        void validate() {}

        /** Runs the command on the session and reports one line to {@code out}. */
        abstract void run(SparkSession spark, PrintStream out);

        SaveMode mode() {
            return overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists;
        }
    }

    /** The model and tuning options of the embedding commands. */
    static final class ModelOptions {
        @Option(names = "--package", paramLabel = "DIR", description = "a model folder with models.json (such as the demo models)")
        String modelPackage;

        @Option(names = "--task", paramLabel = "TASK", defaultValue = "retrieval",
                description = "the model of the package to use (default: ${DEFAULT-VALUE})")
        String task;

        @Option(names = "--checkpoint", paramLabel = "FILE", description = "an official .pth or safetensors checkpoint")
        String checkpoint;

        @Option(names = "--tokenizer", paramLabel = "FILE", description = "the SentencePiece model of --checkpoint")
        String tokenizer;

        @Option(names = "--head", paramLabel = "ID", description = "the head (default: detected from the checkpoint)")
        String head;

        @Option(names = "--heads", paramLabel = "N", description = "attention heads (default: width / 64)")
        int heads;

        @Option(names = "--text-len", paramLabel = "N", description = "text length in tokens (default: the model's)")
        int textLength;

        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "16",
                description = "rows per forward pass (default: ${DEFAULT-VALUE})")
        int batchSize;

        @Option(names = "--threads", paramLabel = "N",
                description = "engine threads per executor JVM (default: the engine's)")
        int threads;

        @Option(names = "--partitions", paramLabel = "N", description = "repartition the input into N partitions")
        Integer partitions;

        Beit3Embedder embedder(String modality) {
            if (modelPackage == null && checkpoint == null) {
                throw new InvalidInputException("no model given: pass --package DIR (a folder with models.json)"
                        + " or --checkpoint FILE --tokenizer FILE");
            }
            Beit3Embedder e = new Beit3Embedder().setModality(modality)
                    .setBatchSize(batchSize).setThreadsPerExecutor(threads)
                    .setHead(head == null ? "" : head).setAttentionHeads(heads)
                    .setMaxTextLength(textLength).setTokenizer(tokenizer == null ? "" : tokenizer);
            if (modelPackage != null) {
                e.setModelPackage(modelPackage).setTask(task);
            }
            if (checkpoint != null) {
                e.setCheckpoint(checkpoint);
            }
            e.spec(); // validates the model options before any job starts
            return e;
        }

        Dataset<Row> partitions(Dataset<Row> d) {
            if (partitions == null) {
                return d;
            }
            if (partitions < 1) {
                throw new InvalidInputException("--partitions must be at least 1, got " + partitions);
            }
            return d.repartition(partitions);
        }
    }

    /** {@code embed-images}: images read with Spark's binaryFile source. */
    @Command(name = "embed-images", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Embeds images read with Spark's binaryFile source (any Hadoop file system).",
                "Output columns: path, embedding array<float>, embedding_error."})
    static final class EmbedImages extends JobCommand {
        @Option(names = "--input", required = true, paramLabel = "PATH", description = "a directory or glob")
        String input;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "the Parquet output")
        String output;

        @Option(names = "--glob", paramLabel = "PATTERN", description = "file names to read, e.g. '*.png'")
        String glob;

        @Option(names = "--recursive", description = "read sub-directories too")
        boolean recursive;

        @Mixin
        ModelOptions model;

        @Override
        String name() {
            return "embed-images";
        }

        @Override
        void validate() {
            model.embedder("image");
        }

        @Override
        void run(SparkSession spark, PrintStream out) {
            long t0 = System.nanoTime();
            Beit3Embedder embedder = model.embedder("image").setInputCol("content");
            DataFrameReader r = spark.read().format("binaryFile");
            if (glob != null) {
                r = r.option("pathGlobFilter", glob);
            }
            if (recursive) {
                r = r.option("recursiveFileLookup", "true");
            }
            Dataset<Row> files = model.partitions(r.load(input).select("path", "content"));
            write(embedder.transform(files).drop("content"), output, mode(), out, t0, name());
        }
    }

    /** {@code embed-texts}: a text file, one text per line. */
    @Command(name = "embed-texts", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Embeds the lines of a text file, one text per line.",
                "Output columns: text, embedding array<float>, embedding_error."})
    static final class EmbedTexts extends JobCommand {
        @Option(names = "--input", required = true, paramLabel = "PATH", description = "the text file")
        String input;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "the Parquet output")
        String output;

        @Mixin
        ModelOptions model;

        @Override
        String name() {
            return "embed-texts";
        }

        @Override
        void validate() {
            model.embedder("text");
        }

        @Override
        void run(SparkSession spark, PrintStream out) {
            long t0 = System.nanoTime();
            Beit3Embedder embedder = model.embedder("text").setInputCol("text");
            Dataset<Row> texts = model.partitions(spark.read().text(input).toDF("text"));
            write(embedder.transform(texts), output, mode(), out, t0, name());
        }
    }

    /** {@code search}: the top-k table rows per query. */
    @Command(name = "search", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Top-k table rows per query; queries and table are Parquet embedding tables.",
                "Output columns: query_index, query_id, rank, id, score."})
    static final class Search extends JobCommand {
        @Option(names = "--queries", required = true, paramLabel = "DIR", description = "the query embeddings")
        String queries;

        @Option(names = "--query-id", required = true, paramLabel = "COL", description = "the queries' id column")
        String queryId;

        @Option(names = "--table", required = true, paramLabel = "DIR", description = "the table embeddings")
        String table;

        @Option(names = "--id", required = true, paramLabel = "COL", description = "the table's id column")
        String id;

        @Option(names = "--output", required = true, paramLabel = "DIR", description = "the Parquet output")
        String output;

        @Option(names = "--k", paramLabel = "K", defaultValue = "10",
                description = "rows per query (default: ${DEFAULT-VALUE})")
        int k;

        @Option(names = "--vector-col", paramLabel = "COL", defaultValue = "embedding",
                description = "the vector column of both tables (default: ${DEFAULT-VALUE})")
        String vectorCol;

        @Override
        String name() {
            return "search";
        }

        @Override
        void validate() {
            if (k < 1) {
                throw new InvalidInputException("--k must be at least 1, got " + k);
            }
            spec();
        }

        private SearchSpec spec() {
            return new SearchSpec(queryId, vectorCol, id, vectorCol, k);
        }

        @Override
        void run(SparkSession spark, PrintStream out) {
            long t0 = System.nanoTime();
            SearchSpec spec = spec();
            Dataset<Row> result = Beit3Search.topK(spark.read().parquet(queries), spark.read().parquet(table), spec);
            result.write().mode(mode()).parquet(output);
            out.printf(Locale.ROOT, "beit3-spark search: top %d for %d queries written to %s in %.1f s%n",
                    spec.k(), spark.read().parquet(output).select("query_index").distinct().count(),
                    output, (System.nanoTime() - t0) / 1e9);
        }
    }

    private static void write(Dataset<Row> d, String output, SaveMode mode, PrintStream out, long t0, String cmd) {
        d.write().mode(mode).parquet(output);
        List<Row> counts = d.sparkSession().read().parquet(output)
                .selectExpr("count(*)", "count(embedding_error)").collectAsList();
        out.printf(Locale.ROOT, "beit3-spark %s: %d rows, %d errors, written to %s in %.1f s%n", cmd,
                counts.get(0).getLong(0), counts.get(0).getLong(1), output, (System.nanoTime() - t0) / 1e9);
        if (counts.get(0).getLong(1) > 0) {
            d.sparkSession().read().parquet(output).where(col("embedding_error").isNotNull())
                    .select("embedding_error").limit(5).collectAsList()
                    .forEach(r -> out.println("  error: " + r.getString(0)));
        }
    }
}
