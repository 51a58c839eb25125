package dev.beit3.index.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import dev.beit3.index.Beit3Index;
import dev.beit3.index.Hit;
import dev.beit3.index.IndexDocument;
import dev.beit3.index.SearchOptions;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The beit3-spark job's embedding Parquet (testdata/spark-embeddings, written by the job itself) imports into an
 * index, and the imported vectors search as the Java model's own embeddings do.
 */
class ParquetImportTest {
    private static final Path DATA = Path.of("..", "testdata", "spark-embeddings").toAbsolutePath().normalize();
    private static final Path DEMO = Path.of("..", "models", "demo").toAbsolutePath().normalize();
    private static Beit3 model;

    @BeforeAll
    static void load() {
        model = ModelPackage.open(DEMO).builder("retrieval").build();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static List<Path> samples() throws IOException {
        try (Stream<Path> s = Files.list(DEMO.resolve("samples/images"))) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
    }

    private static String name(String id) {
        return id.substring(id.lastIndexOf('/') + 1);
    }

    @Test
    void sparkEmbeddingsImportAndSearchAsTheJavaModelsDo(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("idx");
        List<Path> files = samples();
        List<String> captions = Files.readAllLines(DATA.resolve("captions.txt"), StandardCharsets.UTF_8);
        try (Beit3Index idx = Beit3Index.open(dir, model)) {
            ParquetImport.Report images = ParquetImport.importInto(idx, DATA.resolve("images"), 5);
            assertThat(images.files()).hasSize(2);
            assertThat(images.rows()).isEqualTo(files.size());
            assertThat(images.added()).isEqualTo(files.size());
            assertThat(images.errors()).isZero();
            ParquetImport.Report texts = ParquetImport.importInto(idx, DATA.resolve("texts"), 1000);
            assertThat(texts.added()).isEqualTo(captions.size());
            assertThat(idx.stats().images()).isEqualTo(files.size());
            assertThat(idx.stats().texts()).isEqualTo(captions.size());

            // each image's Java embedding finds its Spark-made vector first, at cosine 1 (Spark = Java within 1e-5)
            float[][] java = model.embedImages(files.stream().map(model::readImage).toList());
            double worst = 0;
            for (int i = 0; i < files.size(); i++) {
                List<Hit> top = idx.search(java[i], 1, SearchOptions.DEFAULT.only(IndexDocument.Modality.IMAGE)
                        .exact(true));
                assertThat(name(top.get(0).id())).isEqualTo(files.get(i).getFileName().toString());
                worst = Math.max(worst, 1 - top.get(0).score());
            }
            assertThat(worst).isLessThan(1e-5);
            // text -> image over the imported vectors ranks as brute force over the Java embeddings
            float[] q = model.embedTexts(List.of("a red circle"))[0];
            float[] s = new float[files.size()];
            for (int i = 0; i < s.length; i++) {
                float d = 0;
                for (int j = 0; j < q.length; j++) {
                    d += q[j] * java[i][j];
                }
                s[i] = d;
            }
            List<String> want = IntStream.range(0, s.length).boxed()
                    .sorted(Comparator.comparingDouble((Integer i) -> -s[i]).thenComparing(i -> i))
                    .map(i -> files.get(i).getFileName().toString()).toList();
            List<String> got = idx.searchText("a red circle", files.size(), SearchOptions.DEFAULT).stream()
                    .map(h -> name(h.id())).toList();
            assertThat(got).isEqualTo(want);
            // image -> text: a sample finds its own caption
            List<Hit> cap = idx.searchImage(files.get(2), 1, SearchOptions.DEFAULT.only(IndexDocument.Modality.TEXT));
            assertThat(cap.get(0).text()).isEqualTo(captions.get(2));
            System.out.printf(Locale.ROOT, "imported %d Spark image rows (2 part files) and %d text rows; each"
                    + " image's own vector first, 1 - cosine <= %.1e; \"a red circle\" order = brute force (top %s)%n",
                    images.rows(), texts.rows(), worst, got.get(0));

            // importing again changes nothing for texts (same id, same hash)
            assertThat(ParquetImport.importInto(idx, DATA.resolve("texts"), 1000).unchanged())
                    .isEqualTo(captions.size());
        }
        assertThat(Beit3Index.verify(dir).ok()).isTrue();
    }

    @Test
    void inputsThatAreNotTheJobsOutputAreRefused(@TempDir Path tmp) throws IOException {
        try (Beit3Index idx = Beit3Index.open(tmp.resolve("idx"), model)) {
            assertThatThrownBy(() -> ParquetImport.importInto(idx, tmp.resolve("missing"), 10))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("not found");
            Path empty = Files.createDirectories(tmp.resolve("empty"));
            assertThatThrownBy(() -> ParquetImport.importInto(idx, empty, 10))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("holds no .parquet files");
            Path junk = Files.writeString(tmp.resolve("junk.parquet"), "not parquet");
            assertThatThrownBy(() -> ParquetImport.importInto(idx, junk, 10))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("cannot read");
        }
    }
}
