package dev.beit3.spark;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/** The shared test session ({@code local[2]}, no UI, two shuffle partitions) and demo helpers. */
final class SparkTests {
    private static SparkSession spark;

    private SparkTests() {}

    /** @return the session of this test JVM, created on first use and stopped at JVM exit */
    static synchronized SparkSession spark() {
        if (spark == null) {
            long t0 = System.nanoTime();
            spark = SparkSession.builder().master("local[2]").appName("beit3-spark-tests")
                    .config("spark.ui.enabled", "false")
                    .config("spark.sql.shuffle.partitions", "2")
                    .config("spark.default.parallelism", "2")
                    .config("spark.driver.host", "127.0.0.1")
                    .config("spark.driver.bindAddress", "127.0.0.1")
                    .config("spark.sql.adaptive.enabled", "false")
                    .getOrCreate();
            System.out.printf(Locale.ROOT, "spark %s local[2] session started in %d ms%n", spark.version(),
                    (System.nanoTime() - t0) / 1_000_000);
        }
        return spark;
    }

    static Path demo() {
        return Fixtures.demo();
    }

    static JsonObject retrievalReference() {
        return Fixtures.json(demo().resolve("reference_predictions.json")).getAsJsonObject("retrieval");
    }

    /** @return the gallery image paths of the reference, relative to {@code samples/} */
    static List<String> gallery() {
        List<String> out = new ArrayList<>();
        retrievalReference().getAsJsonArray("gallery").forEach(g -> out.add(g.getAsString()));
        return out;
    }

    /** @return the query texts of the reference */
    static List<String> queries() {
        List<String> out = new ArrayList<>();
        retrievalReference().getAsJsonArray("queries")
                .forEach(q -> out.add(q.getAsJsonObject().get("text").getAsString()));
        return out;
    }

    static Path sample(String rel) {
        return demo().resolve("samples").resolve(rel);
    }

    static float[] floats(JsonArray a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }

    /** @return the vector of a column, or null */
    static float[] vector(Row r, String col) {
        int i = r.fieldIndex(col);
        if (r.isNullAt(i)) {
            return null;
        }
        List<Float> l = r.getList(i);
        float[] f = new float[l.size()];
        for (int d = 0; d < f.length; d++) {
            f[d] = l.get(d);
        }
        return f;
    }

    static double maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }

    /** @return this process's resident set size in kB, from {@code /proc/self/status} */
    static long rssKb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
