package dev.beit3.index;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * The child JVM of {@link CrashSafetyTest}: adds a folder of images with frequent commits, slowly, printing
 * {@code open}, {@code committed N} after each commit, and {@code done}.
 */
final class CrashWriter {
    private CrashWriter() {}

    public static void main(String[] args) throws IOException {
        Path index = Path.of(args[0]);
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(args[1]))) {
            files = s.sorted().toList();
        }
        int commitEvery = Integer.parseInt(args[2]);
        long sleepMs = Long.parseLong(args[3]);
        try (Beit3Index idx = Beit3Index.open(index, Demo.retrieval())) {
            System.out.println("open");
            System.out.flush();
            Indexer.addImages(idx, files, new Indexer.Options(8, 1, commitEvery, false), new Indexer.Listener() {
                @Override
                public void progress(int done, int total) {
                    try {
                        Thread.sleep(sleepMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }

                @Override
                public void committed(int changes) {
                    System.out.println("committed " + changes);
                    System.out.flush();
                }
            });
        }
        System.out.println("done");
        System.out.flush();
    }
}
