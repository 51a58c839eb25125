package dev.beit3.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad inputs in a partition become null embeddings with an error message; the other rows are embedded. */
class CorruptImageTest {
    private static SparkSession spark;

    @TempDir
    static Path dir;

    @BeforeAll
    static void images() throws IOException {
        spark = SparkTests.spark();
        List<String> gallery = SparkTests.gallery();
        for (int i = 0; i < 3; i++) {
            Files.copy(SparkTests.sample(gallery.get(i)), dir.resolve("good_" + i + ".png"));
        }
        Files.write(dir.resolve("corrupt.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 13, 10, 0x1a, 10, 1, 2, 3});
        Files.write(dir.resolve("garbage.png"), "not an image at all".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    private static Map<String, Row> byName(Dataset<Row> out, String col) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : out.collectAsList()) {
            String v = r.getAs(col);
            m.put(v == null ? "<null>" : Path.of(v.replace("file:", "")).getFileName().toString(), r);
        }
        return m;
    }

    @Test
    void corruptImagePathsYieldErrorsAndTheOtherRowsAreEmbedded() {
        List<Row> rows = new ArrayList<>();
        for (String f : new String[] {"good_0.png", "corrupt.png", "good_1.png", "garbage.png", "missing.png",
                "good_2.png"}) {
            rows.add(RowFactory.create(dir.resolve(f).toString()));
        }
        rows.add(RowFactory.create((Object) null));
        Dataset<Row> in = spark.createDataFrame(rows, new StructType().add("path", DataTypes.StringType))
                .repartition(1);
        Dataset<Row> out = SparkParityTest.embedder("image").setInputCol("path").setBatchSize(4).transform(in);
        assertThat(out.rdd().getNumPartitions()).isEqualTo(1);
        Map<String, Row> got = byName(out, "path");
        assertThat(got).hasSize(7);
        for (int i = 0; i < 3; i++) {
            Row r = got.get("good_" + i + ".png");
            assertThat((String) r.getAs("embedding_error")).isNull();
            assertThat(SparkTests.vector(r, "embedding")).hasSize(96);
        }
        for (String bad : new String[] {"corrupt.png", "garbage.png", "missing.png"}) {
            Row r = got.get(bad);
            assertThat(SparkTests.vector(r, "embedding")).as(bad).isNull();
            assertThat((String) r.getAs("embedding_error")).as(bad).contains(bad);
            System.out.println("error recorded for " + bad + ": " + r.getAs("embedding_error"));
        }
        assertThat((String) got.get("corrupt.png").getAs("embedding_error")).contains("PNG");
        assertThat((String) got.get("missing.png").getAs("embedding_error")).contains("not found");
        assertThat((String) got.get("<null>").getAs("embedding_error")).contains("null");
    }

    @Test
    void corruptBinaryContentYieldsAnErrorAndTheOtherRowsAreEmbedded() {
        Dataset<Row> files = spark.read().format("binaryFile").load(dir.toUri() + "/*.png").repartition(1);
        Map<String, Row> got = byName(SparkParityTest.embedder("image").setInputCol("content").transform(files)
                .drop("content"), "path");
        assertThat(got).hasSize(5);
        assertThat(got.values().stream().filter(r -> r.getAs("embedding") != null)).hasSize(3);
        assertThat((String) got.get("corrupt.png").getAs("embedding_error")).contains("PNG");
        assertThat((String) got.get("garbage.png").getAs("embedding_error")).contains("not an image");
    }

    @Test
    void misconfigurationsFailOnTheDriverWithTheReason() {
        Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create("x")),
                new StructType().add("path", DataTypes.StringType));
        assertThatThrownBy(() -> SparkParityTest.embedder("image").setInputCol("image").transform(in))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("'image' is not among the columns");
        assertThatThrownBy(() -> new Beit3Embedder().setInputCol("path").transform(in))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("no model given");
        assertThatThrownBy(() -> SparkParityTest.embedder("image").setInputCol("path").setOutputCol("path")
                .transform(in)).hasMessageContaining("exists already");
    }

    @Test
    void aNonRetrievalModelFailsTheJobWithTheReason() {
        Dataset<Row> in = spark.createDataFrame(List.of(RowFactory.create("a red circle")),
                new StructType().add("text", DataTypes.StringType));
        assertThatThrownBy(() -> SparkParityTest.embedder("text").setTask("vqa").setInputCol("text").transform(in)
                .collectAsList()).hasStackTraceContaining("embeddings need the retrieval head");
    }
}
