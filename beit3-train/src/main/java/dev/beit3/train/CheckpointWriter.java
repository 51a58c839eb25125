package dev.beit3.train;

import dev.beit3.core.checkpoint.SafeTensors;
import dev.beit3.core.checkpoint.TensorData;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes trained weights as checkpoints Python can read back.
 *
 * <p>{@code .pth}: the layout of {@code torch.save} (zip format, the layout of the released BEiT-3
 * checkpoints): {@code archive/data.pkl} (pickle protocol 2) holding {@code {'model': OrderedDict(key →
 * torch._utils._rebuild_tensor_v2(storage, 0, shape, stride, False, OrderedDict()))}} with storages as
 * persistent ids {@code ('storage', torch.<T>Storage, '<n>', 'cpu', numel)}, one STORED entry
 * {@code archive/data/<n>} per tensor (little-endian, contiguous, 64-byte aligned as PyTorch writes them),
 * and {@code archive/version} = {@code 3}. Only the opcodes of PyTorch's own files are used. Entries
 * must stay below 4 GiB each (no ZIP64).
 *
 * <p>Safetensors: through the core's {@link SafeTensors} writer.
 *
 * <p>Files are written to a temporary sibling and moved into place, so a crash never leaves a
 * truncated checkpoint under the final name.
 */
public final class CheckpointWriter {
    private static final long ZIP_TIME = 1_577_880_000_000L; // 2020-01-01, inside the DOS time range

    private CheckpointWriter() {}

    /**
     * Writes a {@code .pth} file.
     *
     * @param file target
     * @param stateDict tensors by key, in the order to keep
     * @throws IOException on I/O failure
     */
    public static void writePth(Path file, Map<String, TensorData> stateDict) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        List<TensorData> tensors = new ArrayList<>(stateDict.values());
        List<String> keys = new ArrayList<>(stateDict.keySet());
        byte[] pickle = pickle(keys, tensors);
        try (OutputStream fos = Files.newOutputStream(tmp); Counting cnt = new Counting(fos);
                ZipOutputStream zip = new ZipOutputStream(cnt)) {
            zip.setMethod(ZipOutputStream.STORED);
            put(zip, cnt, "archive/data.pkl", pickle);
            List<String> names = new ArrayList<>();
            for (int i = 0; i < tensors.size(); i++) {
                names.add(Integer.toString(i));
            }
            names.sort(null); // PyTorch writes the records in sorted name order
            for (String n : names) {
                ByteBuffer b = tensors.get(Integer.parseInt(n)).data();
                byte[] bytes = new byte[b.remaining()];
                b.get(bytes);
                put(zip, cnt, "archive/data/" + n, bytes);
            }
            put(zip, cnt, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Writes a safetensors file.
     *
     * @param file target
     * @param stateDict tensors by key
     * @param metadata string metadata (may be empty)
     * @throws IOException on I/O failure
     */
    public static void writeSafetensors(Path file, Map<String, TensorData> stateDict, Map<String, String> metadata)
            throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        SafeTensors.write(tmp, stateDict, metadata);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }

    /** A STORED entry whose data starts on a 64-byte boundary (padding in an "FB" extra field, as PyTorch). */
    private static void put(ZipOutputStream zip, Counting cnt, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setTime(ZIP_TIME);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        long start = cnt.count + 30 + name.getBytes(StandardCharsets.UTF_8).length + 4;
        int pad = (int) ((64 - start % 64) % 64);
        byte[] extra = new byte[4 + pad];
        extra[0] = 'F';
        extra[1] = 'B';
        extra[2] = (byte) pad;
        extra[3] = (byte) (pad >>> 8);
        java.util.Arrays.fill(extra, 4, extra.length, (byte) 'Z');
        e.setExtra(extra);
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** The pickle of {@code {'model': OrderedDict(...)}}. */
    static byte[] pickle(List<String> keys, List<TensorData> tensors) {
        Pickler p = new Pickler();
        p.op(0x80).op(2); // PROTO 2
        p.op('}'); // EMPTY_DICT
        p.string("model");
        p.global("collections", "OrderedDict").op(')').op('R'); // OrderedDict()
        p.op('('); // MARK
        for (int i = 0; i < tensors.size(); i++) {
            TensorData t = tensors.get(i);
            long[] shape = t.shape();
            p.string(keys.get(i));
            p.global("torch._utils", "_rebuild_tensor_v2");
            p.op('('); // MARK: the args
            p.op('('); // MARK: the persistent id
            p.string("storage");
            p.global("torch", t.dtype().torchStorageName());
            p.string(Integer.toString(i));
            p.string("cpu");
            p.integer(t.numel());
            p.op('t'); // TUPLE
            p.op('Q'); // BINPERSID
            p.integer(0); // storage offset
            p.tuple(shape);
            p.tuple(strides(shape));
            p.op(0x89); // NEWFALSE: requires_grad
            p.global("collections", "OrderedDict").op(')').op('R'); // backward hooks
            p.op('t'); // TUPLE
            p.op('R'); // REDUCE
        }
        p.op('u'); // SETITEMS
        p.op('s'); // SETITEM
        p.op('.'); // STOP
        return p.bytes();
    }

    private static long[] strides(long[] shape) {
        long[] s = new long[shape.length];
        long acc = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            s[i] = acc;
            acc *= shape[i];
        }
        return s;
    }

    /** A minimal protocol-2 pickler with a memo for globals. */
    private static final class Pickler {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final Map<String, Integer> memo = new java.util.HashMap<>();

        Pickler op(int b) {
            out.write(b);
            return this;
        }

        void le(long v, int n) {
            for (int i = 0; i < n; i++) {
                out.write((int) (v >>> (8 * i)) & 0xFF);
            }
        }

        void string(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            op('X');
            le(b.length, 4);
            out.writeBytes(b);
        }

        Pickler global(String module, String name) {
            String key = module + "\n" + name + "\n";
            Integer id = memo.get(key);
            if (id != null) {
                if (id < 256) {
                    op('h').op(id);
                } else {
                    op('j');
                    le(id, 4);
                }
                return this;
            }
            op('c');
            out.writeBytes(key.getBytes(StandardCharsets.US_ASCII));
            id = memo.size();
            memo.put(key, id);
            if (id < 256) {
                op('q').op(id);
            } else {
                op('r');
                le(id, 4);
            }
            return this;
        }

        void integer(long v) {
            if (v >= 0 && v < 256) {
                op('K').op((int) v);
            } else if (v >= 0 && v < 65536) {
                op('M');
                le(v, 2);
            } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                op('J');
                le(v, 4);
            } else {
                op(0x8a).op(8); // LONG1, 8 bytes two's complement
                le(v, 8);
            }
        }

        void tuple(long[] items) {
            switch (items.length) {
                case 0 -> op(')');
                case 1 -> {
                    integer(items[0]);
                    op(0x85);
                }
                case 2 -> {
                    integer(items[0]);
                    integer(items[1]);
                    op(0x86);
                }
                case 3 -> {
                    integer(items[0]);
                    integer(items[1]);
                    integer(items[2]);
                    op(0x87);
                }
                default -> {
                    op('(');
                    for (long x : items) {
                        integer(x);
                    }
                    op('t');
                }
            }
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Counts the bytes written, to place each entry's data on a 64-byte boundary. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
