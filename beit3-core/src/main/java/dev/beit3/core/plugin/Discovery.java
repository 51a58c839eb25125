package dev.beit3.core.plugin;

import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.TokenizerProvider;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.ProviderException;
import java.net.URL;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ServiceLoader} discovery of the three provider SPIs.
 *
 * <p>Every provider is loaded and instantiated in its own {@code try}: a missing class, a throwing
 * constructor or static initializer, a missing dependency class or a bad {@code id()} becomes a {@link
 * DiscoveryProblem} and a warning, and discovery continues with the next provider. Two different classes
 * claiming one id are an error ({@link ProviderException}), unless the system property {@code
 * beit3.provider.<noun>.<id>} (e.g. {@code -Dbeit3.provider.expert.beit3-vision=com.acme.FastVision}) names
 * the one to keep. The same class seen twice is one provider.
 */
final class Discovery {
    /** Prefix of the properties that pick among providers claiming one id. */
    static final String PROPERTY_PREFIX = "beit3.provider.";

    private static final Logger LOG = LoggerFactory.getLogger(Discovery.class);
    /** Guards against a lookup iterator that keeps failing without advancing. */
    private static final int MAX_CONSECUTIVE_FAILURES = 64;
    private static final Pattern PROVIDER_NAME = Pattern.compile("Provider (\\S+)");

    private Discovery() {}

    /**
     * What discovery found for one SPI.
     *
     * @param providers the usable providers by id, sorted
     * @param problems the providers that could not be used
     * @param <P> the provider interface
     */
    record Found<P>(SortedMap<String, P> providers, List<DiscoveryProblem> problems) {
        Found {
            providers = Collections.unmodifiableSortedMap(new TreeMap<>(providers));
            problems = List.copyOf(problems);
        }

        static <P> Found<P> empty() {
            return new Found<>(new TreeMap<>(), List.of());
        }
    }

    /**
     * What discovery found for all three SPIs in one class loader.
     *
     * @param experts the expert providers
     * @param heads the head providers
     * @param embeddings the embedding providers
     * @param kernels the kernel backend providers
     * @param images the image preprocessor providers
     * @param tokenizers the tokenizer providers
     */
    record Snapshot(Found<ExpertProvider> experts, Found<HeadProvider> heads, Found<EmbeddingProvider> embeddings,
            Found<KernelProvider> kernels, Found<ImagePreprocessorProvider> images,
            Found<TokenizerProvider> tokenizers) {
        /**
         * Discovers all three SPIs.
         *
         * @param loader the class loader whose {@code META-INF/services} files are read
         * @param properties the system properties (a parameter so tests need not mutate global state)
         * @return the snapshot
         * @throws ProviderException if two providers claim one id
         */
        static Snapshot of(ClassLoader loader, UnaryOperator<String> properties) {
            return new Snapshot(
                    scan(Spi.EXPERT, loader, properties),
                    scan(Spi.HEAD, loader, properties),
                    scan(Spi.EMBEDDING, loader, properties),
                    scan(Spi.KERNEL, loader, properties),
                    scan(Spi.IMAGE, loader, properties),
                    scan(Spi.TOKENIZER, loader, properties));
        }

        /** @return the problems of all three SPIs, experts first */
        List<DiscoveryProblem> problems() {
            List<DiscoveryProblem> all = new ArrayList<>(experts.problems());
            all.addAll(heads.problems());
            all.addAll(embeddings.problems());
            all.addAll(kernels.problems());
            all.addAll(images.problems());
            all.addAll(tokenizers.problems());
            return List.copyOf(all);
        }
    }

    /**
     * The thread context class loader, or this class's loader when there is none.
     *
     * @return the loader discovery reads by default
     */
    static ClassLoader defaultLoader() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return context != null ? context : Discovery.class.getClassLoader();
    }

    /**
     * Discovers the providers of one SPI.
     *
     * @param spi the SPI
     * @param loader the class loader whose {@code META-INF/services} files are read
     * @param properties the system properties
     * @param <P> the provider interface
     * @return the providers and problems
     * @throws ProviderException if two different classes claim one id and no property picks one
     */
    static <P> Found<P> scan(Spi<P> spi, ClassLoader loader, UnaryOperator<String> properties) {
        Map<String, List<P>> byId = new TreeMap<>();
        List<DiscoveryProblem> problems = new ArrayList<>();
        Iterator<ServiceLoader.Provider<P>> handles = ServiceLoader.load(spi.type(), loader).stream().iterator();
        int consecutiveFailures = 0;
        while (true) {
            ServiceLoader.Provider<P> handle;
            try {
                if (!handles.hasNext()) {
                    break;
                }
                handle = handles.next();
                consecutiveFailures = 0;
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                // the class named in the services file is missing, not a subtype, or cannot be linked
                problems.add(problem(spi, nameIn(e), "could not be loaded: " + rootCause(e)
                        + "; fix the jar that lists it in META-INF/services/" + spi.serviceName()
                        + " or remove that jar from the class path", e));
                if (++consecutiveFailures >= MAX_CONSECUTIVE_FAILURES) {
                    problems.add(problem(spi, "?", "discovery stopped after " + MAX_CONSECUTIVE_FAILURES
                            + " consecutive failures; later providers of this SPI were not examined", e));
                    break;
                }
                continue;
            }
            String className = handle.type().getName();
            P provider;
            try {
                provider = handle.get();
            } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
                problems.add(problem(spi, className, "could not be instantiated: " + rootCause(e)
                        + "; fix or remove " + location(handle.type()), e));
                continue;
            }
            String id;
            try {
                id = spi.idOf(provider);
            } catch (RuntimeException | LinkageError e) {
                problems.add(problem(spi, className, "has no usable id: " + rootCause(e)
                        + "; fix or remove " + location(handle.type()), e));
                continue;
            }
            byId.computeIfAbsent(id, k -> new ArrayList<>()).add(provider);
        }

        SortedMap<String, P> providers = new TreeMap<>();
        for (Map.Entry<String, List<P>> entry : byId.entrySet()) {
            providers.put(entry.getKey(), choose(spi, entry.getKey(), entry.getValue(), properties));
        }
        for (DiscoveryProblem problem : problems) {
            LOG.warn("Skipping a plugin provider: {}", problem);
            LOG.debug("Failure behind the skipped provider {}", problem.provider(), problem.cause());
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("Discovered {} {} provider(s) through {}: {}", providers.size(), spi.noun(), loader,
                    providers.values().stream().map(spi::labelOf).collect(Collectors.joining(", ")));
        }
        return new Found<>(providers, problems);
    }

    /** Picks the one provider of an id: the only class, or the class named by the system property. */
    private static <P> P choose(Spi<P> spi, String id, List<P> claimants, UnaryOperator<String> properties) {
        Map<Class<?>, P> byClass = new LinkedHashMap<>();
        for (P claimant : claimants) {
            byClass.putIfAbsent(claimant.getClass(), claimant); // the same class seen twice is one provider
        }
        String property = PROPERTY_PREFIX + spi.noun() + "." + id;
        String wanted = properties.apply(property);
        if (wanted != null) {
            for (Map.Entry<Class<?>, P> entry : byClass.entrySet()) {
                if (entry.getKey().getName().equals(wanted.strip())) {
                    if (byClass.size() > 1) {
                        LOG.info("{} provider '{}': picked {} among {} as -D{} asks", spi.noun(), id, wanted,
                                names(byClass.keySet()), property);
                    }
                    return entry.getValue();
                }
            }
        }
        if (byClass.size() == 1) {
            if (wanted != null) {
                LOG.warn("-D{}={} names no discovered {} provider; keeping the only one, {}", property, wanted,
                        spi.noun(), names(byClass.keySet()));
            }
            return byClass.values().iterator().next();
        }
        throw new ProviderException(duplicateMessage(spi, id, new ArrayList<>(byClass.keySet()), "discovered")
                + (wanted == null
                        ? "; remove one of the jars from the class path, or pick one with -D" + property
                                + "=<class name>"
                        : "; -D" + property + "=" + wanted + " names none of them, set it to one of the classes"));
    }

    /**
     * The message for two classes claiming one id, naming the id, both classes and where they come from.
     *
     * @param spi the SPI
     * @param id the contested id
     * @param classes the claimants
     * @param how how they were contributed, e.g. {@code "discovered"}
     * @return the message (without the fix, which depends on the path)
     */
    static String duplicateMessage(Spi<?> spi, String id, List<Class<?>> classes, String how) {
        return classes.size() + " " + spi.noun() + " providers claim the id '" + id + "' (" + how + "): "
                + classes.stream().map(Discovery::location).collect(Collectors.joining(" and "));
    }

    /** @return the class name, with its jar or directory when known */
    static String location(Class<?> type) {
        String where = null;
        try {
            CodeSource source = type.getProtectionDomain().getCodeSource();
            URL url = source == null ? null : source.getLocation();
            where = url == null ? null : url.toString();
        } catch (SecurityException e) {
            // the location is only a hint
        }
        return where == null ? type.getName() : type.getName() + " [from " + where + "]";
    }

    private static String names(Iterable<Class<?>> classes) {
        List<String> names = new ArrayList<>();
        classes.forEach(c -> names.add(c.getName()));
        return String.join(", ", names);
    }

    private static DiscoveryProblem problem(Spi<?> spi, String provider, String message, Throwable cause) {
        return new DiscoveryProblem(spi.serviceName(), provider, message, cause);
    }

    /** Best effort: the provider class name inside a {@link ServiceConfigurationError} message. */
    private static String nameIn(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof ServiceConfigurationError && t.getMessage() != null) {
                Matcher matcher = PROVIDER_NAME.matcher(t.getMessage());
                if (matcher.find()) {
                    return matcher.group(1);
                }
            }
        }
        return "?";
    }

    /** The innermost cause as {@code "Type: message"}, the part of a chain a reader needs first. */
    static String rootCause(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getName() + (message == null ? "" : ": " + message);
    }
}
