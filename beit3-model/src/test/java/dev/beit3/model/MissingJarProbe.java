package dev.beit3.model;

import dev.beit3.api.ProviderException;
import java.nio.file.Path;

/**
 * The child JVM of {@link MissingJarTest}: loads one model of a package and prints what happened on one line:
 * {@code loaded <head>}, {@code ProviderException: <message>} (exit 3) or {@code <other throwable>} (exit 4).
 */
final class MissingJarProbe {
    private MissingJarProbe() {}

    /**
     * Loads {@code args[1]} from the package {@code args[0]}.
     *
     * @param args package directory, task
     */
    public static void main(String[] args) {
        try (Beit3 m = ModelPackage.open(Path.of(args[0])).builder(args[1]).build()) {
            System.out.println("loaded " + m.headId());
        } catch (ProviderException e) {
            System.out.println("ProviderException: " + e.getMessage());
            System.exit(3);
        } catch (Throwable t) {
            System.out.println(t);
            t.printStackTrace(System.out);
            System.exit(4);
        }
    }
}
