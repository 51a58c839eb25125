package dev.beit3.api;

/**
 * SPI: supplies an {@link ImagePreprocessor}. Found by {@link java.util.ServiceLoader} (register the class in
 * {@code META-INF/services/dev.beit3.api.ImagePreprocessorProvider}); the model facade takes the one with id
 * {@link #DEFAULT_ID} unless told otherwise, so the model needs no compile-time dependency on the vision jar.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public interface ImagePreprocessorProvider {
    /** The id of the reference preprocessing (PIL decoding rules, bicubic resize), in the expert-vision jar. */
    String DEFAULT_ID = "beit3-image";

    /**
     * Unique id, e.g. {@value #DEFAULT_ID}.
     *
     * @return the id
     */
    String id();

    /**
     * One-line human description for listings.
     *
     * @return the description
     */
    default String description() {
        return id();
    }

    /**
     * The preprocessor (thread-safe; may be shared).
     *
     * @return the preprocessor
     */
    ImagePreprocessor preprocessor();
}
