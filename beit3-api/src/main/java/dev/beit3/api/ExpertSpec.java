package dev.beit3.api;

import java.util.Map;
import java.util.Objects;

/**
 * What a provider needs to build one expert: the narrow setup context of the SPI.
 *
 * @param config encoder configuration (D, H, F, ε, …)
 * @param layer layer index 0…L−1; {@code config.layers()} for the {@link LayerSlot#FINAL_NORM} slot
 * @param slot the slot the expert serves
 * @param modality the tokens it serves
 * @param options free-form provider options (e.g. {@code "branch" -> "A"}), never null
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record ExpertSpec(EncoderConfig config, int layer, LayerSlot slot, Modality modality,
        Map<String, String> options) {
    /** Validates and copies. */
    public ExpertSpec {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(slot, "slot");
        Objects.requireNonNull(modality, "modality");
        options = Map.copyOf(options == null ? Map.of() : options);
        if (layer < 0 || layer > config.layers()) {
            throw new IllegalArgumentException("layer " + layer + " outside 0.." + config.layers());
        }
    }

    /**
     * A readable name for messages, e.g. {@code "layer 3 ATTENTION vision expert"}.
     *
     * @return the description
     */
    public String describe() {
        return (layer == config.layers() ? "final" : "layer " + layer) + " " + slot + " " + modality + " expert";
    }
}
