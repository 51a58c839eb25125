package dev.beit3.core.load;

import dev.beit3.api.Api;
import dev.beit3.api.EncoderConfig;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointLayout;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.plugin.ProviderRegistry;

/**
 * How one model family's encoder is assembled by {@link ModelLoader}: BEiT-3's is built in ({@link #beit3()});
 * another family (VLMo) supplies its own in its {@link LoadRequest}. The loader calls {@link #check}, then
 * {@link #configure}, then {@link #build}, once each: an assembly may keep what {@code check} read for the
 * later steps, so use a fresh one per load.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public interface EncoderAssembly {
    /**
     * Checks that the checkpoint is this family's (before any head is chosen).
     *
     * @param layout the checkpoint's layout
     * @param checkpoint the opened checkpoint (shapes only; no tensor is read)
     * @throws dev.beit3.api.CheckpointException naming the family the keys belong to otherwise
     */
    void check(CheckpointLayout layout, Checkpoint checkpoint);

    /**
     * The encoder configuration (after the head is chosen).
     *
     * @param layout the checkpoint's layout
     * @param request the caller's settings (heads, image size, or a whole configuration)
     * @return the configuration
     */
    EncoderConfig configure(CheckpointLayout layout, LoadRequest request);

    /**
     * Builds the encoder over the weights.
     *
     * @param config the configuration from {@link #configure}
     * @param weights the checkpoint's weights (load report shared with the heads)
     * @param registry where the expert and embedding providers come from
     * @return the encoder
     */
    MultiwayEncoder build(EncoderConfig config, CheckpointWeights weights, ProviderRegistry registry);

    /**
     * What the model is, for the load report's message, e.g. {@code config.summary()}.
     *
     * @param config the configuration
     * @return the description
     */
    String describe(EncoderConfig config);

    /**
     * The BEiT-3 assembly: {@link CheckpointLayout#requireBeit3()}, H = D/64 unless given, the vision and
     * language providers of {@link dev.beit3.core.encoder.Beit3Encoders}.
     *
     * @return a new assembly
     */
    static EncoderAssembly beit3() {
        return new Beit3Assembly();
    }
}
