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
        long pictures;
        try (java.util.stream.Stream<Path> s = Files.list(SparkTests.demo().resolve("samples/images"))) {
            pictures = s.filter(p -> p.getFileName().toString().endsWith(".png")).count();
        }
        int queries = SparkTests.queries().size();
        assertThat(run(spark, "embed-images", "--package", pkg, "--input",
                SparkTests.demo().resolve("samples/images").toString(), "--glob", "*.png", "--output", imgs,
                "--partitions", "2", "--batch-size", "8")).contains(pictures + " rows, 0 errors");
        assertThat(run(spark, "embed-texts", "--package", pkg, "--input", texts.toString(), "--output", txts))
                .contains(queries + " rows, 0 errors");
        assertThat(run(spark, "search", "--queries", txts, "--query-id", "text", "--table", imgs, "--id", "path",
                "--k", "1", "--output", hits)).contains("top 1 for " + queries + " queries");
        // every query retrieves the reference's first image (on the public demo: each of the 12 captions its own
        // image, demo README 12/12), except where the reference's first two are a float tie
        List<Row> rows = spark.read().parquet(hits).orderBy("query_index").collectAsList();
        int checked = 0;
        for (var e : SparkTests.retrievalReference().getAsJsonArray("text_to_image")) {
            String query = e.getAsJsonObject().get("text").getAsString();
            var first = e.getAsJsonObject().getAsJsonArray("ranking").get(0).getAsJsonObject();
            if (first.get("gap_to_next").getAsDouble() <= 1e-4) {
                continue;
            }
            Row r = rows.stream().filter(x -> x.getString(x.fieldIndex("query_id")).equals(query))
                    .findFirst().orElseThrow();
            assertThat(r.getString(r.fieldIndex("id"))).as(query)
                    .endsWith(Path.of(first.get("image").getAsString()).getFileName().toString());
            checked++;
        }
        assertThat(checked).isGreaterThanOrEqualTo(SparkTests.gallery().size());
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
