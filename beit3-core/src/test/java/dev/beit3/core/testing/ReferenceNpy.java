package dev.beit3.core.testing;

import dev.beit3.api.InvalidInputException;
import dev.beit3.core.io.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * The project's former hand-written {@code .npy}/{@code .npz} reader, kept in test scope only as the reference
 * that the library path ({@link Npy#read}, {@link Npy#readNpz}: DJL's {@code NDList.decode}) is compared with
 * on every fixture ({@code NpyLibraryReadTest}). Not used by any other test.
 */
public final class ReferenceNpy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']+)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final long MAX_HEADER = 1 << 16;

    private ReferenceNpy() {}

    /**
     * Reads every entry of an {@code .npz}, keyed by its name without the {@code .npy} suffix, in archive order.
     *
     * @param file the archive
     * @return the arrays
     * @throws IOException on I/O failure
     */
    public static Map<String, Npy.Array> readNpz(Path file) throws IOException {
        Map<String, Npy.Array> out = new LinkedHashMap<>();
        try (ZipFile z = new ZipFile(file.toFile())) {
            Enumeration<? extends ZipEntry> en = z.entries();
            while (en.hasMoreElements()) {
                ZipEntry e = en.nextElement();
                if (e.isDirectory()) {
                    continue;
                }
                String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4)
                        : e.getName();
                try (InputStream in = z.getInputStream(e)) {
                    out.put(name, read(in, e.getSize(), file + "!" + e.getName()));
                }
            }
        }
        return out;
    }

    /**
     * Reads a file.
     *
     * @param file the {@code .npy} file
     * @return the array
     * @throws IOException on I/O failure
     * @throws InvalidInputException when the file is not a supported npy file
     */
    public static Npy.Array read(Path file) throws IOException {
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
    public static Npy.Array read(InputStream in, long available, String name) throws IOException {
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
        return new Npy.Array(descr, shape, ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer());
    }

}
