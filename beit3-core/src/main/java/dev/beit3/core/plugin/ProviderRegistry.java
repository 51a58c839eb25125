package dev.beit3.core.plugin;

import dev.beit3.api.Api;
import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.TokenizerProvider;
import dev.beit3.api.ProviderException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The experts, heads, embeddings, kernel backends and preprocessing (image preprocessors, tokenizers) available to
 * a model, each under its unique id.
 *
 * <p>Three ways to build one, all with the same resolution rules:
 *
 * <ul>
 *   <li>{@link #discover()}: {@link java.util.ServiceLoader} over {@link ExpertProvider}, {@link HeadProvider},
 *       {@link EmbeddingProvider}, {@link KernelProvider}, {@link ImagePreprocessorProvider} and
 *       {@link TokenizerProvider}, so a plugin jar on the class path works with zero code;
 *   <li>{@link #builder()}: plain Java for users without Guice, e.g. {@code
 *       ProviderRegistry.builder().discovered(loader).expert(new LoraFfnProvider()).build()};
 *   <li>{@code dev.beit3.guice.Beit3CoreModule} (module {@code beit3-guice}): Guice, where user modules contribute
 *       through {@code PluginBinder}; it builds its registry with {@link #ofBound}.
 * </ul>
 *
 * <p>Discovery instantiates every provider in its own {@code try}: one that fails (missing class, throwing
 * constructor or static initializer, missing dependency) is listed in {@link #problems()} and logged as a
 * warning; the others load. Two different classes claiming one id are a {@link ProviderException} naming
 * the id and both classes; the same class seen twice is one provider. Among discovered duplicates, the
 * system property {@code beit3.provider.<expert|head|embedding>.<id>=<class name>} picks one.
 *
 * <p>A registry is immutable and safe to share between threads. Nothing is static but a count of discovery runs
 * ({@link #discoveryRuns()}): two registries built
 * from different class loaders or builders coexist in one JVM.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class ProviderRegistry {
    /** ServiceLoader scans made by {@link Builder#discovered} in this JVM (see {@link #discoveryRuns()}). */
    private static final java.util.concurrent.atomic.LongAdder DISCOVERIES = new java.util.concurrent.atomic.LongAdder();

    private final ProviderTable<ExpertProvider> experts;
    private final ProviderTable<HeadProvider> heads;
    private final ProviderTable<EmbeddingProvider> embeddings;
    private final ProviderTable<KernelProvider> kernels;
    private final ProviderTable<ImagePreprocessorProvider> images;
    private final ProviderTable<TokenizerProvider> tokenizers;
    private final List<DiscoveryProblem> problems;

    private ProviderRegistry(
            Map<String, ExpertProvider> experts,
            Map<String, HeadProvider> heads,
            Map<String, EmbeddingProvider> embeddings,
            Map<String, KernelProvider> kernels,
            Map<String, ImagePreprocessorProvider> images,
            Map<String, TokenizerProvider> tokenizers,
            List<DiscoveryProblem> problems) {
        this.images = new ProviderTable<>(Spi.IMAGE, images, only(problems, Spi.IMAGE));
        this.tokenizers = new ProviderTable<>(Spi.TOKENIZER, tokenizers, only(problems, Spi.TOKENIZER));
        this.kernels = new ProviderTable<>(Spi.KERNEL, withReference(kernels), only(problems, Spi.KERNEL));
        this.experts = new ProviderTable<>(Spi.EXPERT, experts, only(problems, Spi.EXPERT));
        this.heads = new ProviderTable<>(Spi.HEAD, heads, only(problems, Spi.HEAD));
        this.embeddings = new ProviderTable<>(Spi.EMBEDDING, embeddings, only(problems, Spi.EMBEDDING));
        this.problems = List.copyOf(problems);
    }

    /**
     * Discovers the providers visible to the thread context class loader (or, when there is none, to this
     * class's loader).
     *
     * @return the registry
     * @throws ProviderException if two different provider classes claim one id
     */
    public static ProviderRegistry discover() {
        return discover(Discovery.defaultLoader());
    }

    /**
     * Discovers the providers listed in the {@code META-INF/services} files visible to a class loader.
     *
     * @param loader the class loader, e.g. a {@code URLClassLoader} over a plugin directory
     * @return the registry
     * @throws ProviderException if two different provider classes claim one id
     */
    public static ProviderRegistry discover(ClassLoader loader) {
        return builder().discovered(loader).build();
    }

    /**
     * Discovery with the system properties supplied by the caller, so tests need not set global state.
     *
     * @param loader the class loader
     * @param properties property lookup, normally {@code System::getProperty}
     * @return the registry
     */
    static ProviderRegistry discover(ClassLoader loader, UnaryOperator<String> properties) {
        return builder().discovered(loader, properties).build();
    }

    /**
     * How many times this JVM has scanned the class path for providers ({@link #discover()} and every other
     * path through {@link Builder#discovered}): a process-wide count, for tests that check a path discovers once.
     *
     * @return the count since the JVM started
     */
    public static long discoveryRuns() {
        return DISCOVERIES.sum();
    }

    /**
     * Starts a registry in plain Java.
     *
     * @return an empty builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * The registry of a dependency-injection container (the {@code beit3-guice} module's injector): the bound
     * maps are final (the container has already applied its overrides), so they are taken as they are, after
     * checking that each provider is bound under its own id.
     *
     * @param experts bound expert providers
     * @param heads bound head providers
     * @param embeddings bound embedding providers
     * @param kernels bound kernel backend providers ({@code "djl"} is added when absent)
     * @param problems problems of the discovery that contributed to the maps
     * @return the registry
     * @throws ProviderException if a provider is bound under an id other than its own
     */
    public static ProviderRegistry ofBound(
            Map<String, ExpertProvider> experts,
            Map<String, HeadProvider> heads,
            Map<String, EmbeddingProvider> embeddings,
            Map<String, KernelProvider> kernels,
            List<DiscoveryProblem> problems) {
        return ofBound(experts, heads, embeddings, kernels, Map.of(), Map.of(), problems);
    }

    /**
     * The registry of a Guice injector, with the preprocessing providers discovery found.
     *
     * @param experts bound expert providers
     * @param heads bound head providers
     * @param embeddings bound embedding providers
     * @param kernels bound kernel backend providers
     * @param images image preprocessor providers
     * @param tokenizers tokenizer providers
     * @param problems problems of the discovery that contributed to the maps
     * @return the registry
     */
    public static ProviderRegistry ofBound(
            Map<String, ExpertProvider> experts,
            Map<String, HeadProvider> heads,
            Map<String, EmbeddingProvider> embeddings,
            Map<String, KernelProvider> kernels,
            Map<String, ImagePreprocessorProvider> images,
            Map<String, TokenizerProvider> tokenizers,
            List<DiscoveryProblem> problems) {
        return new ProviderRegistry(experts, heads, embeddings, kernels, images, tokenizers, problems);
    }

    /** The DJL reference backend is always there, even in a registry built by hand or by a Guice module. */
    private static Map<String, KernelProvider> withReference(Map<String, KernelProvider> kernels) {
        if (kernels.containsKey(dev.beit3.core.kernels.DjlKernelProvider.ID)) {
            return kernels;
        }
        Map<String, KernelProvider> all = new java.util.TreeMap<>(kernels);
        all.put(dev.beit3.core.kernels.DjlKernelProvider.ID, new dev.beit3.core.kernels.DjlKernelProvider());
        return all;
    }

    /**
     * All kernel backend providers (always including {@code "djl"}), available on this machine or not.
     *
     * @return id → provider
     */
    public Map<String, KernelProvider> kernels() {
        return kernels.map();
    }

    /**
     * Returns the expert provider with an id.
     *
     * @param id the id, e.g. {@code "beit3-vision"}
     * @return the provider
     * @throws ProviderException if there is none; the message lists the available ids and any providers
     *     that failed to load
     */
    public ExpertProvider expert(String id) {
        return experts.get(id);
    }

    /**
     * Returns the head provider with an id.
     *
     * @param id the id, e.g. {@code "vqa"}
     * @return the provider
     * @throws ProviderException if there is none; the message lists the available ids
     */
    public HeadProvider head(String id) {
        return heads.get(id);
    }

    /**
     * Returns the embedding provider with an id.
     *
     * @param id the id, e.g. {@code "beit3-vision"}
     * @return the provider
     * @throws ProviderException if there is none; the message lists the available ids
     */
    public EmbeddingProvider embedding(String id) {
        return embeddings.get(id);
    }

    /**
     * Returns the image preprocessor provider with an id.
     *
     * @param id the id, e.g. {@value ImagePreprocessorProvider#DEFAULT_ID}
     * @return the provider
     * @throws ProviderException if there is none; the message lists the available ids and names the jar to add
     */
    public ImagePreprocessorProvider imagePreprocessor(String id) {
        return images.get(id);
    }

    /**
     * Returns the tokenizer provider with an id.
     *
     * @param id the id, e.g. {@value TokenizerProvider#DEFAULT_ID}
     * @return the provider
     * @throws ProviderException if there is none; the message lists the available ids and names the jar to add
     */
    public TokenizerProvider tokenizer(String id) {
        return tokenizers.get(id);
    }

    /**
     * All image preprocessor providers.
     *
     * @return providers by id, sorted by id, unmodifiable
     */
    public Map<String, ImagePreprocessorProvider> imagePreprocessors() {
        return images.map();
    }

    /**
     * All tokenizer providers.
     *
     * @return providers by id, sorted by id, unmodifiable
     */
    public Map<String, TokenizerProvider> tokenizers() {
        return tokenizers.map();
    }

    /**
     * Looks up an expert provider without failing.
     *
     * @param id the id
     * @return the provider, or empty
     */
    public Optional<ExpertProvider> findExpert(String id) {
        return experts.find(id);
    }

    /**
     * Looks up a head provider without failing.
     *
     * @param id the id
     * @return the provider, or empty
     */
    public Optional<HeadProvider> findHead(String id) {
        return heads.find(id);
    }

    /**
     * Looks up an embedding provider without failing.
     *
     * @param id the id
     * @return the provider, or empty
     */
    public Optional<EmbeddingProvider> findEmbedding(String id) {
        return embeddings.find(id);
    }

    /**
     * All expert providers.
     *
     * @return providers by id, sorted by id, unmodifiable
     */
    public Map<String, ExpertProvider> experts() {
        return experts.map();
    }

    /**
     * All head providers.
     *
     * @return providers by id, sorted by id, unmodifiable
     */
    public Map<String, HeadProvider> heads() {
        return heads.map();
    }

    /**
     * All embedding providers.
     *
     * @return providers by id, sorted by id, unmodifiable
     */
    public Map<String, EmbeddingProvider> embeddings() {
        return embeddings.map();
    }

    /**
     * The providers that discovery found listed but could not use; empty when all loaded.
     *
     * @return the problems, experts first, then heads, then embeddings
     */
    public List<DiscoveryProblem> problems() {
        return problems;
    }

    /**
     * A human-readable listing for a {@code beit3 plugins} command: one section per SPI with one aligned
     * line per provider (id, modality or task, family, class), then the problems.
     *
     * @return the listing, lines separated by {@code \n}
     */
    public String describe() {
        StringBuilder out = new StringBuilder();
        experts.describeTo(out);
        heads.describeTo(out);
        embeddings.describeTo(out);
        kernels.describeTo(out);
        images.describeTo(out);
        tokenizers.describeTo(out);
        if (!problems.isEmpty()) {
            out.append("problems (").append(problems.size()).append("):\n");
            problems.forEach(p -> out.append("  ").append(p).append('\n'));
        }
        return out.toString();
    }

    /**
     * A one-line summary of the ids.
     *
     * @return e.g. {@code "ProviderRegistry[experts=[beit3-language, beit3-vision], heads=[vqa], ...]"}
     */
    @Override
    public String toString() {
        return "ProviderRegistry[experts=" + experts().keySet() + ", heads=" + heads().keySet() + ", embeddings="
                + embeddings().keySet() + ", problems=" + problems.size() + "]";
    }

    private static List<DiscoveryProblem> only(List<DiscoveryProblem> problems, Spi<?> spi) {
        return problems.stream().filter(p -> p.spi().equals(spi.serviceName())).toList();
    }

    /**
     * Builds a {@link ProviderRegistry} without Guice. Not thread-safe; the registry it builds is.
     *
     * <p>Resolution does not depend on the order of the calls: a {@code replace*} provider beats one added
     * with {@code expert/head/embedding}, which beats a discovered one. The same class given twice under one
     * id is one provider (an explicitly added instance is preferred to the discovered one). Two different
     * classes under one id are a {@link ProviderException} at {@link #build()} (or at the call, when both
     * were added the same way) unless one of them comes through {@code replace*}.
     */
    @Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
    public static final class Builder {
        private final Contributions<ExpertProvider> experts = new Contributions<>(Spi.EXPERT);
        private final Contributions<HeadProvider> heads = new Contributions<>(Spi.HEAD);
        private final Contributions<EmbeddingProvider> embeddings = new Contributions<>(Spi.EMBEDDING);
        private final Contributions<KernelProvider> kernels = new Contributions<>(Spi.KERNEL);
        private final Contributions<ImagePreprocessorProvider> images = new Contributions<>(Spi.IMAGE);
        private final Contributions<TokenizerProvider> tokenizers = new Contributions<>(Spi.TOKENIZER);
        private final List<DiscoveryProblem> problems = new ArrayList<>();

        private Builder() {}

        /**
         * Adds every provider that {@link java.util.ServiceLoader} finds through the thread context class
         * loader (or, when there is none, this class's loader).
         *
         * @return this builder
         * @throws ProviderException if two discovered classes claim one id
         */
        public Builder discovered() {
            return discovered(Discovery.defaultLoader());
        }

        /**
         * Adds every provider that {@link java.util.ServiceLoader} finds through a class loader; providers
         * that fail to load become {@link ProviderRegistry#problems()}.
         *
         * @param loader the class loader
         * @return this builder
         * @throws ProviderException if two discovered classes claim one id
         */
        public Builder discovered(ClassLoader loader) {
            return discovered(loader, System::getProperty);
        }

        Builder discovered(ClassLoader loader, UnaryOperator<String> properties) {
            DISCOVERIES.increment();
            Discovery.Snapshot found = Discovery.Snapshot.of(Objects.requireNonNull(loader, "loader"), properties);
            experts.addDiscovered(found.experts().providers());
            heads.addDiscovered(found.heads().providers());
            embeddings.addDiscovered(found.embeddings().providers());
            kernels.addDiscovered(found.kernels().providers());
            images.addDiscovered(found.images().providers());
            tokenizers.addDiscovered(found.tokenizers().providers());
            problems.addAll(found.problems());
            return this;
        }

        /**
         * Adds an expert provider under its {@code id()}.
         *
         * @param provider the provider
         * @return this builder
         * @throws ProviderException if a different class was already added under the same id
         * @throws IllegalArgumentException if the provider's id is blank
         */
        public Builder expert(ExpertProvider provider) {
            experts.addExplicit(provider);
            return this;
        }

        /**
         * Adds a head provider under its {@code id()}.
         *
         * @param provider the provider
         * @return this builder
         * @throws ProviderException if a different class was already added under the same id
         * @throws IllegalArgumentException if the provider's id is blank
         */
        public Builder head(HeadProvider provider) {
            heads.addExplicit(provider);
            return this;
        }

        /**
         * Adds an embedding provider under its {@code id()}.
         *
         * @param provider the provider
         * @return this builder
         * @throws ProviderException if a different class was already added under the same id
         * @throws IllegalArgumentException if the provider's id is blank
         */
        public Builder embedding(EmbeddingProvider provider) {
            embeddings.addExplicit(provider);
            return this;
        }

        /**
         * Adds a kernel backend provider under its {@code id()}.
         *
         * @param provider the provider
         * @return this builder
         * @throws ProviderException if a different class was already added under the same id
         */
        public Builder kernel(KernelProvider provider) {
            kernels.addExplicit(provider);
            return this;
        }

        /**
         * Adds an image preprocessor provider under its {@code id()}.
         *
         * @param provider the provider
         * @return this builder
         * @throws ProviderException if a different class was already added under the same id
         */
        public Builder imagePreprocessor(ImagePreprocessorProvider provider) {
            images.addExplicit(provider);
            return this;
        }

        /**
         * Adds a tokenizer provider under its {@code id()}.
         *
         * @param provider the provider
         * @return this builder
         * @throws ProviderException if a different class was already added under the same id
         */
        public Builder tokenizer(TokenizerProvider provider) {
            tokenizers.addExplicit(provider);
            return this;
        }

        /**
         * Adds an expert provider that overrides any other provider of its id, discovered or added; of two
         * replacements for one id, the later call wins. Replacing an id nobody else provides simply adds it.
         *
         * @param provider the provider
         * @return this builder
         */
        public Builder replaceExpert(ExpertProvider provider) {
            experts.addReplacement(provider);
            return this;
        }

        /**
         * Adds a head provider that overrides any other provider of its id; of two replacements for one id,
         * the later call wins.
         *
         * @param provider the provider
         * @return this builder
         */
        public Builder replaceHead(HeadProvider provider) {
            heads.addReplacement(provider);
            return this;
        }

        /**
         * Adds an embedding provider that overrides any other provider of its id; of two replacements for one
         * id, the later call wins.
         *
         * @param provider the provider
         * @return this builder
         */
        public Builder replaceEmbedding(EmbeddingProvider provider) {
            embeddings.addReplacement(provider);
            return this;
        }

        /**
         * Resolves the contributions into an immutable registry. The builder may be used again afterwards.
         *
         * @return the registry
         * @throws ProviderException if an added and a discovered provider of different classes share an id
         */
        public ProviderRegistry build() {
            return new ProviderRegistry(experts.resolve(), heads.resolve(), embeddings.resolve(), kernels.resolve(),
                    images.resolve(), tokenizers.resolve(), problems);
        }
    }
}
