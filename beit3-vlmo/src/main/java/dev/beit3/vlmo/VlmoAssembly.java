package dev.beit3.vlmo;

import dev.beit3.api.EncoderConfig;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointLayout;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.load.EncoderAssembly;
import dev.beit3.core.load.LoadRequest;
import dev.beit3.core.plugin.ProviderRegistry;

/** VLMo's encoder for the loader: its own layout ({@link VlmoLayout}) and {@link VlmoEncoders}. One per load. */
final class VlmoAssembly implements EncoderAssembly {
    private final int heads;
    private final int imageSize;
    private VlmoLayout layout;

    VlmoAssembly(int heads, int imageSize) {
        this.heads = heads;
        this.imageSize = imageSize;
    }

    @Override
    public void check(CheckpointLayout l, Checkpoint checkpoint) {
        layout = VlmoLayout.of(checkpoint, heads, imageSize);
    }

    @Override
    public EncoderConfig configure(CheckpointLayout l, LoadRequest request) {
        return layout.encoderConfig();
    }

    @Override
    public MultiwayEncoder build(EncoderConfig config, CheckpointWeights weights, ProviderRegistry registry) {
        return VlmoEncoders.build(layout, weights, id -> registry.findExpert(id).orElse(null),
                id -> registry.findEmbedding(id).orElse(null));
    }

    @Override
    public String describe(EncoderConfig config) {
        return layout.summary();
    }
}
