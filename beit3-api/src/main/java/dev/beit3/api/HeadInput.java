package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * The tensors a task head receives. Absent parts are {@code null}.
 *
 * <p>Shapes: B batch, S image side, T text tokens.
 *
 * @param images preprocessed images (B, 3, S, S)
 * @param secondImages the second image of each pair for NLVR2 (B, 3, S, S)
 * @param textIds token ids (B, T) int64
 * @param textPaddingMask (B, T), 1 = padding
 * @param options per-call options (e.g. {@code "beamSize" -> "3"}), never null
 */
@Api(status = Api.Status.STABLE)
public record HeadInput(NDArray images, NDArray secondImages, NDArray textIds, NDArray textPaddingMask,
        Map<String, String> options) {
    /** Copies the options. */
    public HeadInput {
        options = Map.copyOf(options == null ? Map.of() : options);
    }

    /**
     * Reads an integer option.
     *
     * @param key option name
     * @param dflt default
     * @return the value
     */
    public int intOption(String key, int dflt) {
        String v = options.get(key);
        try {
            return v == null ? dflt : Integer.parseInt(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("option " + key + "=" + v + " is not an integer");
        }
    }

    /**
     * Reads a floating-point option.
     *
     * @param key option name
     * @param dflt default
     * @return the value
     */
    public double doubleOption(String key, double dflt) {
        String v = options.get(key);
        try {
            return v == null ? dflt : Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("option " + key + "=" + v + " is not a number");
        }
    }
}
