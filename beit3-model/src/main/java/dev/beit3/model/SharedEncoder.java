package dev.beit3.model;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.Kernels;
import dev.beit3.api.Tokenizer;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.plugin.ProviderRegistry;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the models built by {@link Beit3#withHead} share with the model they came from: the encoder weights, the
 * kernel backend, the opened checkpoint, the tokenizer, the image preprocessor and the registry. Reference-counted:
 * the native parts are freed when the last model using them closes.
 */
final class SharedEncoder {
    final NDManager weights;
    final Checkpoint checkpoint;
    final Tokenizer tokenizer;
    final ProviderRegistry registry;
    final ImagePreprocessor images;
    final int batchSize;
    final Kernels kernels;
    private final AtomicInteger users = new AtomicInteger(1);

    /**
     * Takes ownership of the native parts; the image preprocessor is looked up in the registry now, so a missing
     * vision jar fails the load with a {@link dev.beit3.api.ProviderException} naming it.
     *
     * @param weights the manager of the encoder weights
     * @param checkpoint the opened checkpoint (head swaps read it again)
     * @param tokenizer the tokenizer, or null
     * @param registry the providers the model was built from
     * @param batchSize how many inputs go through the encoder at once
     * @param kernels the kernel backend
     */
    SharedEncoder(NDManager weights, Checkpoint checkpoint, Tokenizer tokenizer, ProviderRegistry registry,
            int batchSize, Kernels kernels) {
        this.images = registry.imagePreprocessor(ImagePreprocessorProvider.DEFAULT_ID).preprocessor();
        this.kernels = kernels;
        this.weights = weights;
        this.checkpoint = checkpoint;
        this.tokenizer = tokenizer;
        this.registry = registry;
        this.batchSize = batchSize;
    }

    /** One more model uses these resources. */
    void retain() {
        users.incrementAndGet();
    }

    /** One model fewer uses these resources; the last one frees them. */
    void release() {
        if (users.decrementAndGet() == 0) {
            weights.close();
            kernels.close();
            if (tokenizer != null) {
                tokenizer.close();
            }
        }
    }
}
