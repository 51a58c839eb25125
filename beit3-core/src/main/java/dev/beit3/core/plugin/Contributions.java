package dev.beit3.core.plugin;

import dev.beit3.api.ProviderException;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The providers of one SPI given to a {@link ProviderRegistry.Builder}, kept in three layers and resolved in
 * {@link #resolve()}: a replacement beats an explicit provider, which beats a discovered one. Within a layer
 * and between the explicit and discovered layers the same class is one provider and two different classes
 * are an error; only a replacement overrides. The result does not depend on the order of the calls.
 *
 * @param <P> the provider interface
 */
final class Contributions<P> {
    private static final Logger LOG = LoggerFactory.getLogger(Contributions.class);

    private final Spi<P> spi;
    private final Map<String, P> discovered = new TreeMap<>();
    private final Map<String, P> explicit = new TreeMap<>();
    private final Map<String, P> replacements = new TreeMap<>();

    Contributions(Spi<P> spi) {
        this.spi = spi;
    }

    /**
     * Adds the providers found by one discovery run.
     *
     * @param found providers by id
     * @throws ProviderException if an earlier discovery run found a different class under one of the ids
     */
    void addDiscovered(Map<String, P> found) {
        found.forEach((id, provider) -> put(discovered, id, provider, "discovered in two class loaders",
                "; discover from one class loader, or override on purpose with " + replaceMethod() + "(...)"));
    }

    /**
     * Adds a provider given explicitly.
     *
     * @param provider the provider
     * @throws ProviderException if another class was given explicitly under the same id
     */
    void addExplicit(P provider) {
        put(explicit, spi.idOf(provider), provider, "both added with " + spi.noun() + "(...)",
                "; drop one of them, or use " + replaceMethod() + "(...) for the one that should win");
    }

    /**
     * Adds a provider that wins over any other of its id; a later replacement of the same id wins over an
     * earlier one.
     *
     * @param provider the provider
     */
    void addReplacement(P provider) {
        P previous = replacements.put(spi.idOf(provider), provider);
        if (previous != null && previous != provider) {
            LOG.debug("{} provider '{}': replacement {} supersedes replacement {}", spi.noun(), spi.idOf(provider),
                    provider.getClass().getName(), previous.getClass().getName());
        }
    }

    /**
     * Resolves the layers.
     *
     * @return the provider of every id
     * @throws ProviderException if an explicit and a discovered provider of different classes share an id
     */
    SortedMap<String, P> resolve() {
        SortedMap<String, P> result = new TreeMap<>(discovered);
        explicit.forEach((id, provider) -> {
            P found = discovered.get(id);
            if (found != null && found.getClass() != provider.getClass()) {
                throw new ProviderException(Discovery.duplicateMessage(spi, id,
                                List.of(provider.getClass(), found.getClass()),
                                "the first added with " + spi.noun() + "(...), the second discovered")
                        + "; to override the discovered provider on purpose call " + replaceMethod()
                        + "(...) instead of " + spi.noun() + "(...)");
            }
            result.put(id, provider); // same class: the explicit instance is the one the caller configured
        });
        replacements.forEach((id, provider) -> {
            P overridden = result.put(id, provider);
            if (overridden != null && overridden.getClass() != provider.getClass()) {
                LOG.info("{} provider '{}': {} replaces {}", spi.noun(), id, provider.getClass().getName(),
                        overridden.getClass().getName());
            }
        });
        return result;
    }

    private void put(Map<String, P> layer, String id, P provider, String how, String fix) {
        P existing = layer.get(id);
        if (existing == null) {
            layer.put(id, provider);
        } else if (existing.getClass() != provider.getClass()) {
            throw new ProviderException(
                    Discovery.duplicateMessage(spi, id, List.of(existing.getClass(), provider.getClass()), how)
                            + fix);
        } else {
            LOG.debug("{} provider '{}': {} given twice, keeping the first instance", spi.noun(), id,
                    provider.getClass().getName());
        }
    }

    private String replaceMethod() {
        return "replace" + Character.toUpperCase(spi.noun().charAt(0)) + spi.noun().substring(1);
    }
}
