package dev.beit3.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * NumPy {@code .npy} and {@code .npz} files: read through DJL's decoder ({@link NDList#decode(NDManager, byte[])}),
 * written here (format 1.0, C order, little-endian; DJL exposes no {@code .npy} writer) for the dtypes beit3-java
 * exchanges: {@code <f4} and {@code <i8}.
 *
 * <p>An {@link Array} holds the raw little-endian bytes and the shape; convert with {@link
 * Array#toNDArray(NDManager)} or the typed accessors.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};

    private Npy() {}

    /**
     * A decoded array: dtype descriptor, shape, and little-endian element bytes.
     *
     * @param descr NumPy dtype descriptor, e.g. {@code "<f4"}
     * @param shape dimensions ({@code []} for a scalar)
     * @param data element bytes, little-endian, read-only, position 0
     */
    public record Array(String descr, long[] shape, ByteBuffer data) {
        /**
         * Number of elements.
         *
         * @return product of the shape
         */
        public long size() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }

        /**
         * The elements as floats (only for {@code <f4}).
         *
         * @return a new array
         */
        public float[] floats() {
            require("<f4");
            float[] out = new float[(int) size()];
            data.duplicate().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(out);
            return out;
        }

        /**
         * The elements as longs ({@code <i8}, {@code <i4}, {@code |u1}, {@code |b1} widened).
         *
         * @return a new array
         */
        public long[] longs() {
            long[] out = new long[(int) size()];
            ByteBuffer b = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
            switch (descr) {
                case "<i8" -> b.asLongBuffer().get(out);
                case "<i4" -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = b.getInt(i * 4);
                    }
                }
                case "|u1", "|b1" -> {
                    for (int i = 0; i < out.length; i++) {
                        out[i] = b.get(i) & 0xff;
                    }
                }
                default -> throw new InvalidInputException("npy dtype " + descr + " is not an integer type");
            }
            return out;
        }

        /**
         * The DJL shape.
         *
         * @return the shape
         */
        public Shape djlShape() {
            return new Shape(shape);
        }

        /**
         * Copies the array into a new NDArray of the matching DJL type.
         *
         * @param manager owner of the result
         * @return float32, int64, int32, uint8 or boolean array
         */
        public NDArray toNDArray(NDManager manager) {
            DataType type = switch (descr) {
                case "<f4" -> DataType.FLOAT32;
                case "<i8" -> DataType.INT64;
                case "<i4" -> DataType.INT32;
                case "|u1" -> DataType.UINT8;
                case "|b1" -> DataType.BOOLEAN;
                default -> throw new InvalidInputException("npy dtype " + descr + " is not supported");
            };
            ByteBuffer direct = ByteBuffer.allocateDirect(data.remaining()).order(ByteOrder.nativeOrder());
            direct.put(data.duplicate());
            direct.rewind();
            return manager.create(direct, djlShape(), type);
        }

        private void require(String d) {
            if (!descr.equals(d)) {
                throw new InvalidInputException("npy dtype is " + descr + ", expected " + d);
            }
        }

        @Override
        public String toString() {
            return "npy[" + descr + " " + Arrays.toString(shape) + "]";
        }
    }

    /**
     * Reads a {@code .npy} file through DJL's decoder ({@link NDList#decode(NDManager, byte[])}), in a native
     * memory scope of its own that is closed before returning.
     *
     * @param file the {@code .npy} file
     * @return the array (any dtype DJL reads; the typed accessors name the ones they accept)
     * @throws IOException on I/O failure
     * @throws InvalidInputException when the file is not an npy file DJL can read
     */
    public static Array read(Path file) throws IOException {
        Map<String, Array> all = decode(file);
        if (all.size() != 1) {
            throw new InvalidInputException(file + " holds " + all.size() + " arrays, not one: read it with readNpz");
        }
        return all.values().iterator().next();
    }

    /**
     * Reads every array of a NumPy {@code .npz} archive through DJL's decoder, keyed by its name in the archive
     * (without the {@code .npy} suffix), in archive order.
     *
     * @param file the {@code .npz} file
     * @return the arrays by name
     * @throws IOException on I/O failure
     * @throws InvalidInputException when the file is not an npz file DJL can read
     */
    public static Map<String, Array> readNpz(Path file) throws IOException {
        return decode(file);
    }

    private static Map<String, Array> decode(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Map<String, Array> out = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            NDList list;
            try {
                list = NDList.decode(m, bytes);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new InvalidInputException(file + " is not a .npy/.npz file DJL can read (" + e.getMessage()
                        + "): write it with numpy.save or numpy.savez, C order", e);
            }
            for (NDArray a : list) {
                ByteBuffer data = a.toByteBuffer(); // native order: little-endian on the platforms DJL ships for
                ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data);
                copy.flip();
                String name = a.getName() == null ? String.valueOf(out.size()) : a.getName();
                out.put(name, new Array(a.getDataType().asNumpy(), a.getShape().getShape(),
                        copy.order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer()));
            }
        }
        return out;
    }

    /**
     * Writes float32 data as {@code <f4}.
     *
     * @param out destination
     * @param shape dimensions
     * @param values row-major elements
     * @throws IOException on I/O failure
     */
    public static void writeFloats(OutputStream out, long[] shape, float[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        write(out, "<f4", shape, b.array());
    }

    /**
     * Writes int64 data as {@code <i8}.
     *
     * @param out destination
     * @param shape dimensions
     * @param values row-major elements
     * @throws IOException on I/O failure
     */
    public static void writeLongs(OutputStream out, long[] shape, long[] values) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        write(out, "<i8", shape, b.array());
    }

    private static void write(OutputStream out, String descr, long[] shape, byte[] data) throws IOException {
        StringBuilder sh = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sh.append(shape[i]).append(shape.length == 1 ? "," : i + 1 < shape.length ? ", " : "");
        }
        sh.append(')');
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + sh + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        out.write(MAGIC);
        out.write(new byte[] {1, 0, (byte) (header.length() & 0xff), (byte) (header.length() >> 8)});
        out.write(header.getBytes(StandardCharsets.ISO_8859_1));
        out.write(data);
    }
}
