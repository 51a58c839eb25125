package dev.beit3.api;

import java.util.Map;
import java.util.Objects;

/**
 * What a head provider needs to build a head.
 *
 * @param encoder configuration of the encoder the head sits on
 * @param task the task preset (image size, text length, final norm)
 * @param options free-form options (e.g. {@code "labels"} file, {@code "beamSize"}), never null
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record HeadSpec(EncoderConfig encoder, TaskPreset task, Map<String, String> options) {
    /** Validates and copies. */
    public HeadSpec {
        Objects.requireNonNull(encoder, "encoder");
        Objects.requireNonNull(task, "task");
        options = Map.copyOf(options == null ? Map.of() : options);
    }
}
