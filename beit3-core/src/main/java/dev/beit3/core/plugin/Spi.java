package dev.beit3.core.plugin;

import dev.beit3.api.EmbeddingProvider;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.TokenizerProvider;
import dev.beit3.api.KernelProvider;
import java.util.Objects;
import java.util.function.Function;

/**
 * Describes one of the three provider SPIs, so that discovery, resolution and messages are written once.
 *
 * @param <P> the provider interface
 */
final class Spi<P> {
    /** {@link ExpertProvider}: listed with its modality. */
    static final Spi<ExpertProvider> EXPERT = new Spi<>(
            ExpertProvider.class,
            "expert",
            ExpertProvider::id,
            p -> p.id() + " (" + p.modality() + ")",
            p -> p.modality() + "  " + p.family().displayName(),
            "is the expert-vision, expert-language or expert-vl jar (or your plugin's jar) on the class path?");

    /** {@link HeadProvider}: listed with its task preset. */
    static final Spi<HeadProvider> HEAD = new Spi<>(
            HeadProvider.class,
            "head",
            HeadProvider::id,
            HeadProvider::id,
            p -> p.preset().name() + "  " + p.family().displayName(),
            "is the heads jar (or your plugin's jar) on the class path?");

    /** {@link EmbeddingProvider}: listed with its modality. */
    static final Spi<EmbeddingProvider> EMBEDDING = new Spi<>(
            EmbeddingProvider.class,
            "embedding",
            EmbeddingProvider::id,
            p -> p.id() + " (" + p.modality() + ")",
            p -> p.modality() + "  " + p.family().displayName(),
            "is the expert-vision or expert-language jar (or your plugin's jar) on the class path?");

    /** {@link KernelProvider}: listed with its description. */
    static final Spi<KernelProvider> KERNEL = new Spi<>(
            KernelProvider.class,
            "kernel",
            KernelProvider::id,
            KernelProvider::id,
            KernelProvider::description,
            "is the kernels-onednn jar (or your plugin's jar) on the class path?");

    /** {@link ImagePreprocessorProvider}: listed with its description. */
    static final Spi<ImagePreprocessorProvider> IMAGE = new Spi<>(
            ImagePreprocessorProvider.class,
            "image-preprocessor",
            ImagePreprocessorProvider::id,
            ImagePreprocessorProvider::id,
            ImagePreprocessorProvider::description,
            "is the expert-vision jar (or your plugin's jar) on the class path?");

    /** {@link TokenizerProvider}: listed with its description. */
    static final Spi<TokenizerProvider> TOKENIZER = new Spi<>(
            TokenizerProvider.class,
            "tokenizer",
            TokenizerProvider::id,
            TokenizerProvider::id,
            TokenizerProvider::description,
            "is the expert-language jar (or your plugin's jar) on the class path?");

    private final Class<P> type;
    private final String noun;
    private final Function<P, String> id;
    private final Function<P, String> label;
    private final Function<P, String> details;
    private final String missingJarHint;

    private Spi(
            Class<P> type,
            String noun,
            Function<P, String> id,
            Function<P, String> label,
            Function<P, String> details,
            String missingJarHint) {
        this.type = type;
        this.noun = noun;
        this.id = id;
        this.label = label;
        this.details = details;
        this.missingJarHint = missingJarHint;
    }

    /** @return the provider interface */
    Class<P> type() {
        return type;
    }

    /** @return the short noun used in messages and property names, e.g. {@code "expert"} */
    String noun() {
        return noun;
    }

    /** @return the fully qualified interface name, which is also the {@code META-INF/services} file name */
    String serviceName() {
        return type.getName();
    }

    /**
     * Reads and validates a provider's id.
     *
     * @param provider the provider
     * @return its id
     * @throws IllegalArgumentException if the id is null, blank or has surrounding white space
     */
    String idOf(P provider) {
        String value = id.apply(Objects.requireNonNull(provider, noun + " provider"));
        if (value == null || value.isBlank() || !value.equals(value.strip())) {
            throw new IllegalArgumentException(noun + " provider " + provider.getClass().getName()
                    + " returned the id " + (value == null ? "null" : "'" + value + "'")
                    + "; an id must be non-blank without surrounding white space, e.g. 'beit3-vision'");
        }
        return value;
    }

    /** @return the short label used in "available:" lists, e.g. {@code "beit3-vision (vision)"} */
    String labelOf(P provider) {
        return label.apply(provider);
    }

    /** @return the columns shown by {@link ProviderRegistry#describe()} between id and class */
    String detailsOf(P provider) {
        try {
            return details.apply(provider);
        } catch (RuntimeException | LinkageError e) { // a listing must not fail because one provider is odd
            return "? (" + e.getClass().getSimpleName() + ")";
        }
    }

    /** @return the closing question of an "unknown id" message */
    String missingJarHint() {
        return missingJarHint;
    }

    @Override
    public String toString() {
        return type.getSimpleName();
    }
}
