package dev.beit3.core.checkpoint;

import dev.beit3.api.CheckpointException;
import dev.beit3.core.io.Printable;
import dev.beit3.core.checkpoint.Pickle.StorageRef;
import dev.beit3.core.checkpoint.Pickle.TensorRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads the {@code torch.save} zip container: finds {@code <folder>/data.pkl}, runs it through the
 * {@link RestrictedUnpickler}, and rebuilds each state-dict tensor from its storage entry
 * {@code <folder>/data/<key>}, checking every size against the entry before allocating.
 */
final class PthReader {
    /** Largest {@code data.pkl} accepted. */
    static final long MAX_PICKLE_BYTES = 1L << 30;
    /** Largest single storage (a Java array). */
    static final long MAX_STORAGE_BYTES = Integer.MAX_VALUE - 8;
    /** First buffer for a compressed entry; it doubles as data arrives. */
    static final int INITIAL_INFLATE_BUFFER = 1 << 16;
    /**
     * Materialisation budget: all tensors of a checkpoint together may hold at most this many times the bytes of
     * the storages in the file, plus {@link #BUDGET_SLACK}. A state dict's views normally cover their storages
     * once (tied weights twice); zero or overlapping strides repeat bytes, and a file of 1 KB could otherwise expand
     * to gigabytes in memory and on disk.
     */
    static final int BUDGET_FACTOR = 4;
    /** Fixed part of the materialisation budget (small files with many tiny views). */
    static final long BUDGET_SLACK = 16L << 20;
    /** Largest expansion of deflate (a bound on what a compressed entry can really hold). */
    static final long DEFLATE_MAX_RATIO = 1032;

    private final Path file;
    private final ZipFile zip;
    private final long fileSize;
    private final String folder;
    private final Map<String, byte[]> storages = new HashMap<>();
    private final Map<String, Checkpoint.Origin> origins = new java.util.LinkedHashMap<>();
    private final long budget;
    private long materialised;

    private PthReader(Path file, ZipFile zip, long fileSize, String folder) {
        this.file = file;
        this.zip = zip;
        this.fileSize = fileSize;
        this.folder = folder;
        this.budget = budget(zip, folder);
    }

    /** The materialisation budget of an archive: {@value #BUDGET_FACTOR} × its storage bytes + 16 MiB. */
    private static long budget(ZipFile zip, String folder) {
        long held = 0;
        Enumeration<? extends ZipEntry> en = zip.entries();
        while (en.hasMoreElements()) {
            ZipEntry e = en.nextElement();
            if (e.getName().startsWith(folder + "data/") && e.getSize() > 0) {
                long real = e.getMethod() == ZipEntry.STORED ? e.getSize()
                        : Math.min(e.getSize(), Math.max(e.getCompressedSize(), 0) * DEFLATE_MAX_RATIO);
                held = Math.min(held + real, Long.MAX_VALUE / (2 * BUDGET_FACTOR));
            }
        }
        return held * BUDGET_FACTOR + BUDGET_SLACK;
    }

    /** Reads the whole checkpoint. */
    static Checkpoint.Parts read(Path file) throws IOException {
        return read(file, false);
    }

    /**
     * Reads a checkpoint: the pickle and every size and shape are validated now; with {@code lazy} the
     * tensors' bytes are read only when a tensor is asked for (and not kept).
     */
    static Checkpoint.Parts read(Path file, boolean lazy) throws IOException {
        long fileSize = Files.size(file);
        ZipDirectory.check(file); // duplicate names, central/local disagreements, overlapping entries
        ZipFile zip = open(file);
        try (zip) {
            String pkl = findPickle(file, zip);
            String folder = pkl.substring(0, pkl.length() - "data.pkl".length());
            PthReader r = new PthReader(file, zip, fileSize, folder);
            r.checkByteOrder();
            byte[] pickle = r.readEntry(zip.getEntry(pkl), MAX_PICKLE_BYTES, "pickle " + pkl);
            Object top = RestrictedUnpickler.load(pickle, pkl + " in " + file.getFileName());
            if (!lazy) {
                Checkpoint.Parts p = StateDicts.assemble(top, file.getFileName().toString(), r::tensor);
                return new Checkpoint.Parts(p.tensors(), p.location(), p.extras(),
                        java.util.Collections.unmodifiableMap(r.origins));
            }
            Map<String, TensorRef> refs = new java.util.LinkedHashMap<>();
            Map<String, LazyTensors.Meta> meta = new java.util.LinkedHashMap<>();
            Checkpoint.Parts p = StateDicts.assemble(top, file.getFileName().toString(), (name, t) -> {
                r.check(name, t);
                refs.put(name, t);
                meta.put(name, new LazyTensors.Meta(t.storage().dtype(), t.size()));
                return new TensorData(name, t.storage().dtype(), new long[] {0}, ByteBuffer.allocate(0));
            });
            LazyTensors tensors = new LazyTensors(meta, name -> {
                try (ZipFile z = open(file)) {
                    return new PthReader(file, z, Files.size(file), folder).tensor(name, refs.get(name));
                }
            }, file.toString());
            return new Checkpoint.Parts(tensors, p.location(), p.extras(),
                    java.util.Collections.unmodifiableMap(r.origins));
        }
    }

    private static ZipFile open(Path file) throws IOException {
        try {
            return new ZipFile(file.toFile());
        } catch (ZipException e) {
            throw new CheckpointException(file + " is not a readable zip archive (" + e.getMessage()
                    + "): the file is truncated or corrupt; download it again");
        }
    }

    private static String findPickle(Path file, ZipFile zip) {
        List<String> pickles = new ArrayList<>();
        Enumeration<? extends ZipEntry> en = zip.entries();
        int count = 0;
        while (en.hasMoreElements()) {
            ZipEntry e = en.nextElement();
            String n = e.getName();
            count++;
            if (n.startsWith("/") || n.contains("\\") || n.contains(":") || Arrays.asList(n.split("/")).contains("..")) {
                throw new CheckpointException("unsafe zip entry name '" + Printable.of(n) + "' in " + file
                        + ": a checkpoint never holds absolute or '..' paths; refusing the file");
            }
            if (n.equals("data.pkl") || (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length())) {
                pickles.add(n);
            }
        }
        if (pickles.isEmpty()) {
            throw new CheckpointException(file + " is a zip archive with " + count
                    + " entries but no <folder>/data.pkl: not a torch.save checkpoint");
        }
        if (pickles.size() > 1) {
            throw new CheckpointException(file + " holds several pickles " + Printable.of(pickles.toString()) + ": ambiguous torch.save archive");
        }
        return pickles.get(0);
    }

    private void checkByteOrder() throws IOException {
        ZipEntry bo = zip.getEntry(folder + "byteorder");
        if (bo != null) {
            String order = new String(readEntry(bo, 16, "byteorder"), StandardCharsets.US_ASCII).trim();
            if (!order.equals("little")) {
                throw new CheckpointException(file + " was saved with byte order '" + order
                        + "'; only little-endian checkpoints are supported");
            }
        }
    }

    /** Reads an entry completely, never more than its declared size nor {@code max}. */
    private byte[] readEntry(ZipEntry e, long max, String what) throws IOException {
        long size = e.getSize();
        if (size < 0) {
            throw new CheckpointException(what + " (" + Printable.of(e.getName()) + ") in " + file + " has no declared size");
        }
        if (size > max) {
            throw new CheckpointException(what + " (" + Printable.of(e.getName()) + ") in " + file + " declares " + size
                    + " bytes, more than the limit of " + max);
        }
        if (e.getMethod() == ZipEntry.STORED && size > fileSize) {
            throw new CheckpointException(what + " (" + Printable.of(e.getName()) + ") declares " + size + " bytes but " + file
                    + " has only " + fileSize + ": truncated or corrupt file");
        }
        // A STORED entry was checked against the file size above, so its buffer is allocated at once. A compressed
        // entry's declared size is only a claim (a few bytes may declare gigabytes): its buffer grows with the data
        // that actually inflates, and never beyond the declared size.
        boolean stored = e.getMethod() == ZipEntry.STORED;
        byte[] buf = new byte[(int) (stored ? size : Math.min(size, INITIAL_INFLATE_BUFFER))];
        try (InputStream in = zip.getInputStream(e)) {
            int n = 0;
            while (n < size) {
                if (n == buf.length) {
                    buf = Arrays.copyOf(buf, (int) Math.min(size, 2L * buf.length));
                }
                int r = in.read(buf, n, buf.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
            if (n != size) {
                throw new CheckpointException(what + " (" + Printable.of(e.getName()) + ") in " + file + " ends after " + n + " of "
                        + size + " bytes: truncated file");
            }
            if (in.read() != -1) {
                throw new CheckpointException(what + " (" + Printable.of(e.getName()) + ") in " + file
                        + " inflates beyond its declared size of " + size + " bytes (zip bomb or corrupt archive)");
            }
        } catch (ZipException ex) {
            throw new CheckpointException(what + " (" + Printable.of(e.getName()) + ") in " + file + " is corrupt: " + ex.getMessage(), ex);
        } catch (java.io.EOFException ex) {
            throw new CheckpointException(what + " (" + Printable.of(e.getName()) + ") in " + file + " is truncated", ex);
        }
        return buf;
    }

    private byte[] storage(StorageRef s, String tensorName) {
        byte[] cached = storages.get(s.key());
        if (cached != null) {
            return cached;
        }
        ZipEntry e = storageEntry(s, tensorName);
        byte[] data;
        try {
            data = readEntry(e, MAX_STORAGE_BYTES, "storage " + Printable.of(s.key()));
        } catch (IOException ex) {
            throw new CheckpointException("cannot read storage " + e.getName() + " of " + file + ": " + ex.getMessage(), ex);
        }
        storages.put(s.key(), data);
        return data;
    }

    /** The zip entry of a storage, checked against the sizes the pickle declares (nothing is read). */
    private ZipEntry storageEntry(StorageRef s, String tensorName) {
        String entryName = folder + "data/" + s.key();
        ZipEntry e = zip.getEntry(entryName);
        if (e == null) {
            throw new CheckpointException("tensor " + Printable.of(tensorName) + " refers to storage " + Printable.of(s.key()) + " but " + file
                    + " has no entry " + Printable.of(entryName));
        }
        long expected;
        try {
            expected = Math.multiplyExact(s.numel(), s.dtype().byteSize());
        } catch (ArithmeticException ex) {
            throw new CheckpointException("storage " + Printable.of(s.key()) + " of " + Printable.of(tensorName) + " declares an absurd size of "
                    + s.numel() + " elements in " + file);
        }
        if (e.getSize() != expected) {
            throw new CheckpointException("storage " + Printable.of(s.key()) + " (" + Printable.of(entryName) + ") of tensor " + Printable.of(tensorName)
                    + " declares " + s.numel() + " × " + s.dtype().byteSize() + " = " + expected + " bytes of "
                    + s.dtype().pythonName() + " but the entry holds " + e.getSize() + " bytes in " + file);
        }
        if (e.getMethod() != ZipEntry.STORED && e.getCompressedSize() >= 0
                && expected > e.getCompressedSize() * DEFLATE_MAX_RATIO + 64) {
            // checked before any budget: such a claim is not a view problem but a truncated file or a zip bomb
            throw new CheckpointException("storage " + Printable.of(s.key()) + " (" + Printable.of(entryName)
                    + ") of tensor " + Printable.of(tensorName) + " declares " + expected + " bytes, but its entry holds "
                    + e.getCompressedSize() + " compressed bytes, which inflate to at most "
                    + (e.getCompressedSize() * DEFLATE_MAX_RATIO + 64) + ": the file is truncated or a zip bomb");
        }
        if (e.getMethod() == ZipEntry.STORED && expected > fileSize) {
            throw new CheckpointException("storage " + Printable.of(s.key()) + " (" + Printable.of(entryName) + ") of tensor " + Printable.of(tensorName)
                    + " declares " + expected + " bytes but " + file + " has only " + fileSize
                    + " bytes: truncated or corrupt file");
        }
        if (expected > MAX_STORAGE_BYTES) {
            throw new CheckpointException("storage " + Printable.of(s.key()) + " of tensor " + Printable.of(tensorName) + " in " + file + " has "
                    + expected + " bytes, more than the 2 GiB a single storage may have here");
        }
        return e;
    }

    /** Validates a tensor against its storage without reading any data. */
    void check(String name, TensorRef t) {
        validate(name, t);
    }

    /** Rebuilds a tensor as contiguous little-endian bytes, honouring offset and strides. */
    TensorData tensor(String name, TensorRef t) {
        long numel = validate(name, t);
        StorageRef s = t.storage();
        long[] size = t.size();
        long[] stride = t.stride();
        int item = s.dtype().byteSize();
        byte[] data = storage(s, name);
        boolean contiguous = isContiguous(size, stride);
        origins.put(name, new Checkpoint.Origin(folder + "data/" + s.key(), t.offset() * item, contiguous));
        if (contiguous) {
            ByteBuffer b = ByteBuffer.wrap(data, (int) (t.offset() * item), (int) (numel * item)).slice()
                    .order(ByteOrder.LITTLE_ENDIAN);
            return new TensorData(name, s.dtype(), size, b);
        }
        byte[] out = new byte[(int) (numel * item)];
        if (numel > 0) {
            gather(data, out, t.offset(), size, stride, item);
        }
        return new TensorData(name, s.dtype(), size, ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN));
    }

    /** Checks rank, signs, overflow and bounds of a view; returns its element count. */
    private long validate(String name, TensorRef t) {
        StorageRef s = t.storage();
        long[] size = t.size();
        long[] stride = t.stride();
        String where = "tensor " + Printable.of(name) + " in " + file.getFileName();
        if (size.length != stride.length) {
            throw new CheckpointException(where + ": size " + Arrays.toString(size) + " and stride "
                    + Arrays.toString(stride) + " have different ranks");
        }
        if (t.offset() < 0) {
            throw new CheckpointException(where + ": negative storage offset " + t.offset());
        }
        for (int i = 0; i < size.length; i++) {
            if (size[i] < 0 || stride[i] < 0) {
                throw new CheckpointException(where + ": negative size or stride (size " + Arrays.toString(size)
                        + ", stride " + Arrays.toString(stride) + ")");
            }
        }
        long numel = TensorData.numel(size, name);
        long last; // highest element index touched
        try {
            last = t.offset();
            for (int i = 0; i < size.length; i++) {
                if (size[i] > 0) {
                    last = Math.addExact(last, Math.multiplyExact(size[i] - 1, stride[i]));
                }
            }
        } catch (ArithmeticException ex) {
            throw new CheckpointException(where + ": offset/size/stride overflow 64 bits");
        }
        if (numel > 0 ? last >= s.numel() : t.offset() > s.numel()) {
            throw new CheckpointException(where + ": view (offset " + t.offset() + ", size " + Arrays.toString(size)
                    + ", stride " + Arrays.toString(stride) + ") runs past its storage " + Printable.of(s.key()) + " of "
                    + s.numel() + " elements");
        }
        storageEntry(s, name); // the storage's own sizes first: they name the storage
        int item = s.dtype().byteSize();
        if (numel > MAX_STORAGE_BYTES / item) {
            throw new CheckpointException(where + " is larger than 2 GiB (a view repeating its storage?)");
        }
        long bytes = numel * item;
        if (bytes > budget - materialised) {
            throw new CheckpointException(where + ": its view (size " + Arrays.toString(size) + ", stride "
                    + Arrays.toString(stride) + ") would bring the checkpoint's tensors to " + (materialised + bytes)
                    + " bytes, over the budget of " + budget + " bytes (" + BUDGET_FACTOR + " × the "
                    + (budget - BUDGET_SLACK) / BUDGET_FACTOR + " storage bytes the file holds + " + (BUDGET_SLACK >> 20)
                    + " MiB); zero or overlapping strides repeat the same bytes, which a saved state dict does not do."
                    + " Re-save the checkpoint with contiguous tensors (t.contiguous() / t.clone())");
        }
        materialised += bytes;
        return numel;
    }

    static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] == 0) {
                return true;
            }
            if (size[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= size[i];
        }
        return true;
    }

    /** Copies a strided view into row-major order, one innermost row at a time. */
    private static void gather(byte[] src, byte[] dst, long offset, long[] size, long[] stride, int item) {
        int rank = size.length;
        long inner = rank == 0 ? 1 : size[rank - 1];
        long innerStride = rank == 0 ? 0 : stride[rank - 1];
        long[] idx = new long[Math.max(rank - 1, 0)];
        int out = 0;
        while (true) {
            long base = offset;
            for (int d = 0; d < idx.length; d++) {
                base += idx[d] * stride[d];
            }
            if (innerStride == 1) {
                int n = (int) (inner * item);
                System.arraycopy(src, (int) (base * item), dst, out, n);
                out += n;
            } else {
                for (long j = 0; j < inner; j++) {
                    System.arraycopy(src, (int) ((base + j * innerStride) * item), dst, out, item);
                    out += item;
                }
            }
            int d = idx.length - 1;
            while (d >= 0) {
                if (++idx[d] < size[d]) {
                    break;
                }
                idx[d] = 0;
                d--;
            }
            if (d < 0) {
                return;
            }
        }
    }
}
