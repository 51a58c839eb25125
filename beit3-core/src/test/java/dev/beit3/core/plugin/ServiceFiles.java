package dev.beit3.core.plugin;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Builds class loaders that see extra {@code META-INF/services} files, as a plugin jar would add, without
 * touching the test class path that other tests discover through.
 */
final class ServiceFiles {
    private ServiceFiles() {}

    /**
     * A class loader over {@code dir} (parent: the test class loader, so it also sees the default test
     * registrations) whose {@code META-INF/services/<spi>} lists the given class names.
     *
     * @param dir an empty temporary directory
     * @param spi the SPI interface
     * @param classNames provider class names, one per line of the services file
     * @return the loader; close it after the test
     */
    static URLClassLoader loaderListing(Path dir, Class<?> spi, String... classNames) {
        try {
            Path services = Files.createDirectories(dir.resolve("META-INF/services"));
            Files.write(services.resolve(spi.getName()), List.of(classNames));
            return new URLClassLoader(new URL[] {dir.toUri().toURL()}, ServiceFiles.class.getClassLoader());
        } catch (MalformedURLException e) {
            throw new IllegalStateException(e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
