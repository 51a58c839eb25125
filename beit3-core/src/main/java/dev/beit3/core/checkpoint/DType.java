package dev.beit3.core.checkpoint;

import ai.djl.ndarray.types.DataType;
import dev.beit3.api.Api;
import java.util.Locale;
import java.util.Optional;

/**
 * Element types a checkpoint tensor can have, with their byte sizes and their names in the PyTorch
 * ({@code torch.FloatStorage}, {@code float32}) and safetensors ({@code F32}) formats.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public enum DType {
    /** IEEE-754 binary32. */
    FLOAT32(4, "FloatStorage", "F32", "float32"),
    /** IEEE-754 binary16. */
    FLOAT16(2, "HalfStorage", "F16", "float16"),
    /** bfloat16: the upper 16 bits of a float32. */
    BFLOAT16(2, "BFloat16Storage", "BF16", "bfloat16"),
    /** IEEE-754 binary64. */
    FLOAT64(8, "DoubleStorage", "F64", "float64"),
    /** Signed 64-bit integer. */
    INT64(8, "LongStorage", "I64", "int64"),
    /** Signed 32-bit integer. */
    INT32(4, "IntStorage", "I32", "int32"),
    /** Signed 16-bit integer. */
    INT16(2, "ShortStorage", "I16", "int16"),
    /** Signed 8-bit integer. */
    INT8(1, "CharStorage", "I8", "int8"),
    /** Unsigned 8-bit integer. */
    UINT8(1, "ByteStorage", "U8", "uint8"),
    /** Boolean, one byte per element (0 or 1). */
    BOOL(1, "BoolStorage", "BOOL", "bool");

    private final int byteSize;
    private final String torchStorage;
    private final String safetensorsCode;
    private final String pythonName;

    DType(int byteSize, String torchStorage, String safetensorsCode, String pythonName) {
        this.byteSize = byteSize;
        this.torchStorage = torchStorage;
        this.safetensorsCode = safetensorsCode;
        this.pythonName = pythonName;
    }

    /**
     * Bytes per element.
     *
     * @return 1, 2, 4 or 8
     */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Whether this is a floating-point type (float32, float16, bfloat16, float64).
     *
     * @return true for float types
     */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT16 || this == BFLOAT16 || this == FLOAT64;
    }

    /**
     * The dtype code used in safetensors headers, e.g. {@code "F32"}.
     *
     * @return the code
     */
    public String safetensorsCode() {
        return safetensorsCode;
    }

    /**
     * The PyTorch/NumPy name, e.g. {@code "float32"} (as in the fixtures' {@code checkpoint.json}).
     *
     * @return the name
     */
    public String pythonName() {
        return pythonName;
    }

    /**
     * The simple name of the legacy typed storage class PyTorch pickles, e.g. {@code "FloatStorage"}.
     *
     * @return the class name without the {@code torch.} module
     */
    public String torchStorageName() {
        return torchStorage;
    }

    /**
     * The DJL type an array of this dtype becomes in {@link TensorData#toNDArray}: float types become
     * FLOAT32 (bfloat16 would abort the JVM in DJL 0.36), INT16 becomes INT32.
     *
     * @return the DJL data type
     */
    public DataType djlType() {
        return switch (this) {
            case FLOAT32, FLOAT16, BFLOAT16, FLOAT64 -> DataType.FLOAT32;
            case INT64 -> DataType.INT64;
            case INT32, INT16 -> DataType.INT32;
            case INT8 -> DataType.INT8;
            case UINT8 -> DataType.UINT8;
            case BOOL -> DataType.BOOLEAN;
        };
    }

    /**
     * Looks a dtype up by its safetensors code.
     *
     * @param code e.g. {@code "BF16"}
     * @return the dtype, or empty if unknown
     */
    public static Optional<DType> fromSafetensorsCode(String code) {
        for (DType d : values()) {
            if (d.safetensorsCode.equals(code)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /**
     * Looks a dtype up by the simple name of a PyTorch storage class.
     *
     * @param storageClass e.g. {@code "HalfStorage"}
     * @return the dtype, or empty if unknown
     */
    public static Optional<DType> fromTorchStorage(String storageClass) {
        for (DType d : values()) {
            if (d.torchStorage.equals(storageClass)) {
                return Optional.of(d);
            }
        }
        return Optional.empty();
    }

    /**
     * Looks a dtype up by its PyTorch dtype attribute name ({@code torch.float32}, {@code torch.half}, ...).
     *
     * @param name the attribute name after {@code torch.}
     * @return the dtype, or empty if unknown
     */
    public static Optional<DType> fromTorchDtypeName(String name) {
        return Optional.ofNullable(switch (name.toLowerCase(Locale.ROOT)) {
            case "float32", "float" -> FLOAT32;
            case "float16", "half" -> FLOAT16;
            case "bfloat16" -> BFLOAT16;
            case "float64", "double" -> FLOAT64;
            case "int64", "long" -> INT64;
            case "int32", "int" -> INT32;
            case "int16", "short" -> INT16;
            case "int8" -> INT8;
            case "uint8" -> UINT8;
            case "bool" -> BOOL;
            default -> null;
        });
    }
}
