package dev.beit3.core.plugin;

import dev.beit3.api.ProviderException;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The resolved providers of one SPI: an immutable sorted map plus the lookups and messages built on it.
 *
 * @param <P> the provider interface
 */
final class ProviderTable<P> {
    private final Spi<P> spi;
    private final SortedMap<String, P> byId;
    private final List<DiscoveryProblem> problems;

    /**
     * Creates the table, checking that every provider is stored under its own id.
     *
     * @param spi the SPI
     * @param byId providers by id
     * @param problems discovery problems of this SPI, quoted by "unknown id" messages
     * @throws ProviderException if a provider is stored under an id other than its {@code id()}
     */
    ProviderTable(Spi<P> spi, Map<String, ? extends P> byId, List<DiscoveryProblem> problems) {
        this.spi = spi;
        SortedMap<String, P> copy = new TreeMap<>();
        for (Map.Entry<String, ? extends P> entry : byId.entrySet()) {
            P provider = Objects.requireNonNull(entry.getValue(), () -> spi.noun() + " provider " + entry.getKey());
            String id = spi.idOf(provider);
            if (!id.equals(entry.getKey())) {
                throw new ProviderException(spi.noun() + " provider " + provider.getClass().getName()
                        + " is bound under '" + entry.getKey() + "' but its id() is '" + id + "'; bind it under '"
                        + id + "' or make id() return '" + entry.getKey() + "' (routing plans and configurations"
                        + " refer to providers by id())");
            }
            copy.put(id, provider);
        }
        this.byId = Collections.unmodifiableSortedMap(copy);
        this.problems = List.copyOf(problems);
    }

    /** @return the providers by id, sorted, unmodifiable */
    SortedMap<String, P> map() {
        return byId;
    }

    /** @return the provider of the id, if any */
    Optional<P> find(String id) {
        return Optional.ofNullable(byId.get(Objects.requireNonNull(id, "id")));
    }

    /**
     * Returns the provider of the id or fails with a message that lists what is available.
     *
     * @param id the id
     * @return the provider
     * @throws ProviderException if no provider has the id
     */
    P get(String id) {
        P provider = byId.get(Objects.requireNonNull(id, "id"));
        if (provider != null) {
            return provider;
        }
        StringBuilder message = new StringBuilder()
                .append("no ").append(spi.noun()).append(" provider '").append(id).append("'; available: ")
                .append(byId.isEmpty()
                        ? "none"
                        : byId.values().stream().map(spi::labelOf).collect(Collectors.joining(", ")))
                .append("; ").append(spi.missingJarHint());
        if (!problems.isEmpty()) {
            message.append(" Note: ").append(problems.size()).append(' ').append(spi.noun())
                    .append(" provider(s) failed to load: ")
                    .append(problems.stream()
                            .map(p -> p.provider() + " ("
                                    + (p.cause() != null ? Discovery.rootCause(p.cause()) : p.message()) + ")")
                            .collect(Collectors.joining(", ")));
        }
        throw new ProviderException(message.toString());
    }

    /**
     * Appends this table to a listing: a heading, then one aligned line per provider.
     *
     * @param out where to append
     */
    void describeTo(StringBuilder out) {
        out.append(spi.noun()).append(" providers (").append(byId.size()).append(")")
                .append(byId.isEmpty() ? ": none" : ":").append('\n');
        int idWidth = byId.keySet().stream().mapToInt(String::length).max().orElse(0);
        int detailWidth = byId.values().stream().mapToInt(p -> spi.detailsOf(p).length()).max().orElse(0);
        for (Map.Entry<String, P> entry : byId.entrySet()) {
            out.append("  ").append(pad(entry.getKey(), idWidth))
                    .append("  ").append(pad(spi.detailsOf(entry.getValue()), detailWidth))
                    .append("  ").append(entry.getValue().getClass().getName()).append('\n');
        }
    }

    private static String pad(String text, int width) {
        return text.length() >= width ? text : text + " ".repeat(width - text.length());
    }
}
