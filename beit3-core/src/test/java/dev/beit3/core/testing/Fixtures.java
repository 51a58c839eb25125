package dev.beit3.core.testing;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.beit3.core.io.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Locates the fixture directories for parity tests.
 *
 * <ul>
 *   <li>{@code beit3.fixtures}: the BEiT-3/VLMo fixture set (default: the project's copy in {@code testdata/fixtures});
 *   <li>{@code beit3.demo}: the embedded demo models (default {@code models/demo});
 *   <li>{@code beit3.shared.fixtures}: the shared set holding the third-party {@code tokenizer/beit3.spm}
 *       that is never committed.
 * </ul>
 */
public final class Fixtures {
    private Fixtures() {}

    /** @return the fixture root named by {@code -Dbeit3.fixtures} */
    public static Path root() {
        return dir("beit3.fixtures", "testdata/fixtures");
    }

    /**
     * A folder of the project's own test data, {@code testdata/<name>} (goldens made by the scripts next to
     * them), found upwards from the working directory.
     *
     * @param name the folder under {@code testdata}
     * @return the directory
     */
    public static Path testdata(String name) {
        return dir("beit3.testdata." + name, "testdata/" + name);
    }

    /** @return the demo model directory named by {@code -Dbeit3.demo} */
    public static Path demo() {
        return dir("beit3.demo", "models/demo");
    }

    /**
     * The project's own copy of the fixtures, {@code testdata/fixtures}, whatever {@code -Dbeit3.fixtures} says:
     * for tests that need a particular file (a known image to truncate, a known tokenizer) rather than parity
     * against the set under test.
     *
     * @return the directory
     */
    public static Path projectFixtures() {
        return own("testdata/fixtures");
    }

    /**
     * The project's own demo models, {@code models/demo}, whatever {@code -Dbeit3.demo} says: for tests that
     * need particular demo files (a checkpoint to train from, a tokenizer) rather than parity against the demo set.
     *
     * @return the directory
     */
    public static Path projectDemo() {
        return own("models/demo");
    }

    /**
     * The {@code <name>.checkpoint.json} of {@code models/<model>} in a fixture set, found by listing the folder.
     *
     * @param root the fixture set
     * @param model the model folder, e.g. {@code encoder}
     * @return the file
     */
    public static Path checkpointJson(Path root, String model) {
        Path dir = root.resolve("models").resolve(model);
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> l = s.filter(p -> p.getFileName().toString().endsWith(".checkpoint.json")).sorted().toList();
            if (l.size() != 1) {
                throw new IllegalStateException("expected one *.checkpoint.json in " + dir + ", found " + l);
            }
            return l.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The checkpoint of {@code models/<model>} in a fixture set: the {@code file} named by its checkpoint.json,
     * else the one {@code .pth}/{@code .pt} in the folder.
     *
     * @param root the fixture set
     * @param model the model folder, e.g. {@code encoder}
     * @return the checkpoint file
     */
    public static Path checkpoint(Path root, String model) {
        Path json = checkpointJson(root, model);
        JsonObject info = json(json);
        if (info.has("file")) {
            return json.resolveSibling(info.get("file").getAsString());
        }
        try (Stream<Path> s = Files.list(json.getParent())) {
            List<Path> l = s.filter(p -> p.toString().endsWith(".pth") || p.toString().endsWith(".pt")).toList();
            if (l.size() != 1) {
                throw new IllegalStateException("expected one checkpoint in " + json.getParent() + ", found " + l);
            }
            return l.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The checkpoint with training state of a fixture set: the one checkpoint under {@code checkpoints/}.
     *
     * @param root the fixture set
     * @return the file, if the set has one
     */
    public static Optional<Path> trainingStateCheckpoint(Path root) {
        Path dir = root.resolve("checkpoints");
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> l = s.filter(p -> p.toString().endsWith(".pth") || p.toString().endsWith(".pt")).sorted()
                    .toList();
            if (l.size() > 1) {
                throw new IllegalStateException("expected one checkpoint with training state in " + dir + ", found "
                        + l);
            }
            return l.stream().findFirst();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The real {@code beit3.spm}: first in the fixture set, then in the shared fixtures.
     *
     * @return the file, if present anywhere
     */
    public static Optional<Path> beit3Spm() {
        Path p = root().resolve("tokenizer/beit3.spm");
        if (Files.isRegularFile(p)) {
            return Optional.of(p);
        }
        String shared = System.getProperty("beit3.shared.fixtures");
        if (shared != null && Files.isRegularFile(Path.of(shared, "tokenizer/beit3.spm"))) {
            return Optional.of(Path.of(shared, "tokenizer/beit3.spm"));
        }
        return Optional.empty();
    }

    private static Path dir(String prop, String fallback) {
        String v = System.getProperty(prop);
        Path p = v != null ? Path.of(v) : findUp(fallback);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("fixture directory " + p.toAbsolutePath() + " (-D" + prop
                    + ") does not exist");
        }
        return p.toAbsolutePath().normalize();
    }

    private static Path own(String rel) {
        Path p = findUp(rel);
        if (!Files.isDirectory(p)) {
            throw new IllegalStateException("the project's " + rel + " not found above " + Path.of("").toAbsolutePath());
        }
        return p.toAbsolutePath().normalize();
    }

    private static Path findUp(String rel) {
        Path d = Path.of("").toAbsolutePath();
        while (d != null) {
            if (Files.isDirectory(d.resolve(rel))) {
                return d.resolve(rel);
            }
            d = d.getParent();
        }
        return Path.of(rel);
    }

    /**
     * Reads a JSON file.
     *
     * @param file the file
     * @return its object
     */
    public static JsonObject json(Path file) {
        try {
            return JsonParser.parseString(Files.readString(file)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Reads an npy file.
     *
     * @param file the file
     * @return the array
     */
    public static Npy.Array npy(Path file) {
        try {
            return Npy.read(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Max |a − b| and whether every element satisfies |a − b| ≤ atol + rtol·|b|.
     *
     * @param actual computed values
     * @param expected reference values
     * @param atol absolute tolerance
     * @param rtol relative tolerance
     * @return the comparison
     */
    public static Closeness compare(float[] actual, float[] expected, double atol, double rtol) {
        if (actual.length != expected.length) {
            throw new AssertionError("length " + actual.length + " != expected " + expected.length);
        }
        double max = 0;
        int worst = -1;
        boolean ok = true;
        for (int i = 0; i < actual.length; i++) {
            double d = Math.abs((double) actual[i] - expected[i]);
            if (!(d <= atol + rtol * Math.abs(expected[i]))) {
                ok = false;
                if (worst < 0 || Double.isNaN(d)) {
                    worst = i;
                }
            }
            if (d > max || Double.isNaN(d)) {
                max = Double.isNaN(d) ? Double.NaN : d;
            }
        }
        return new Closeness(max, ok, worst);
    }

    /**
     * Result of {@link #compare}.
     *
     * @param maxAbsDiff largest absolute difference
     * @param withinTolerance whether all elements pass
     * @param firstFailure index of the first failing element, or −1
     */
    public record Closeness(double maxAbsDiff, boolean withinTolerance, int firstFailure) {}
}
