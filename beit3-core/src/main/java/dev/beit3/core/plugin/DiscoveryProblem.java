package dev.beit3.core.plugin;

import dev.beit3.api.Api;
import java.util.Objects;

/**
 * A provider that {@link java.util.ServiceLoader} listed but that could not be used: its class was missing,
 * its constructor or static initializer threw, a class it needs was absent ({@code NoClassDefFoundError}), or
 * its {@code id()} was unusable. Discovery records the problem, logs it as a warning and carries on with the
 * other providers, in the manner of SLF4J's provider lookup.
 *
 * @param spi the fully qualified SPI name, which is also the {@code META-INF/services} file that listed the
 *     provider, e.g. {@code "dev.beit3.api.ExpertProvider"}
 * @param provider the provider class name, or {@code "?"} when the failure happened before it was known
 * @param message what went wrong and how to fix it
 * @param cause the underlying failure (a {@link java.util.ServiceConfigurationError}, a {@link LinkageError}
 *     such as {@link ExceptionInInitializerError}, or a runtime exception), or {@code null}
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record DiscoveryProblem(String spi, String provider, String message, Throwable cause) {
    /**
     * Checks the required components.
     *
     * @param spi the fully qualified SPI name
     * @param provider the provider class name, or {@code "?"}
     * @param message what went wrong and how to fix it
     * @param cause the underlying failure, or {@code null}
     * @throws NullPointerException if {@code spi}, {@code provider} or {@code message} is null
     */
    public DiscoveryProblem {
        Objects.requireNonNull(spi, "spi");
        Objects.requireNonNull(provider, "provider");
        Objects.requireNonNull(message, "message");
    }

    /**
     * One line for logs and listings: {@code "dev.beit3.api.ExpertProvider com.acme.Broken: <message>"}.
     *
     * @return the summary
     */
    @Override
    public String toString() {
        return spi + " " + provider + ": " + message;
    }
}
