package dev.beit3.index;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Incremental adds: unchanged files skipped, changed ones replaced, gone ones pruned; counts and hashes. */
class IncrementalAddTest {
    private static Map<String, String> hashesOnDisk(List<Path> files) throws IOException {
        Map<String, String> m = new TreeMap<>();
        for (Path f : files) {
            if (Files.exists(f)) {
                m.put(f.toAbsolutePath().normalize().toString(), Indexer.sha256(Files.readAllBytes(f)));
            }
        }
        return m;
    }

    @Test
    void skipsUnchangedReplacesChangedPrunesGone(@TempDir Path tmp) throws IOException {
        List<Path> files = Demo.copySamples(tmp.resolve("images"));
        Path dir = tmp.resolve("idx");
        Indexer.Options o = new Indexer.Options(5, 2, 4, false);
        try (Beit3Index idx = Beit3Index.open(dir, Demo.retrieval())) {
            Indexer.Report first = Indexer.addImages(idx, files, o, null);
            assertThat(first).isEqualTo(new Indexer.Report(12, 0, 0, 0, List.of()));
            assertThat(new TreeMap<>(idx.contentHashes(IndexDocument.Modality.IMAGE))).isEqualTo(hashesOnDisk(files));

            Indexer.Report again = Indexer.addImages(idx, files, o, null);
            assertThat(again).isEqualTo(new Indexer.Report(0, 0, 12, 0, List.of()));
            assertThat(idx.stats().documents()).isEqualTo(12);

            // sample_03 now holds sample_00's picture: replaced, and found as sample_00 is
            Files.copy(files.get(0), files.get(3), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Indexer.Report changed = Indexer.addImages(idx, files, o, null);
            assertThat(changed).isEqualTo(new Indexer.Report(0, 1, 11, 0, List.of()));
            assertThat(idx.stats().documents()).isEqualTo(12);
            Map<String, String> stored = idx.contentHashes(IndexDocument.Modality.IMAGE);
            assertThat(new TreeMap<>(stored)).isEqualTo(hashesOnDisk(files));
            assertThat(stored.get(id(files.get(3)))).isEqualTo(stored.get(id(files.get(0))));
            List<Hit> self = idx.searchImage(files.get(0), 2, SearchOptions.DEFAULT);
            assertThat(self).extracting(Hit::id).containsExactlyInAnyOrder(id(files.get(0)), id(files.get(3)));

            // two files gone: --prune deletes exactly those
            Files.delete(files.get(5));
            Files.delete(files.get(7));
            List<Path> left = files.stream().filter(Files::exists).toList();
            Indexer.Report pruned = Indexer.addImages(idx, left, new Indexer.Options(5, 2, 4, true), null);
            assertThat(pruned).isEqualTo(new Indexer.Report(0, 0, 10, 2, List.of()));
            assertThat(idx.stats().documents()).isEqualTo(10);
            assertThat(new TreeMap<>(idx.contentHashes(null))).isEqualTo(hashesOnDisk(files));
        }
        // durable: a fresh open sees the same
        IndexStats s = Beit3Index.stats(dir);
        assertThat(s.documents()).isEqualTo(10);
        assertThat(s.images()).isEqualTo(10);
        assertThat(s.model()).isEqualTo(IndexModel.of(Demo.retrieval()));
        assertThat(Beit3Index.verify(dir).ok()).isTrue();
    }

    @Test
    void anUnreadableFileIsReportedAndTheOthersAdded(@TempDir Path tmp) throws IOException {
        List<Path> files = new java.util.ArrayList<>(Demo.copySamples(tmp.resolve("images")).subList(0, 3));
        Path bad = tmp.resolve("images/broken.png");
        Files.write(bad, new byte[] {1, 2, 3, 4});
        files.add(1, bad);
        try (Beit3Index idx = Beit3Index.open(tmp.resolve("idx"), Demo.retrieval())) {
            Indexer.Report r = Indexer.addImages(idx, files, Indexer.Options.DEFAULT, null);
            assertThat(r.added()).isEqualTo(3);
            assertThat(r.failures()).singleElement().asString().contains("broken.png");
            assertThat(idx.stats().documents()).isEqualTo(3);
        }
    }

    private static String id(Path p) {
        return p.toAbsolutePath().normalize().toString();
    }
}
