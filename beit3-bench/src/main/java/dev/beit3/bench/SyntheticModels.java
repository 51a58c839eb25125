package dev.beit3.bench;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Kernels;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.load.LoadRequest;
import dev.beit3.core.load.LoadedModel;
import dev.beit3.core.load.ModelLoader;
import dev.beit3.core.plugin.ProviderRegistry;
import java.nio.file.Path;

/**
 * The models of the workloads, each built by the {@link ModelLoader} over the synthetic checkpoint from the one
 * registry the benchmark run discovered, in the caller's manager and on the caller's backend.
 *
 * @param file the synthetic checkpoint
 * @param registry the providers of this benchmark run
 */
record SyntheticModels(Path file, ProviderRegistry registry) {

    /**
     * The encoder of a configuration.
     *
     * @param c the configuration (a variant of the checkpoint's dimensions)
     * @param weights where the weights are created (the caller closes it)
     * @param k the backend (the caller closes it)
     * @return the encoder
     */
    MultiwayEncoder encoder(EncoderConfig c, NDManager weights, Kernels k) {
        return load(c, weights, k, LoadRequest.builder().heads(LoadRequest.Heads.NONE)).encoder();
    }

    /**
     * The encoder and one head of a configuration.
     *
     * @param c the configuration
     * @param head the head's id, e.g. {@code captioning}
     * @param weights where the weights are created (the caller closes it)
     * @param k the backend (the caller closes it)
     * @return the model; its weights and backend are the caller's
     */
    LoadedModel withHead(EncoderConfig c, String head, NDManager weights, Kernels k) {
        return load(c, weights, k, LoadRequest.builder().head(head));
    }

    private LoadedModel load(EncoderConfig c, NDManager weights, Kernels k, LoadRequest.Builder b) {
        return ModelLoader.load(b.checkpoint(file).registry(registry).config(c).kernels(k).into(weights).build());
    }
}
