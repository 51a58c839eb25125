package dev.beit3.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Scalar-quantized indexes: approximate graph scores, exact scores after re-ranking, settings kept on reopen. */
class QuantizedIndexTest {
    private static final int DIM = 64;
    private static final int DOCS = 400;

    @ParameterizedTest
    @ValueSource(ints = {7, 4})
    void exactReRankingRestoresFloatScores(int bits, @TempDir Path tmp) {
        float[][] v = Demo.unitVectors(DOCS, DIM, 11);
        Path dir = tmp.resolve("q" + bits);
        try (Beit3Index idx = Beit3Index.open(dir, Demo.syntheticModel(DIM), IndexConfig.DEFAULT.withQuantization(bits))) {
            for (int i = 0; i < DOCS; i++) {
                idx.add(new IndexDocument(Integer.toString(i), "h", IndexDocument.Modality.IMAGE, null, v[i]));
            }
            idx.commit();
            double worstGraph = 0;
            int selfFirst = 0;
            for (int i = 0; i < DOCS; i += 10) {
                Hit approx = idx.search(v[i], 1, SearchOptions.DEFAULT).get(0);
                Hit exact = idx.search(v[i], 1, SearchOptions.DEFAULT.exact(true)).get(0);
                float truth = Beit3Index.dot(v[i], v[Integer.parseInt(approx.id())]);
                worstGraph = Math.max(worstGraph, Math.abs(approx.score() - truth));
                selfFirst += exact.id().equals(Integer.toString(i)) ? 1 : 0;
                assertThat(Math.abs(exact.score() - Beit3Index.dot(v[i], v[Integer.parseInt(exact.id())])))
                        .isLessThan(1e-6f);
            }
            System.out.printf(Locale.ROOT, "int%d: graph scores within %.4f of the exact dot product; exact re-ranking"
                    + " puts the query's own document first in %d of %d%n", bits, worstGraph, selfFirst, DOCS / 10);
            assertThat(selfFirst).isEqualTo(DOCS / 10);
            assertThat(worstGraph).isLessThan(bits == 7 ? 0.05 : 0.1);
        }
        assertThat(Beit3Index.stats(dir).config().quantizationBits()).isEqualTo(bits);
        // reopened with other settings, the index keeps its own
        try (Beit3Index again = Beit3Index.open(dir, Demo.syntheticModel(DIM), IndexConfig.DEFAULT)) {
            assertThat(again.config().quantizationBits()).isEqualTo(bits);
        }
        assertThat(Beit3Index.verify(dir).ok()).isTrue();
    }

    @Test
    void recallAgainstBruteForceOnASmallSet(@TempDir Path tmp) {
        IndexBench.Settings s = new IndexBench.Settings(2000, DIM, 50, 10, List.of(100), List.of(0), 16, 100, 20, 1.0,
                7, tmp);
        List<IndexBench.Result> r = IndexBench.run(s, l -> { }, b -> { }, x -> { });
        double recall = r.get(0).queries().get(0).recall();
        System.out.printf(Locale.ROOT, "2,000 clustered vectors of width %d: recall@10 %.4f at 100 candidates%n", DIM,
                recall);
        assertThat(recall).isGreaterThanOrEqualTo(0.98);
    }
}
