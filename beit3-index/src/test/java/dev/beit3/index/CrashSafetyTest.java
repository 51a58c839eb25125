package dev.beit3.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A writer in a child JVM is killed with SIGKILL in the middle of an add: the index still opens, passes
 * CheckIndex, holds every document of the last commit it reported, and a re-run completes the rest. While the
 * child lives, a second writer is refused with the fix, and read-only searching works.
 */
class CrashSafetyTest {
    private static final int FILES = 240;

    @Test
    void sigkilledWriterLeavesASoundIndexThatResumes(@TempDir Path tmp) throws Exception {
        List<Path> samples = Demo.sampleImages();
        Path images = Files.createDirectories(tmp.resolve("images"));
        for (int i = 0; i < FILES; i++) {
            Files.copy(samples.get(i % samples.size()), images.resolve(String.format("img_%03d.png", i)));
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(images)) {
            files = s.sorted().toList();
        }
        Path index = tmp.resolve("idx");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        Process child = new ProcessBuilder(java.toString(), "-cp", cp, "-Xmx512m", "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                CrashWriter.class.getName(), index.toString(), images.toString(), "20", "10")
                .redirectErrorStream(true).start();
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread pump = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l = r.readLine(); l != null; l = r.readLine()) {
                    lines.add(l);
                }
            } catch (IOException e) {
                // the child died
            }
            lines.add("<eof>");
        });
        pump.start();
        List<String> seen = new ArrayList<>();
        int commits = 0;
        try {
            while (commits < 3) {
                String l = lines.poll(120, TimeUnit.SECONDS);
                assertThat(l).as("child output so far: %s", seen).isNotNull().isNotEqualTo("<eof>");
                seen.add(l);
                if (l.equals("open")) {
                    // a live writer holds the lock: a second one is refused, naming the holder and the fix
                    assertThatThrownBy(() -> Beit3Index.open(index, Demo.retrieval()))
                            .isInstanceOf(IndexLockedException.class)
                            .hasMessageContaining("pid " + child.pid())
                            .hasMessageContaining("Wait for that `beit3 index add` to finish or stop it");
                    assertThatThrownBy(() -> Beit3Index.verify(index)).isInstanceOf(IndexLockedException.class);
                }
                if (l.startsWith("committed")) {
                    commits++;
                }
            }
            // readers need no lock: the last commit is searchable while the writer runs
            try (Beit3Index ro = Beit3Index.openReadOnly(index, Demo.retrieval())) {
                assertThat(ro.stats().documents()).isGreaterThanOrEqualTo(40);
            }
            assertThat(child.isAlive()).as("the child must still be writing when it is killed").isTrue();
        } finally {
            child.destroyForcibly(); // SIGKILL on Linux
            child.waitFor(60, TimeUnit.SECONDS);
            pump.join(10_000);
        }
        lines.drainTo(seen);
        assertThat(seen).doesNotContain("done");
        int lastCommitted = seen.stream().filter(l -> l.startsWith("committed "))
                .mapToInt(l -> Integer.parseInt(l.substring(10))).max().orElseThrow();
        assertThat(Files.exists(index.resolve("write.lock"))).as("the dead writer's write.lock file stays").isTrue();

        VerifyReport v = Beit3Index.verify(index);
        assertThat(v.problems()).isEmpty();
        assertThat(v.checkIndexClean()).isTrue();
        IndexStats after = Beit3Index.stats(index);
        System.out.printf("killed after 'committed %d': index opens, CheckIndex clean, %d documents, %d vectors"
                + " checked (max norm error %.2e)%n", lastCommitted, after.documents(), v.vectorsChecked(),
                v.maxNormError());
        assertThat(after.documents()).isBetween(lastCommitted, FILES - 1);
        try (Beit3Index idx = Beit3Index.open(index, Demo.retrieval())) {
            Map<String, String> stored = idx.contentHashes(IndexDocument.Modality.IMAGE);
            for (Path f : files.subList(0, lastCommitted)) {
                assertThat(stored.get(f.toAbsolutePath().normalize().toString()))
                        .isEqualTo(Indexer.sha256(Files.readAllBytes(f)));
            }
            Indexer.Report resumed = Indexer.addImages(idx, files, Indexer.Options.DEFAULT, null);
            assertThat(resumed.unchanged()).isEqualTo(after.documents());
            assertThat(resumed.added()).isEqualTo(FILES - after.documents());
            assertThat(idx.stats().documents()).isEqualTo(FILES);
        }
        assertThat(Beit3Index.verify(index).ok()).isTrue();
        assertThat(Beit3Index.stats(index).documents()).isEqualTo(FILES);
    }
}
