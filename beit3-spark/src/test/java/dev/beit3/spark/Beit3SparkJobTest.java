package dev.beit3.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spark-submit entry point end to end: embed images, embed texts, search, on the demo samples. */
class Beit3SparkJobTest {
    private static String run(SparkSession spark, String... args) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Beit3SparkJob.run(Beit3SparkJob.parse(args), spark, new PrintStream(buf, true, StandardCharsets.UTF_8));
        String s = buf.toString(StandardCharsets.UTF_8);
        System.out.print(s);
        return s;
    }

    @Test
    void embedImagesEmbedTextsAndSearchWriteParquet(@TempDir Path tmp) throws IOException {
        SparkSession spark = SparkTests.spark();
        String pkg = SparkTests.demo().toString();
        Path texts = tmp.resolve("texts.txt");
        Files.write(texts, SparkTests.queries(), StandardCharsets.UTF_8);
        String imgs = tmp.resolve("images").toString();
        String txts = tmp.resolve("texts").toString();
        String hits = tmp.resolve("hits").toString();
        assertThat(run(spark, "embed-images", "--package", pkg, "--input",
                SparkTests.demo().resolve("samples/images").toString(), "--glob", "*.png", "--output", imgs,
                "--partitions", "2", "--batch-size", "8")).contains("12 rows, 0 errors");
        assertThat(run(spark, "embed-texts", "--package", pkg, "--input", texts.toString(), "--output", txts))
                .contains("20 rows, 0 errors");
        assertThat(run(spark, "search", "--queries", txts, "--query-id", "text", "--table", imgs, "--id", "path",
                "--k", "1", "--output", hits)).contains("top 1 for 20 queries");
        // each of the 12 captions retrieves its own image first (demo README: 12/12)
        List<Row> rows = spark.read().parquet(hits).orderBy("query_index").collectAsList();
        List<String> q = SparkTests.queries();
        List<String> g = SparkTests.gallery();
        for (int i = 0; i < g.size(); i++) {
            String query = q.get(i);
            Row r = rows.stream().filter(x -> x.getString(x.fieldIndex("query_id")).equals(query))
                    .findFirst().orElseThrow();
            assertThat(r.getString(r.fieldIndex("id"))).endsWith(Path.of(g.get(i)).getFileName().toString());
        }
    }

    @Test
    void wrongArgumentsAreExplained() {
        assertThatThrownBy(() -> Beit3SparkJob.parse(new String[0])).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Beit3SparkJob.parse(new String[] {"search", "--k"}))
                .hasMessageContaining("--k needs a value");
        assertThatThrownBy(() -> Beit3SparkJob.run(Beit3SparkJob.parse(new String[] {"embed-texts", "--input", "x",
                "--output", "y"}), SparkTests.spark(), System.out)).hasMessageContaining("no model given");
        assertThatThrownBy(() -> Beit3SparkJob.run(Beit3SparkJob.parse(new String[] {"frobnicate"}),
                SparkTests.spark(), System.out)).hasMessageContaining("unknown command");
    }
}
