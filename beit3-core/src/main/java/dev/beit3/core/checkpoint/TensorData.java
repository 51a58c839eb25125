package dev.beit3.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.util.Float16Utils;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named tensor of a checkpoint: its element type, shape and contiguous row-major little-endian
 * bytes (storage offset and strides already applied).
 *
 * <p>Immutable: {@link #shape()} returns a copy and {@link #data()} a read-only little-endian view
 * positioned at 0. Two instances are equal when name, dtype, shape and bytes are equal.
 *
 * @param name the state-dict key
 * @param dtype element type
 * @param shape dimensions ({@code []} for a 0-d scalar)
 * @param data {@code numel × dtype.byteSize()} bytes, little-endian, row-major
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record TensorData(String name, DType dtype, long[] shape, ByteBuffer data) {

    /**
     * Validates and freezes the fields.
     *
     * @throws CheckpointException if a dimension is negative or the byte count does not match the shape
     */
    public TensorData {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        shape = shape.clone();
        long n = numel(shape, name);
        ByteBuffer frozen = data.slice().asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        if (frozen.remaining() != n * dtype.byteSize()) {
            throw new CheckpointException("tensor " + dev.beit3.core.io.Printable.of(name) + ": " + frozen.remaining() + " bytes do not match shape "
                    + Arrays.toString(shape) + " of " + dtype.pythonName() + " (" + n * dtype.byteSize() + " bytes expected)");
        }
        data = frozen;
    }

    /**
     * The dimensions.
     *
     * @return a copy of the shape
     */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /**
     * The element bytes.
     *
     * @return a read-only little-endian view at position 0
     */
    @Override
    public ByteBuffer data() {
        return data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * Number of elements (1 for a 0-d tensor).
     *
     * @return the product of the shape
     */
    public long numel() {
        return numel(shape, name);
    }

    /**
     * The shape as a DJL {@link Shape} ({@code new Shape()} for 0-d).
     *
     * @return the shape
     */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /**
     * The elements as float32: float16/bfloat16/float64 are converted (bfloat16 exactly, by shifting
     * its bits left by 16), integers and booleans are converted to their value.
     *
     * @return a new array
     * @throws CheckpointException if the tensor has more than 2^31-1 elements
     */
    public float[] toFloats() {
        int n = intNumel();
        float[] out = new float[n];
        ByteBuffer b = data();
        switch (dtype) {
            case FLOAT32 -> b.asFloatBuffer().get(out);
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float16Utils.halfToFloat(b.getShort(2 * i));
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xFFFF) << 16);
                }
            }
            case FLOAT64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) b.getDouble(8 * i);
                }
            }
            default -> {
                long[] l = toLongs();
                for (int i = 0; i < n; i++) {
                    out[i] = l[i];
                }
            }
        }
        return out;
    }

    /**
     * The elements of an integer or boolean tensor as longs (uint8 as 0..255, bool as 0/1).
     *
     * @return a new array
     * @throws CheckpointException for a float tensor or one with more than 2^31-1 elements
     */
    public long[] toLongs() {
        int n = intNumel();
        long[] out = new long[n];
        ByteBuffer b = data();
        switch (dtype) {
            case INT64 -> b.asLongBuffer().get(out);
            case INT32 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getInt(4 * i);
                }
            }
            case INT16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.getShort(2 * i);
                }
            }
            case INT8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i);
                }
            }
            case UINT8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i) & 0xFF;
                }
            }
            case BOOL -> {
                for (int i = 0; i < n; i++) {
                    out[i] = b.get(i) != 0 ? 1 : 0;
                }
            }
            default -> throw new CheckpointException("tensor " + dev.beit3.core.io.Printable.of(name) + " is " + dtype.pythonName()
                    + ", not an integer type: use toFloats()");
        }
        return out;
    }

    /**
     * The index of the first NaN or infinite element of a floating-point tensor, read from the bytes in heap
     * (no conversion, no native call).
     *
     * @return the element index, or -1 when every element is finite or the tensor holds integers or booleans
     */
    public long firstNonFinite() {
        ByteBuffer b = data();
        long n = numel();
        switch (dtype) {
            case FLOAT32 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getInt(4 * i) & 0x7f800000) == 0x7f800000) {
                        return i;
                    }
                }
            }
            case FLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getShort(2 * i) & 0x7c00) == 0x7c00) {
                        return i;
                    }
                }
            }
            case BFLOAT16 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getShort(2 * i) & 0x7f80) == 0x7f80) {
                        return i;
                    }
                }
            }
            case FLOAT64 -> {
                for (int i = 0; i < n; i++) {
                    if ((b.getLong(8 * i) & 0x7ff0000000000000L) == 0x7ff0000000000000L) {
                        return i;
                    }
                }
            }
            default -> {
                return -1;
            }
        }
        return -1;
    }

    /**
     * Creates an NDArray in {@code manager}: float types become FLOAT32 (bfloat16 and float16 are
     * widened in Java, float64 narrowed), INT64/INT32/INT8/UINT8/BOOL keep their type, INT16 becomes
     * INT32. A 0-d tensor gets {@code new Shape()}.
     *
     * @param manager the owner of the new array
     * @return the array
     */
    public NDArray toNDArray(NDManager manager) {
        int n = intNumel();
        Shape s = djlShape();
        ByteBuffer direct;
        switch (dtype) {
            case FLOAT32, INT64, INT32, INT8, UINT8, BOOL -> {
                direct = ByteBuffer.allocateDirect(n * dtype.byteSize()).order(ByteOrder.nativeOrder());
                if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN || dtype.byteSize() == 1) {
                    direct.put(data());
                } else if (dtype == DType.FLOAT32) {
                    direct.asFloatBuffer().put(data().asFloatBuffer());
                } else if (dtype == DType.INT64) {
                    direct.asLongBuffer().put(data().asLongBuffer());
                } else {
                    direct.asIntBuffer().put(data().asIntBuffer());
                }
            }
            case FLOAT16, BFLOAT16, FLOAT64 -> {
                direct = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
                direct.asFloatBuffer().put(toFloats());
            }
            case INT16 -> {
                direct = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
                long[] l = toLongs();
                for (int i = 0; i < n; i++) {
                    direct.putInt(4 * i, (int) l[i]);
                }
            }
            default -> throw new IllegalStateException(dtype.name());
        }
        direct.rewind();
        return manager.create(direct, s, dtype.djlType());
    }

    /**
     * Equal when name, dtype, shape and bytes are equal.
     *
     * @param o another object
     * @return whether equal
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof TensorData t && name.equals(t.name) && dtype == t.dtype
                && Arrays.equals(shape, t.shape) && data.equals(t.data);
    }

    /**
     * A hash over name, dtype, shape and bytes.
     *
     * @return the hash
     */
    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), data);
    }

    /**
     * A short description without the data, e.g. {@code TensorData[w, float32[2, 2]]}.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return "TensorData[" + name + ", " + dtype.pythonName() + Arrays.toString(shape) + "]";
    }

    private int intNumel() {
        long n = numel();
        if (n > Integer.MAX_VALUE - 8) {
            throw new CheckpointException("tensor " + dev.beit3.core.io.Printable.of(name) + " has " + n
                    + " elements, more than a Java array holds; split it before converting");
        }
        return (int) n;
    }

    static long numel(long[] shape, String name) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new CheckpointException("tensor " + dev.beit3.core.io.Printable.of(name) + " has a negative dimension in shape " + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new CheckpointException("tensor " + dev.beit3.core.io.Printable.of(name) + ": shape " + Arrays.toString(shape) + " overflows 64 bits");
            }
        }
        return n;
    }
}
