package dev.beit3.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Searches running while one writer adds and replaces documents see consistent, real-time results. */
class ConcurrencyTest {
    private static final int DIM = 32;
    private static final int DOCS = 1500;

    @Test
    void searchesDuringWritesAreConsistent(@TempDir Path tmp) throws Exception {
        float[][] v1 = Demo.unitVectors(DOCS, DIM, 1);
        float[][] v2 = Demo.unitVectors(DOCS, DIM, 2); // replacements of every 10th document
        AtomicInteger added = new AtomicInteger(); // documents whose add has returned
        AtomicInteger started = new AtomicInteger(); // documents whose add has begun (one may be in flight)
        AtomicBoolean writing = new AtomicBoolean(true);
        try (Beit3Index idx = Beit3Index.open(tmp.resolve("idx"), Demo.syntheticModel(DIM), IndexConfig.DEFAULT)) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            Future<?> writer = pool.submit(() -> {
                for (int i = 0; i < DOCS; i++) {
                    started.set(i + 1);
                    idx.add(doc(i, v1[i]));
                    if (i % 10 == 0 && i > 0) {
                        idx.add(doc(i - 10, v2[i - 10]));
                    }
                    added.set(i + 1);
                    if (i % 250 == 249) {
                        idx.commit();
                    }
                }
                writing.set(false);
                return null;
            });
            List<Future<Integer>> searchers = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                long seed = t;
                searchers.add(pool.submit(() -> {
                    Random r = new Random(seed);
                    int searches = 0;
                    int lastCount = 0;
                    while (writing.get() || searches < 50) {
                        int before = added.get();
                        float[] q = Demo.unitVectors(1, DIM, r.nextLong())[0];
                        List<Hit> hits = idx.search(q, 10, SearchOptions.DEFAULT);
                        int after = started.get();
                        Set<String> ids = new HashSet<>();
                        for (Hit h : hits) {
                            int id = Integer.parseInt(h.id());
                            assertThat(ids.add(h.id())).as("a document appears once, even while replaced").isTrue();
                            assertThat(id).as("no document the writer has not added").isLessThan(after);
                            float s1 = Beit3Index.dot(q, v1[id]);
                            float s2 = Beit3Index.dot(q, v2[id]);
                            assertThat(Math.min(Math.abs(h.score() - s1), Math.abs(h.score() - s2)))
                                    .as("the score is that of a vector the writer stored").isLessThan(1e-5f);
                        }
                        // near-real-time: everything added before the search started is visible
                        int count = idx.stats().documents();
                        assertThat(count).isGreaterThanOrEqualTo(Math.max(before, lastCount)).isLessThanOrEqualTo(
                                started.get());
                        assertThat(hits.size()).isGreaterThanOrEqualTo(Math.min(10, before));
                        lastCount = count;
                        searches++;
                    }
                    return searches;
                }));
            }
            writer.get(5, TimeUnit.MINUTES);
            int total = 0;
            for (Future<Integer> f : searchers) {
                total += f.get(5, TimeUnit.MINUTES);
            }
            pool.shutdown();
            System.out.printf("%d searches from 3 threads during %d adds and %d replacements: all consistent%n", total,
                    DOCS, DOCS / 10 - 1);
            assertThat(idx.stats().documents()).isEqualTo(DOCS);
            // after the writes: each replaced document is found by its new vector, each other by its first one
            int self = 0;
            for (int i = 0; i < DOCS; i++) {
                float[] q = i % 10 == 0 && i < DOCS - 10 ? v2[i] : v1[i];
                List<Hit> top = idx.search(q, 1, SearchOptions.DEFAULT.exact(true));
                self += top.get(0).id().equals(Integer.toString(i)) ? 1 : 0;
            }
            assertThat(self).isGreaterThanOrEqualTo(DOCS * 99 / 100);
        }
    }

    @Test
    void oneWriterPerIndex(@TempDir Path tmp) {
        Path dir = tmp.resolve("idx");
        try (Beit3Index idx = Beit3Index.open(dir, Demo.syntheticModel(DIM), IndexConfig.DEFAULT)) {
            idx.add(doc(0, Demo.unitVectors(1, DIM, 3)[0]));
            assertThatThrownBy(() -> Beit3Index.open(dir, Demo.syntheticModel(DIM), IndexConfig.DEFAULT))
                    .isInstanceOf(IndexLockedException.class).hasMessageContaining("pid " + ProcessHandle.current().pid());
            try (Beit3Index ro = Beit3Index.openReadOnly(dir, Demo.syntheticModel(DIM))) {
                assertThat(ro.stats().documents()).isZero(); // the add is not committed yet
                idx.commit();
                ro.refresh();
                assertThat(ro.stats().documents()).isEqualTo(1);
                assertThatThrownBy(() -> ro.add(doc(1, Demo.unitVectors(1, DIM, 4)[0])))
                        .hasMessageContaining("read-only");
            }
        }
        try (Beit3Index again = Beit3Index.open(dir, Demo.syntheticModel(DIM), IndexConfig.DEFAULT)) {
            assertThat(again.stats().documents()).isEqualTo(1);
        }
    }

    private static IndexDocument doc(int i, float[] v) {
        return new IndexDocument(Integer.toString(i), "h" + i, IndexDocument.Modality.IMAGE, null, v);
    }
}
