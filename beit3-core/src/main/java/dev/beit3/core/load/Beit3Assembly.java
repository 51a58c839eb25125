package dev.beit3.core.load;

import dev.beit3.api.EncoderConfig;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointLayout;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.Beit3Encoders;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.plugin.ProviderRegistry;

/** The BEiT-3 encoder of a checkpoint's layout (see {@link EncoderAssembly#beit3()}). */
final class Beit3Assembly implements EncoderAssembly {
    @Override
    public void check(CheckpointLayout layout, Checkpoint checkpoint) {
        layout.requireBeit3();
    }

    @Override
    public EncoderConfig configure(CheckpointLayout layout, LoadRequest request) {
        if (request.config() != null) {
            return request.config();
        }
        int h = request.attentionHeads() != null ? request.attentionHeads() : layout.defaultHeads();
        try {
            return layout.beit3Config(h, request.imageSize() != null ? request.imageSize() : 0);
        } catch (IllegalArgumentException e) {
            // a setting the caller chose (or a checkpoint shape) that the encoder cannot use: bad input
            String m = e.getMessage();
            String setting = m.startsWith("imageSize") ? " (Beit3.builder().imageSize(s))"
                    : m.startsWith("dim") ? " (Beit3.builder().attentionHeads(h))" : "";
            throw new InvalidInputException(layout.name() + ": " + m + setting, e);
        }
    }

    @Override
    public MultiwayEncoder build(EncoderConfig config, CheckpointWeights weights, ProviderRegistry registry) {
        return ModelLoader.beit3Encoder(config, weights, registry);
    }

    @Override
    public String describe(EncoderConfig config) {
        return config.summary();
    }
}
