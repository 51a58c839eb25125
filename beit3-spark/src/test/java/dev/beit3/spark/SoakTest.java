package dev.beit3.spark;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.api.RgbImage;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * Many rows through the transformer keep the executor's resident memory flat (in {@code local[2]} the executor is
 * this JVM), and the wall time of Spark against the plain Java API on the same rows.
 *
 * <p>Rows per round: {@code -Dbeit3.spark.soakRows=N}, default 2,000; measured rounds:
 * {@code -Dbeit3.spark.soakRounds=R}, default 3 (after two warm-up rounds: 10,000 rows through Spark, about 20 s on
 * two cores). A longer soak: {@code mvn -B -o -pl beit3-spark -am verify -Dtest=SoakTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dbeit3.spark.soakRows=10000 -Dbeit3.spark.soakRounds=8}.
 */
class SoakTest {
    /**
     * Allowed RSS growth between the end of the warm-up and the end of the soak. Measured: within ±60 MB, with no
     * trend over 8 rounds of 10,000 rows. A leak of only the input tensor of each row (3×64×64 floats, 49 KB) would
     * add 290 MB over the 6,000 measured rows of the default run.
     */
    static final long MAX_GROWTH_MB = 128;
    static final int BATCH = 16;

    private static Dataset<Row> rows(SparkSession spark, int n, int partitions) {
        List<String> gallery = SparkTests.gallery();
        List<Row> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create(i, SparkTests.sample(gallery.get(i % gallery.size())).toString()));
        }
        return spark.createDataFrame(rows, new StructType().add("i", DataTypes.IntegerType)
                .add("path", DataTypes.StringType)).repartition(partitions);
    }

    /** Runs the whole pipeline and drops the result (Spark's no-op sink). */
    private static void run(Dataset<Row> in) {
        Dataset<Row> out = SparkParityTest.embedder("image").setInputCol("path").setBatchSize(BATCH).transform(in);
        out.write().format("noop").mode("overwrite").save();
    }

    private static long rssMb() {
        System.gc();
        return SparkTests.rssKb() / 1024;
    }

    @Test
    void rssStaysFlatOverManyRowsAndTheOverheadIsMeasured() throws Exception {
        int n = Integer.getInteger("beit3.spark.soakRows", 2000);
        SparkSession spark = SparkTests.spark();
        Dataset<Row> soak = rows(spark, n, 8).cache();
        soak.count();
        // warm-up: two full rounds (model load, code generation, thread and buffer pools), then the measured rounds
        run(soak);
        run(soak);
        long before = rssMb();
        List<Long> samples = new ArrayList<>();
        int rounds = Integer.getInteger("beit3.spark.soakRounds", 3);
        for (int r = 0; r < rounds; r++) {
            run(soak);
            samples.add(rssMb());
        }
        long after = samples.get(samples.size() - 1);
        long peak = samples.stream().mapToLong(Long::longValue).max().orElse(after);
        System.out.printf(Locale.ROOT, "soak: %d rows per round through Spark local[2] (8 partitions, batch %d), 2"
                + " warm-up rounds + %d rounds; VmRSS after warm-up %d MB, after each round %s MB, growth %d MB (peak %d"
                + " MB; bound %d MB)%n", n, BATCH, rounds, before, samples, after - before, peak - before,
                MAX_GROWTH_MB);
        // embeddings really were computed: check the count of non-null vectors once
        long embedded = SparkParityTest.embedder("image").setInputCol("path").setBatchSize(BATCH).transform(soak)
                .where(functions.col("embedding").isNotNull()).count();
        assertThat(embedded).isEqualTo(n);
        assertThat(after - before).as("RSS growth after warm-up, MB").isLessThan(MAX_GROWTH_MB);

        // the same rows through the plain API (two threads: the parallelism of local[2]) and through Spark,
        // alternating, min and median of each (timings on a shared machine swing)
        List<Path> paths = new ArrayList<>(n);
        soak.select("path").collectAsList().forEach(r -> paths.add(Path.of(r.getString(0))));
        int reps = 3;
        double[] plain = new double[reps];
        double[] viaSpark = new double[reps];
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (Beit3 m = ModelPackage.open(SparkTests.demo()).builder("retrieval").batchSize(BATCH).build()) {
            embedPlain(m, paths.subList(0, Math.min(200, n)));
            for (int r = 0; r < reps; r++) {
                long p0 = System.nanoTime();
                int half = paths.size() / 2;
                Future<?> a = pool.submit(() -> embedPlain(m, paths.subList(0, half)));
                Future<?> b = pool.submit(() -> embedPlain(m, paths.subList(half, paths.size())));
                a.get();
                b.get();
                plain[r] = (System.nanoTime() - p0) / 1e6;
                long s0 = System.nanoTime();
                run(soak);
                viaSpark[r] = (System.nanoTime() - s0) / 1e6;
            }
        } finally {
            pool.shutdown();
        }
        java.util.Arrays.sort(plain);
        java.util.Arrays.sort(viaSpark);
        System.out.printf(Locale.ROOT, "overhead: %d rows, batch %d, %d runs each: plain API 2 threads min %.0f ms"
                + " median %.0f ms (%.3f ms/row); Spark local[2] min %.0f ms median %.0f ms (%.3f ms/row);"
                + " Spark / plain (min) = %.2f, Spark - plain (min) = %.3f ms/row%n", n, BATCH, reps, plain[0],
                plain[reps / 2], plain[0] / n, viaSpark[0], viaSpark[reps / 2], viaSpark[0] / n,
                viaSpark[0] / plain[0], (viaSpark[0] - plain[0]) / n);
    }

    /** What one Spark task does, without Spark: read, decode, embed in batches. */
    private static void embedPlain(Beit3 m, List<Path> paths) {
        for (int from = 0; from < paths.size(); from += BATCH) {
            List<RgbImage> batch = new ArrayList<>(BATCH);
            for (Path p : paths.subList(from, Math.min(paths.size(), from + BATCH))) {
                batch.add(m.readImage(p));
            }
            m.embedImages(batch);
        }
    }
}
