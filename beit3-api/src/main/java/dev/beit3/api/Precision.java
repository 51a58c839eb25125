package dev.beit3.api;

import java.util.Locale;

/**
 * The arithmetic a {@link KernelProvider} computes the linear layers in. Activations between layers stay float32
 * in every precision; only the matrix products use the reduced type.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public enum Precision {
    /** float32 × float32 → float32: the reference. */
    FP32,
    /** bfloat16 × bfloat16 → float32 accumulation; weights converted once at load. */
    BF16,
    /**
     * int8 × int8 → int32, rescaled to float32: weights quantised per output channel at load, activations
     * quantised per call (dynamic, one scale and one zero point per call).
     */
    INT8;

    /**
     * The lower-case name used on the command line and in system properties.
     *
     * @return {@code "fp32"}, {@code "bf16"} or {@code "int8"}
     */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses {@code fp32|bf16|int8} (case-insensitive; {@code float32}, {@code bfloat16} also accepted).
     *
     * @param text the name
     * @return the precision
     * @throws InvalidInputException naming the accepted values
     */
    public static Precision parse(String text) {
        String t = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        return switch (t) {
            case "fp32", "float32", "f32" -> FP32;
            case "bf16", "bfloat16" -> BF16;
            case "int8", "i8", "s8" -> INT8;
            default -> throw new InvalidInputException("unknown precision '" + text + "': use fp32, bf16 or int8");
        };
    }
}
