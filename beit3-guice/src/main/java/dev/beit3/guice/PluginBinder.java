package dev.beit3.guice;

import com.google.inject.Binder;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import com.google.inject.binder.LinkedBindingBuilder;
import com.google.inject.multibindings.MapBinder;
import com.google.inject.multibindings.OptionalBinder;
import dev.beit3.api.Api;
import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.HeadProvider;
import java.util.Objects;

/**
 * Helpers for Guice modules that contribute providers, so they need not repeat the type literals.
 *
 * <h2>How a provider is bound</h2>
 *
 * Every provider id has one key, {@code @ProviderId("<id>") ExpertProvider} (resp. {@code HeadProvider},
 * {@code EmbeddingProvider}), managed by an {@link OptionalBinder}; the {@code MapBinder<String,
 * ExpertProvider>} entry of the id links to that key. {@link Beit3CoreModule} binds each discovered provider
 * as the key's <em>default</em>; {@link #expert(Binder, String)} binds the key's <em>actual</em> value,
 * which Guice prefers to the default. Hence:
 *
 * <ul>
 *   <li>a plugin module binding the provider that discovery also finds ({@code
 *       PluginBinder.expert(binder(), "beit3-vision").to(Beit3VisionExpertProvider.class)}) is not a duplicate:
 *       the map entries are identical links and Guice keeps one, and the explicit binding wins over the
 *       discovered default (the same class either way);
 *   <li>an explicit binding of a different class for a discovered id replaces the discovered provider (the
 *       {@code OptionalBinder} default/actual pattern; {@link Beit3CoreModule} logs the replacement);
 *   <li>two modules binding different classes explicitly for one id fail at injector creation; to replace
 *       another module's explicit binding on purpose, use {@code Modules.override(theirs).with(yours)}, which
 *       works because the contested binding is one ordinary key.
 * </ul>
 *
 * <p>{@link #experts(Binder)} exposes the raw {@code MapBinder} for new ids ({@code
 * PluginBinder.experts(binder()).addBinding("my-ffn").to(MyFfn.class)}). A raw entry under an id that is
 * also discovered or bound through {@link #expert(Binder, String)} is a Guice duplicate-key error, and raw
 * entries cannot be replaced with {@code Modules.override} ({@code MapBinder} entries have no stable key);
 * prefer {@link #expert(Binder, String)} whenever the id may be provided elsewhere too.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class PluginBinder {
    private PluginBinder() {}

    /**
     * The map of expert providers by id, for adding an entry under a new id.
     *
     * @param binder the module's binder
     * @return the {@code MapBinder<String, ExpertProvider>} (without {@code permitDuplicates})
     */
    public static MapBinder<String, ExpertProvider> experts(Binder binder) {
        return map(binder, ExpertProvider.class);
    }

    /**
     * The map of head providers by id, for adding an entry under a new id.
     *
     * @param binder the module's binder
     * @return the {@code MapBinder<String, HeadProvider>} (without {@code permitDuplicates})
     */
    public static MapBinder<String, HeadProvider> heads(Binder binder) {
        return map(binder, HeadProvider.class);
    }

    /**
     * The map of kernel backend providers by id, for adding an entry under a new id.
     *
     * @param binder the module's binder
     * @return the map binder
     */
    public static MapBinder<String, KernelProvider> kernels(Binder binder) {
        return map(binder, KernelProvider.class);
    }

    /**
     * The map of embedding providers by id, for adding an entry under a new id.
     *
     * @param binder the module's binder
     * @return the {@code MapBinder<String, EmbeddingProvider>} (without {@code permitDuplicates})
     */
    public static MapBinder<String, EmbeddingProvider> embeddings(Binder binder) {
        return map(binder, EmbeddingProvider.class);
    }

    /**
     * Binds the expert provider of an id, in a way that combines with discovery and with {@code
     * Modules.override}: {@code PluginBinder.expert(binder(), "beit3-vision").to(Beit3VisionExpertProvider.class)}.
     * The bound provider's {@code id()} must equal {@code id}.
     *
     * @param binder the module's binder
     * @param id the provider id
     * @return the builder of the binding (call {@code to}, {@code toInstance} or {@code toProvider})
     */
    public static LinkedBindingBuilder<ExpertProvider> expert(Binder binder, String id) {
        return explicit(binder, ExpertProvider.class, id);
    }

    /**
     * Binds the head provider of an id; see {@link #expert(Binder, String)}.
     *
     * @param binder the module's binder
     * @param id the provider id
     * @return the builder of the binding
     */
    public static LinkedBindingBuilder<HeadProvider> head(Binder binder, String id) {
        return explicit(binder, HeadProvider.class, id);
    }

    /**
     * Binds the embedding provider of an id; see {@link #expert(Binder, String)}.
     *
     * @param binder the module's binder
     * @param id the provider id
     * @return the builder of the binding
     */
    public static LinkedBindingBuilder<EmbeddingProvider> embedding(Binder binder, String id) {
        return explicit(binder, EmbeddingProvider.class, id);
    }

    /**
     * The key of one expert provider, for injecting it directly.
     *
     * @param id the provider id
     * @return {@code @ProviderId(id) ExpertProvider}
     */
    public static Key<ExpertProvider> expertKey(String id) {
        return key(ExpertProvider.class, id);
    }

    /**
     * The key of one head provider, for injecting it directly.
     *
     * @param id the provider id
     * @return {@code @ProviderId(id) HeadProvider}
     */
    public static Key<HeadProvider> headKey(String id) {
        return key(HeadProvider.class, id);
    }

    /**
     * The key of one embedding provider, for injecting it directly.
     *
     * @param id the provider id
     * @return {@code @ProviderId(id) EmbeddingProvider}
     */
    public static Key<EmbeddingProvider> embeddingKey(String id) {
        return key(EmbeddingProvider.class, id);
    }

    /**
     * Binds a discovered provider as the default of its id.
     *
     * @param binder the core module's binder
     * @param spi the provider interface
     * @param id the provider's id
     * @param provider the instance {@link java.util.ServiceLoader} created
     * @param <P> the provider interface
     */
    static <P> void bindDiscovered(Binder binder, Class<P> spi, String id, P provider) {
        slot(binder, spi, id).setDefault().toInstance(provider);
    }

    private static <P> LinkedBindingBuilder<P> explicit(Binder binder, Class<P> spi, String id) {
        return slot(binder.skipSources(PluginBinder.class), spi, id).setBinding();
    }

    private static <P> OptionalBinder<P> slot(Binder binder, Class<P> spi, String id) {
        Key<P> key = key(spi, id);
        map(binder, spi).addBinding(id).to(key);
        return OptionalBinder.newOptionalBinder(binder, key);
    }

    private static <P> MapBinder<String, P> map(Binder binder, Class<P> spi) {
        return MapBinder.newMapBinder(
                binder.skipSources(PluginBinder.class), TypeLiteral.get(String.class), TypeLiteral.get(spi));
    }

    private static <P> Key<P> key(Class<P> spi, String id) {
        Objects.requireNonNull(id, "id");
        if (id.isBlank() || !id.equals(id.strip())) {
            throw new IllegalArgumentException(noun(spi) + " provider id '" + id
                    + "' is invalid: use a non-blank id without surrounding white space, e.g. 'beit3-vision'");
        }
        return Key.get(spi, new ProviderIdImpl(id));
    }

    private static String noun(Class<?> spi) {
        return spi == ExpertProvider.class ? "expert" : spi == HeadProvider.class ? "head"
                : spi == EmbeddingProvider.class ? "embedding" : "kernel";
    }
}
