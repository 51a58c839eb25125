package dev.beit3.spark;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.api.RgbImage;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo samples through Spark ({@code local[2]}, several partitions, batches that cross partition boundaries)
 * give the single-JVM API's embeddings within 1e-5 and the reference's within 1e-4, and the Spark search
 * reproduces the reference rankings in both directions.
 */
class SparkParityTest {
    private static final double SAME_AS_JVM = 1e-5;

    private static SparkSession spark;
    private static JsonObject ref;
    private static List<String> gallery;
    private static List<String> queries;
    private static float[][] jvmImages;
    private static float[][] jvmTexts;
    private static Dataset<Row> sparkImages;
    private static Dataset<Row> sparkTexts;

    @BeforeAll
    static void embedBothWays() {
        spark = SparkTests.spark();
        ref = SparkTests.retrievalReference();
        gallery = SparkTests.gallery();
        queries = SparkTests.queries();
        try (Beit3 m = ModelPackage.open(SparkTests.demo()).builder("retrieval").build()) {
            List<RgbImage> imgs = new ArrayList<>();
            gallery.forEach(g -> imgs.add(m.readImage(SparkTests.sample(g))));
            jvmImages = m.embedImages(imgs);
            jvmTexts = m.embedTexts(queries);
        }
        List<Row> rows = new ArrayList<>();
        for (String g : gallery) {
            rows.add(RowFactory.create(g, SparkTests.sample(g).toString()));
        }
        StructType schema = new StructType().add("rel", DataTypes.StringType).add("path", DataTypes.StringType);
        sparkImages = embedder("image").setInputCol("path").setBatchSize(5)
                .transform(spark.createDataFrame(rows, schema).repartition(3)).cache();
        sparkTexts = embedder("text").setInputCol("text").setBatchSize(4)
                .transform(spark.createDataset(queries, Encoders.STRING()).toDF("text").repartition(2)).cache();
    }

    static Beit3Embedder embedder(String modality) {
        return new Beit3Embedder().setModelPackage(SparkTests.demo().toString()).setTask("retrieval")
                .setModality(modality).setThreadsPerExecutor(1);
    }

    private static Map<String, float[]> byKey(Dataset<Row> d, String key) {
        Map<String, float[]> out = new HashMap<>();
        for (Row r : d.collectAsList()) {
            assertThat(r.isNullAt(r.fieldIndex("embedding_error"))).as("error of %s: %s", r.getAs(key),
                    r.getAs("embedding_error")).isTrue();
            out.put(r.getAs(key), SparkTests.vector(r, "embedding"));
        }
        return out;
    }

    @Test
    void imageEmbeddingsFromPathsEqualTheJvmApiAndTheReference() {
        assertThat(sparkImages.rdd().getNumPartitions()).isEqualTo(3);
        Map<String, float[]> got = byKey(sparkImages, "rel");
        assertThat(got).hasSize(gallery.size());
        double jvm = 0;
        double reference = 0;
        JsonArray refEmb = ref.getAsJsonArray("image_embeddings");
        for (int i = 0; i < gallery.size(); i++) {
            float[] v = got.get(gallery.get(i));
            jvm = Math.max(jvm, SparkTests.maxAbsDiff(v, jvmImages[i]));
            Fixtures.Closeness c = Fixtures.compare(v, SparkTests.floats(refEmb.get(i).getAsJsonArray()), 1e-4, 1e-4);
            assertThat(c.withinTolerance()).as("image %s vs reference (max diff %s)", gallery.get(i), c.maxAbsDiff())
                    .isTrue();
            reference = Math.max(reference, c.maxAbsDiff());
        }
        System.out.printf(Locale.ROOT, "spark image embeddings (paths, 3 partitions, batch 5): %d rows, max|diff| vs"
                + " jvm %.3e, vs reference %.3e%n", got.size(), jvm, reference);
        assertThat(jvm).isLessThanOrEqualTo(SAME_AS_JVM);
    }

    @Test
    void imageEmbeddingsFromBinaryFilesEqualTheJvmApi() {
        Dataset<Row> files = spark.read().format("binaryFile")
                .load(SparkTests.demo().resolve("samples/images").toUri().toString() + "/*.png");
        Dataset<Row> out = embedder("image").setInputCol("content").setBatchSize(7).transform(files.repartition(2));
        Map<String, float[]> got = new HashMap<>();
        for (Row r : out.select("path", "embedding", "embedding_error").collectAsList()) {
            assertThat((String) r.getAs("embedding_error")).isNull();
            got.put(Path.of(java.net.URI.create(r.getAs("path"))).getFileName().toString(),
                    SparkTests.vector(r, "embedding"));
        }
        double jvm = 0;
        for (int i = 0; i < gallery.size(); i++) {
            float[] v = got.get(Path.of(gallery.get(i)).getFileName().toString());
            assertThat(v).as(gallery.get(i)).isNotNull();
            jvm = Math.max(jvm, SparkTests.maxAbsDiff(v, jvmImages[i]));
        }
        System.out.printf(Locale.ROOT, "spark image embeddings (binaryFile content): %d rows, max|diff| vs jvm %.3e%n",
                got.size(), jvm);
        assertThat(jvm).isLessThanOrEqualTo(SAME_AS_JVM);
    }

    @Test
    void textEmbeddingsEqualTheJvmApiAndTheReference() {
        Map<String, float[]> got = byKey(sparkTexts, "text");
        assertThat(got).hasSize(queries.size());
        double jvm = 0;
        double reference = 0;
        JsonArray refEmb = ref.getAsJsonArray("text_embeddings");
        for (int j = 0; j < queries.size(); j++) {
            float[] v = got.get(queries.get(j));
            jvm = Math.max(jvm, SparkTests.maxAbsDiff(v, jvmTexts[j]));
            Fixtures.Closeness c = Fixtures.compare(v, SparkTests.floats(refEmb.get(j).getAsJsonArray()), 1e-4, 1e-4);
            assertThat(c.withinTolerance()).as("text %s vs reference (max diff %s)", queries.get(j), c.maxAbsDiff())
                    .isTrue();
            reference = Math.max(reference, c.maxAbsDiff());
        }
        System.out.printf(Locale.ROOT, "spark text embeddings (2 partitions, batch 4): %d rows, max|diff| vs jvm %.3e,"
                + " vs reference %.3e%n", got.size(), jvm, reference);
        assertThat(jvm).isLessThanOrEqualTo(SAME_AS_JVM);
    }

    @Test
    void searchReproducesTheReferenceRankingsBothWays(@TempDir Path tmp) {
        int k = 5;
        String t2i = tmp.resolve("text_to_image.parquet").toString();
        String i2t = tmp.resolve("image_to_text.parquet").toString();
        Beit3Search.topKToParquet(sparkTexts, sparkImages, SearchSpec.of("text", "rel", k), t2i,
                SaveMode.ErrorIfExists);
        Beit3Search.topKToParquet(sparkImages, sparkTexts, SearchSpec.of("rel", "text", k), i2t,
                SaveMode.ErrorIfExists);
        int checked = check(spark.read().parquet(t2i), ref.getAsJsonArray("text_to_image"), "text", "image", k);
        checked += check(spark.read().parquet(i2t), ref.getAsJsonArray("image_to_text"), "image", "text", k);
        System.out.printf(Locale.ROOT, "spark search: text->image %d queries, image->text %d queries, top %d: %d ranks"
                + " equal to the reference%n", queries.size(), gallery.size(), k, checked);
        assertThat(checked).isPositive();
    }

    /** Checks the ranks whose neighbours in the reference are more than 1e-5 apart; returns how many. */
    private static int check(Dataset<Row> result, JsonArray expected, String queryKey, String itemKey, int k) {
        Map<String, List<Row>> got = new HashMap<>();
        for (Row r : result.orderBy("query_index", "rank").collectAsList()) {
            got.computeIfAbsent(r.getAs("query_id"), x -> new ArrayList<>()).add(r);
        }
        assertThat(got).hasSize(expected.size());
        int checked = 0;
        for (JsonElement e : expected) {
            JsonObject q = e.getAsJsonObject();
            String qid = q.get(queryKey).getAsString();
            JsonArray ranking = q.getAsJsonArray("ranking");
            List<Row> rows = got.get(qid);
            assertThat(rows).as(qid).hasSize(Math.min(k, ranking.size()));
            for (int p = 0; p < rows.size(); p++) {
                JsonObject want = ranking.get(p).getAsJsonObject();
                Row have = rows.get(p);
                assertThat((int) have.getAs("rank")).isEqualTo(p + 1);
                boolean decided = want.get("gap_to_next").getAsDouble() > 1e-5
                        && (p == 0 || ranking.get(p - 1).getAsJsonObject().get("gap_to_next").getAsDouble() > 1e-5);
                if (decided) {
                    assertThat((String) have.getAs("id")).as("%s rank %d", qid, p + 1)
                            .isEqualTo(want.get(itemKey).getAsString());
                    assertThat((double) (float) have.getAs("score")).as("%s rank %d score", qid, p + 1)
                            .isCloseTo(want.get("score").getAsDouble(), org.assertj.core.data.Offset.offset(2e-4));
                    checked++;
                }
            }
        }
        return checked;
    }
}
