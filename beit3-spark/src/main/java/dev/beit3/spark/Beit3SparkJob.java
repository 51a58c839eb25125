package dev.beit3.spark;

import static org.apache.spark.sql.functions.col;

import dev.beit3.api.InvalidInputException;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.DataFrameReader;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

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
 * <p>Run without arguments for the full usage. Exit status: 0 done, 2 wrong arguments, 1 failure.
 */
public final class Beit3SparkJob {
    private Beit3SparkJob() {}

    static final String USAGE = """
            usage: Beit3SparkJob <command> [options]

            commands:
              embed-images  --input PATH --output DIR   images read with Spark's binaryFile source (any Hadoop
                            file system); output columns: path, embedding array<float>, embedding_error
                            [--glob '*.png'] [--recursive]
              embed-texts   --input PATH --output DIR   a text file, one text per line; output columns: text,
                            embedding, embedding_error
              search        --queries DIR --query-id COL --table DIR --id COL --output DIR
                            top-k table rows per query (both Parquet embedding tables); output columns:
                            query_index, query_id, rank, id, score   [--k 10] [--vector-col embedding]

            model (embed-*): --package DIR [--task retrieval]  |  --checkpoint FILE --tokenizer FILE
                            [--head ID] [--heads N] [--text-len N]
                            paths must be readable on every executor (shared mount, or --files/--archives)
            tuning (embed-*): [--batch-size 16] [--threads N (engine threads per executor JVM)]
                            [--partitions N (repartition the input)]
            all:            [--overwrite] [--master URL (when not given by spark-submit)]
            """;

    private static final Set<String> FLAGS = Set.of("overwrite", "recursive");

    /**
     * Runs a command on a new or the current Spark session.
     *
     * @param args command and options
     */
    public static void main(String[] args) {
        Map<String, String> opts;
        try {
            opts = parse(args);
        } catch (InvalidInputException e) {
            System.err.println("beit3-spark: " + e.getMessage());
            System.err.print(USAGE);
            System.exit(2);
            return;
        }
        SparkSession.Builder b = SparkSession.builder().appName("beit3 " + opts.get("command"));
        if (opts.containsKey("master")) {
            b.master(opts.get("master"));
        }
        SparkSession spark = b.getOrCreate();
        int status = 0;
        try {
            run(opts, spark, System.out);
        } catch (InvalidInputException e) {
            System.err.println("beit3-spark: " + e.getMessage());
            status = 2;
        } catch (RuntimeException e) {
            System.err.println("beit3-spark: " + opts.get("command") + " failed: " + e);
            status = 1;
        } finally {
            spark.stop();
        }
        System.exit(status);
    }

    /** Parses {@code <command> --key value … --flag}. */
    static Map<String, String> parse(String[] args) {
        if (args.length == 0) {
            throw new InvalidInputException("no command given");
        }
        Map<String, String> m = new HashMap<>();
        m.put("command", args[0]);
        for (int i = 1; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--") || a.length() == 2) {
                throw new InvalidInputException("expected an option (--name), got '" + a + "'");
            }
            String key = a.substring(2);
            if (FLAGS.contains(key)) {
                m.put(key, "true");
            } else if (i + 1 < args.length) {
                m.put(key, args[++i]);
            } else {
                throw new InvalidInputException("option --" + key + " needs a value");
            }
        }
        return m;
    }

    /**
     * Runs a parsed command.
     *
     * @param o the options ({@code command} is the command)
     * @param spark the session
     * @param out where to report
     */
    static void run(Map<String, String> o, SparkSession spark, PrintStream out) {
        String cmd = o.get("command");
        SaveMode mode = o.containsKey("overwrite") ? SaveMode.Overwrite : SaveMode.ErrorIfExists;
        long t0 = System.nanoTime();
        switch (cmd) {
            case "embed-images" -> {
                Beit3Embedder embedder = embedder(o, "image").setInputCol("content");
                DataFrameReader r = spark.read().format("binaryFile");
                if (o.containsKey("glob")) {
                    r = r.option("pathGlobFilter", o.get("glob"));
                }
                if (o.containsKey("recursive")) {
                    r = r.option("recursiveFileLookup", "true");
                }
                Dataset<Row> files = partitions(r.load(need(o, "input")).select("path", "content"), o);
                Dataset<Row> emb = embedder.transform(files).drop("content");
                write(emb, need(o, "output"), mode, out, t0, cmd);
            }
            case "embed-texts" -> {
                Beit3Embedder embedder = embedder(o, "text").setInputCol("text");
                Dataset<Row> texts = partitions(spark.read().text(need(o, "input")).toDF("text"), o);
                write(embedder.transform(texts), need(o, "output"), mode, out, t0, cmd);
            }
            case "search" -> {
                String vec = o.getOrDefault("vector-col", "embedding");
                SearchSpec spec = new SearchSpec(need(o, "query-id"), vec, need(o, "id"), vec,
                        integer(o, "k", 10));
                Dataset<Row> result = Beit3Search.topK(spark.read().parquet(need(o, "queries")),
                        spark.read().parquet(need(o, "table")), spec);
                result.write().mode(mode).parquet(need(o, "output"));
                out.printf(Locale.ROOT, "beit3-spark search: top %d for %d queries written to %s in %.1f s%n",
                        spec.k(), spark.read().parquet(o.get("output")).select("query_index").distinct().count(),
                        o.get("output"), (System.nanoTime() - t0) / 1e9);
            }
            default -> throw new InvalidInputException("unknown command '" + cmd
                    + "'; commands: embed-images, embed-texts, search");
        }
    }

    private static Beit3Embedder embedder(Map<String, String> o, String modality) {
        Beit3Embedder e = new Beit3Embedder().setModality(modality)
                .setBatchSize(integer(o, "batch-size", 16)).setThreadsPerExecutor(integer(o, "threads", 0))
                .setHead(o.getOrDefault("head", "")).setAttentionHeads(integer(o, "heads", 0))
                .setMaxTextLength(integer(o, "text-len", 0)).setTokenizer(o.getOrDefault("tokenizer", ""));
        if (o.containsKey("package")) {
            e.setModelPackage(o.get("package")).setTask(o.getOrDefault("task", "retrieval"));
        }
        if (o.containsKey("checkpoint")) {
            e.setCheckpoint(o.get("checkpoint"));
        }
        e.spec(); // validates the model options before any job starts
        return e;
    }

    private static Dataset<Row> partitions(Dataset<Row> d, Map<String, String> o) {
        return o.containsKey("partitions") ? d.repartition(integer(o, "partitions", 1)) : d;
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

    private static String need(Map<String, String> o, String key) {
        String v = o.get(key);
        if (v == null || v.isBlank()) {
            throw new InvalidInputException(o.get("command") + " needs --" + key);
        }
        return v;
    }

    private static int integer(Map<String, String> o, String key, int dflt) {
        String v = o.get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("--" + key + " needs a whole number, got '" + v + "'");
        }
    }
}
