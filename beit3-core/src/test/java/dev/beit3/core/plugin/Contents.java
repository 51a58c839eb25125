package dev.beit3.core.plugin;

import java.util.Map;
import java.util.TreeMap;

/**
 * What a registry holds, as comparable data: the provider class of every id per SPI, and the problem count.
 *
 * @param experts expert provider classes by id
 * @param heads head provider classes by id
 * @param embeddings embedding provider classes by id
 * @param problems number of discovery problems
 */
record Contents(
        Map<String, Class<?>> experts, Map<String, Class<?>> heads, Map<String, Class<?>> embeddings, int problems) {
    static Contents of(ProviderRegistry registry) {
        return new Contents(classes(registry.experts()), classes(registry.heads()), classes(registry.embeddings()),
                registry.problems().size());
    }

    private static Map<String, Class<?>> classes(Map<String, ?> providers) {
        Map<String, Class<?>> result = new TreeMap<>();
        providers.forEach((id, p) -> result.put(id, p.getClass()));
        return result;
    }
}
