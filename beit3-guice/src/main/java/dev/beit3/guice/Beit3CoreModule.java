package dev.beit3.guice;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.beit3.api.Api;
import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.TokenizerProvider;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.HeadProvider;
import dev.beit3.core.plugin.DiscoveryProblem;
import dev.beit3.core.plugin.ProviderRegistry;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Guice wiring of beit3-core's plugins.
 *
 * <p>Declares {@code MapBinder<String, ExpertProvider>}, {@code MapBinder<String, HeadProvider>} and {@code
 * MapBinder<String, EmbeddingProvider>} (without {@code permitDuplicates}), installs into them every provider
 * that {@link java.util.ServiceLoader} discovers, so a plugin jar on the class path works with zero code, and
 * provides a singleton {@link ProviderRegistry} built from the three maps.
 *
 * <p>Discovered providers are bound as <em>defaults</em> ({@link PluginBinder} explains the keys), so:
 *
 * <ul>
 *   <li>a module installed next to this one and binding a provider that discovery also finds, with {@link
 *       PluginBinder#expert PluginBinder.expert(binder(), id)}, does not cause a duplicate error: its explicit
 *       binding takes the id;
 *   <li>a user adds a provider under a new id with {@code
 *       PluginBinder.experts(binder()).addBinding("my-ffn").to(MyFfn.class)} or {@code
 *       PluginBinder.expert(binder(), "my-ffn").to(MyFfn.class)};
 *   <li>a user replaces a built-in provider with {@code PluginBinder.expert(binder(), "beit3-vision")
 *       .to(MyVision.class)}, either in a plain module or, equally, in {@code Modules.override(new
 *       Beit3CoreModule()).with(userModule)}; {@code Modules.override} is also how to replace a provider
 *       that another module bound explicitly;
 *   <li>two discovered classes claiming one id fail injector creation with a {@link
 *       dev.beit3.api.ProviderException} naming both; providers that fail to load are logged and listed in
 *       {@link ProviderRegistry#problems()}.
 * </ul>
 *
 * <p>beit3-core does not depend on Guice, and a plugin needs no Guice module of its own: its {@code
 * META-INF/services} entries are what this module binds.
 *
 * <p>Discovery runs each time the module is configured, so every injector owns its provider instances. Two
 * modules with the same settings are equal, so installing the module twice is harmless; install only one
 * configuration of it per injector.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class Beit3CoreModule extends AbstractModule {
    private static final Logger LOG = LoggerFactory.getLogger(Beit3CoreModule.class);

    private final boolean discover;
    /** Where to discover; {@code null} = the thread context class loader when the injector is created. */
    private final ClassLoader loader;

    /** A module that discovers providers through the thread context class loader at injector creation. */
    public Beit3CoreModule() {
        this(true, null);
    }

    private Beit3CoreModule(boolean discover, ClassLoader loader) {
        this.discover = discover;
        this.loader = loader;
    }

    /**
     * A module that discovers providers through a given class loader, e.g. one over a plugin directory.
     *
     * @param loader the class loader
     * @return the module
     */
    public static Beit3CoreModule discovering(ClassLoader loader) {
        return new Beit3CoreModule(true, Objects.requireNonNull(loader, "loader"));
    }

    /**
     * A module without {@link java.util.ServiceLoader} discovery, for containers that bind every provider
     * themselves through {@link PluginBinder}.
     *
     * @return the module
     */
    public static Beit3CoreModule withoutDiscovery() {
        return new Beit3CoreModule(false, null);
    }

    @Override
    protected void configure() {
        // declare the maps, so they exist (empty) even when nothing contributes
        PluginBinder.experts(binder());
        PluginBinder.heads(binder());
        PluginBinder.embeddings(binder());
        PluginBinder.kernels(binder());
        Discovered found = discover
                ? new Discovered(loader != null ? ProviderRegistry.discover(loader) : ProviderRegistry.discover())
                : Discovered.NOTHING;
        found.experts().forEach((id, p) -> PluginBinder.bindDiscovered(binder(), ExpertProvider.class, id, p));
        found.heads().forEach((id, p) -> PluginBinder.bindDiscovered(binder(), HeadProvider.class, id, p));
        found.embeddings().forEach((id, p) -> PluginBinder.bindDiscovered(binder(), EmbeddingProvider.class, id, p));
        found.kernels().forEach((id, p) -> PluginBinder.bindDiscovered(binder(), KernelProvider.class, id, p));
        bind(Discovered.class).toInstance(found);
    }

    @Provides
    @Singleton
    ProviderRegistry registry(
            Map<String, ExpertProvider> experts,
            Map<String, HeadProvider> heads,
            Map<String, EmbeddingProvider> embeddings,
            Map<String, KernelProvider> kernels,
            Discovered found) {
        logReplacements("expert", found.experts(), experts);
        logReplacements("head", found.heads(), heads);
        logReplacements("embedding", found.embeddings(), embeddings);
        logReplacements("kernel", found.kernels(), kernels);
        return ProviderRegistry.ofBound(experts, heads, embeddings, kernels, found.images(), found.tokenizers(),
                found.problems());
    }

    /**
     * What discovery found when the module was configured: the providers it binds as defaults and the
     * problems the injector's registry reports.
     *
     * @param experts discovered expert providers by id
     * @param heads discovered head providers by id
     * @param embeddings discovered embedding providers by id
     * @param kernels discovered kernel backend providers by id
     * @param images discovered image preprocessor providers by id
     * @param tokenizers discovered tokenizer providers by id
     * @param problems the providers that could not be loaded
     */
    record Discovered(Map<String, ExpertProvider> experts, Map<String, HeadProvider> heads,
            Map<String, EmbeddingProvider> embeddings, Map<String, KernelProvider> kernels,
            Map<String, ImagePreprocessorProvider> images, Map<String, TokenizerProvider> tokenizers,
            List<DiscoveryProblem> problems) {
        /** Nothing discovered: the state of a module built without discovery. */
        static final Discovered NOTHING = new Discovered(Map.of(), Map.of(), Map.of(), Map.of(), Map.of(), Map.of(),
                List.of());

        Discovered(ProviderRegistry registry) {
            this(registry.experts(), registry.heads(), registry.embeddings(), registry.kernels(),
                    registry.imagePreprocessors(), registry.tokenizers(), registry.problems());
        }
    }

    private static <P> void logReplacements(String noun, Map<String, P> discovered, Map<String, P> bound) {
        discovered.forEach((id, found) -> {
            P used = bound.get(id);
            if (used != null && used.getClass() != found.getClass()) {
                LOG.info("{} provider '{}': the bound {} replaces the discovered {}", noun, id,
                        used.getClass().getName(), found.getClass().getName());
            }
        });
    }

    /**
     * Modules with the same settings are equal, so Guice installs the module only once.
     *
     * @param other the other object
     * @return whether {@code other} is a module with the same discovery setting and class loader
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof Beit3CoreModule
                && ((Beit3CoreModule) other).discover == discover
                && ((Beit3CoreModule) other).loader == loader;
    }

    /**
     * Consistent with {@link #equals(Object)}.
     *
     * @return the hash code
     */
    @Override
    public int hashCode() {
        return Boolean.hashCode(discover) * 31 + System.identityHashCode(loader);
    }

    /**
     * Names the settings.
     *
     * @return e.g. {@code "Beit3CoreModule[discovery=thread context class loader]"}
     */
    @Override
    public String toString() {
        return "Beit3CoreModule[discovery="
                + (!discover ? "off" : loader == null ? "thread context class loader" : loader) + "]";
    }
}
