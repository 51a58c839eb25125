package dev.beit3.index;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.model.Beit3;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The index returns what {@code beit3 search} (brute force over freshly embedded images) returns: the same
 * documents in the same order with the same scores, text → image, image → image and image → text.
 */
class DemoSearchTest {
    private static final List<String> QUERIES = List.of("a red circle", "two circles", "a blue square on the left",
            "a large green triangle on the right", "a small yellow circle at the top");
    private static final List<String> TEXTS = List.of("a red square and a blue circle", "a red circle",
            "a blue square on the left", "two triangles", "a large purple square at the bottom");

    /** Brute force as SearchCommand ranks: by decreasing score, ties by input order. */
    private static List<Integer> bruteForce(float[] scores) {
        return IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.comparingDouble((Integer i) -> -scores[i]).thenComparing(i -> i)).toList();
    }

    @Test
    void textToImageRanksAsBruteForceSearch(@TempDir Path tmp) {
        Beit3 m = Demo.retrieval();
        List<Path> files = Demo.sampleImages();
        float[][] images = m.embedImages(files.stream().map(m::readImage).toList());
        try (Beit3Index idx = Beit3Index.open(tmp.resolve("idx"), m)) {
            Indexer.Report r = Indexer.addImages(idx, files, Indexer.Options.DEFAULT, null);
            assertThat(r.added()).isEqualTo(files.size());
            for (String q : QUERIES) {
                float[] s = column(Beit3.similarity(images, m.embedTexts(List.of(q))));
                List<Integer> want = bruteForce(s);
                for (boolean exact : new boolean[] {false, true}) {
                    List<Hit> hits = idx.searchText(q, files.size(), SearchOptions.DEFAULT.exact(exact));
                    assertThat(hits).hasSize(files.size());
                    double maxDiff = 0;
                    for (int i = 0; i < hits.size(); i++) {
                        Path expected = files.get(want.get(i)).toAbsolutePath().normalize();
                        assertThat(hits.get(i).id()).as("%s rank %d", q, i + 1).isEqualTo(expected.toString());
                        maxDiff = Math.max(maxDiff, Math.abs(hits.get(i).score() - s[want.get(i)]));
                    }
                    assertThat(maxDiff).isLessThan(1e-5);
                    System.out.printf(Locale.ROOT, "text->image %-38s exact=%-5s top %s %.4f, order of all %d equal,"
                            + " max score diff %.2e%n", '"' + q + '"', exact,
                            Path.of(hits.get(0).id()).getFileName(), hits.get(0).score(), hits.size(), maxDiff);
                }
            }
        }
    }

    @Test
    void imageToImageAndImageToText(@TempDir Path tmp) {
        Beit3 m = Demo.retrieval();
        List<Path> files = Demo.sampleImages();
        try (Beit3Index idx = Beit3Index.open(tmp.resolve("idx"), m)) {
            Indexer.addImages(idx, files, Indexer.Options.DEFAULT, null);
            Indexer.addTexts(idx, TEXTS, Indexer.Options.DEFAULT, null);
            assertThat(idx.stats().images()).isEqualTo(files.size());
            assertThat(idx.stats().texts()).isEqualTo(TEXTS.size());
            Path query = files.get(6);
            // image -> image: the image itself first, at cosine 1
            List<Hit> same = idx.searchImage(query, 3, SearchOptions.DEFAULT.only(IndexDocument.Modality.IMAGE));
            assertThat(same.get(0).id()).isEqualTo(query.toAbsolutePath().normalize().toString());
            assertThat(same.get(0).score()).isCloseTo(1f, org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(same).allMatch(h -> h.modality() == IndexDocument.Modality.IMAGE);
            // image -> text: as `beit3 search --image FILE --texts ...`
            float[] s = Beit3.similarity(m.embedImages(List.of(m.readImage(query))),
                    m.embedTexts(TEXTS))[0];
            List<Integer> want = bruteForce(s);
            List<Hit> hits = idx.searchImage(query, TEXTS.size(),
                    SearchOptions.DEFAULT.only(IndexDocument.Modality.TEXT));
            double maxDiff = 0;
            for (int i = 0; i < hits.size(); i++) {
                assertThat(hits.get(i).id()).isEqualTo(TEXTS.get(want.get(i)));
                assertThat(hits.get(i).text()).isEqualTo(TEXTS.get(want.get(i)));
                maxDiff = Math.max(maxDiff, Math.abs(hits.get(i).score() - s[want.get(i)]));
            }
            assertThat(hits).hasSize(TEXTS.size());
            assertThat(maxDiff).isLessThan(1e-5);
            System.out.printf(Locale.ROOT, "image->text %s: top \"%s\" %.4f, order of all %d equal, max diff %.2e%n",
                    query.getFileName(), hits.get(0).text(), hits.get(0).score(), hits.size(), maxDiff);
        }
    }

    private static float[] column(float[][] s) {
        float[] c = new float[s.length];
        for (int i = 0; i < s.length; i++) {
            c[i] = s[i][0];
        }
        return c;
    }
}
