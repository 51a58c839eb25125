package dev.beit3.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads and writes NumPy {@code .npy} files (format 1.0/2.0, C order, little-endian) for the dtypes
 * beit3-java exchanges: {@code <f4}, {@code <i8}, {@code <i4}, {@code |u1}, {@code |b1}.
 *
 * <p>An {@link Array} holds the raw little-endian bytes and the shape; convert with {@link
 * Array#toNDArray(NDManager)} or the typed accessors.
 */
@Api(status = Api.Status.STABLE)
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final long MAX_HEADER = 1 << 16;

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
     * Reads a file.
     *
     * @param file the {@code .npy} file
     * @return the array
     * @throws IOException on I/O failure
     * @throws InvalidInputException when the file is not a supported npy file
     */
    public static Array read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, Files.size(file), file.toString());
        }
    }

    /**
     * Reads from a stream.
     *
     * @param in the stream, positioned at the magic string
     * @param available the number of bytes the stream holds (bounds every allocation), or −1 if unknown
     * @param name name for error messages
     * @return the array
     * @throws IOException on I/O failure
     */
    public static Array read(InputStream in, long available, String name) throws IOException {
        byte[] pre = in.readNBytes(8);
        if (pre.length < 8 || !Arrays.equals(Arrays.copyOf(pre, 6), MAGIC)) {
            throw new InvalidInputException(name + " is not a .npy file (missing \\x93NUMPY magic)");
        }
        int major = pre[6];
        long hlen;
        int preamble;
        if (major == 1) {
            byte[] b = in.readNBytes(2);
            hlen = (b[0] & 0xff) | ((b[1] & 0xff) << 8);
            preamble = 10;
        } else if (major == 2 || major == 3) {
            byte[] b = in.readNBytes(4);
            hlen = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            preamble = 12;
        } else {
            throw new InvalidInputException(name + ": unsupported npy format version " + major);
        }
        if (hlen > MAX_HEADER) {
            throw new InvalidInputException(name + ": npy header length " + hlen + " is implausible");
        }
        String header = new String(in.readNBytes((int) hlen), StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(header);
        Matcher f = FORTRAN.matcher(header);
        Matcher s = SHAPE.matcher(header);
        if (!d.find() || !s.find()) {
            throw new InvalidInputException(name + ": npy header lacks descr or shape: " + header.trim());
        }
        if (f.find() && f.group(1).equals("True")) {
            throw new InvalidInputException(name + ": Fortran-order npy arrays are not supported");
        }
        String descr = d.group(1);
        int itemSize = switch (descr) {
            case "<f4", "<i4" -> 4;
            case "<i8" -> 8;
            case "|u1", "|b1" -> 1;
            default -> throw new InvalidInputException(name + ": npy dtype " + descr
                    + " is not supported (use <f4, <i8, <i4, |u1 or |b1)");
        };
        long[] shape = Arrays.stream(s.group(1).split(","))
                .map(String::trim)
                .filter(t -> !t.isEmpty())
                .mapToLong(Long::parseLong)
                .toArray();
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new InvalidInputException(name + ": negative npy dimension in " + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dim);
        }
        long bytes = Math.multiplyExact(count, itemSize);
        if (bytes > Integer.MAX_VALUE - 64
                || (available >= 0 && bytes > available - preamble - hlen)) {
            throw new InvalidInputException(name + ": npy declares " + bytes + " data bytes but the file holds "
                    + (available < 0 ? "fewer" : String.valueOf(available - preamble - hlen)));
        }
        byte[] payload = in.readNBytes((int) bytes);
        if (payload.length != bytes) {
            throw new InvalidInputException(name + ": npy data truncated: " + payload.length + " of " + bytes
                    + " bytes");
        }
        return new Array(descr, shape, ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer());
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
