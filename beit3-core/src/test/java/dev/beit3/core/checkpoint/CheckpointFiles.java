package dev.beit3.core.checkpoint;

import dev.beit3.core.testing.Fixtures;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Test helper: every {@code *.pth}/{@code *.pt} under the fixture root. */
final class CheckpointFiles {
    private CheckpointFiles() {}

    static List<Path> all() {
        try (Stream<Path> s = Files.walk(Fixtures.root())) {
            return s.filter(Files::isRegularFile)
                    .filter(p -> p.getFileName().toString().endsWith(".pth") || p.getFileName().toString().endsWith(".pt"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The {@code <name>.checkpoint.json} next to a checkpoint, if present. */
    static Path manifest(Path checkpoint) {
        String n = checkpoint.getFileName().toString();
        return checkpoint.resolveSibling(n.substring(0, n.lastIndexOf('.')) + ".checkpoint.json");
    }

    static String baseName(Path checkpoint) {
        String n = checkpoint.getFileName().toString();
        return n.substring(0, n.lastIndexOf('.'));
    }
}
