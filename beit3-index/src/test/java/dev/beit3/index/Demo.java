package dev.beit3.index;

import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

/** The project's own demo models (models/demo) and synthetic vectors for the index tests. */
final class Demo {
    private static Beit3 retrieval;

    private Demo() {}

    /** The repository's models/demo (tests run in the module folder). */
    static Path dir() {
        Path p = Path.of("..", "models", "demo").toAbsolutePath().normalize();
        if (!Files.isRegularFile(p.resolve("models.json"))) {
            throw new IllegalStateException("the project's models/demo is missing at " + p);
        }
        return p;
    }

    static synchronized Beit3 retrieval() {
        if (retrieval == null) {
            retrieval = ModelPackage.open(dir()).builder("retrieval").build();
        }
        return retrieval;
    }

    static List<Path> sampleImages() {
        try (Stream<Path> s = Files.list(dir().resolve("samples/images"))) {
            return s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Copies the sample images into a folder (so tests may change them). */
    static List<Path> copySamples(Path to) throws IOException {
        Files.createDirectories(to);
        for (Path p : sampleImages()) {
            Files.copy(p, to.resolve(p.getFileName()));
        }
        try (Stream<Path> s = Files.list(to)) {
            return s.sorted().toList();
        }
    }

    /** n random unit vectors of width dim. */
    static float[][] unitVectors(int n, int dim, long seed) {
        Random r = new Random(seed);
        float[][] v = new float[n][dim];
        for (float[] x : v) {
            double s = 0;
            for (int j = 0; j < dim; j++) {
                x[j] = (float) r.nextGaussian();
                s += x[j] * x[j];
            }
            float inv = (float) (1 / Math.sqrt(s));
            for (int j = 0; j < dim; j++) {
                x[j] *= inv;
            }
        }
        return v;
    }

    static IndexModel syntheticModel(int dim) {
        return new IndexModel("0".repeat(64), "retrieval", 224, dim, "synthetic test vectors");
    }
}
