package dev.beit3.core.checkpoint;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.Kernels;
import dev.beit3.core.kernels.DjlKernelProvider;
import dev.beit3.core.kernels.KernelSelection;
import dev.beit3.core.plugin.ProviderRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;

/**
 * A checkpoint read into memory: the state dict (tensors in file order) plus inert extras.
 *
 * <p>Two containers are understood, told apart by their first bytes (never by the extension):
 * the PyTorch {@code torch.save} zip archive ({@code .pth}/{@code .pt}: a pickle plus one raw entry per
 * storage), read with a restricted unpickler that refuses every global a state dict does not need;
 * and safetensors. The state dict is taken from the top-level key {@code model}, then {@code module},
 * then {@code state_dict}, else the top-level dict itself (a {@code module.} prefix common to all
 * keys is stripped). Everything else at the top level (epoch, optimizer state, an
 * {@code argparse.Namespace} of training arguments) becomes plain Java data in {@link #extras()}.
 *
 * <p>Malformed, truncated or hostile files raise {@link CheckpointException} naming what is wrong
 * and where; sizes are checked against the file before anything is allocated.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public final class Checkpoint {

    /** The container format of a checkpoint file. */
    public enum Format {
        /** PyTorch {@code torch.save} zip archive ({@code .pth}, {@code .pt}). */
        PTH,
        /** Hugging Face safetensors. */
        SAFETENSORS
    }

    /** What a format reader produces; origins: where each tensor's first byte lies (zip entry or file, byte offset). */
    record Parts(Map<String, TensorData> tensors, String location, Map<String, Object> extras, Map<String, Origin> origins) {}

    /** Where a tensor's bytes start: a zip entry name (or "" for the file itself) and a byte offset in it. */
    record Origin(String entry, long byteOffset, boolean contiguous) {}

    /** Files read or opened by {@link #read(Path)} and {@link #open(Path)} in this JVM (see {@link #filesOpened()}). */
    private static final java.util.concurrent.atomic.LongAdder OPENED = new java.util.concurrent.atomic.LongAdder();

    private final Path source;
    private final Format format;
    private final Parts parts;
    private final boolean hfLayout;
    private String sha256;

    private Checkpoint(Path source, Format format, Parts parts) {
        this.source = source;
        this.format = format;
        // the Hugging Face port's key layout is mapped to the unilm one here, strictly (see HfLayout)
        this.hfLayout = HfLayout.recognises(parts.tensors().keySet());
        this.parts = hfLayout ? HfLayout.fromHf(parts, source.toString()) : parts;
    }

    /**
     * The key layout of the file; {@link #tensors()} always uses the unilm layout.
     *
     * @return {@link HfLayout#NAME} for a file of the Hugging Face port, else {@link HfLayout#UNILM}
     */
    public String keyLayout() {
        return hfLayout ? HfLayout.NAME : HfLayout.UNILM;
    }

    /**
     * Reads a checkpoint, detecting the container by its magic bytes.
     *
     * @param file a {@code .pth}/{@code .pt} zip archive or a safetensors file
     * @return the checkpoint with all state-dict tensors in memory
     * @throws NoSuchFileException if the file does not exist
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if the file is not a checkpoint, is malformed, truncated, or refers to a forbidden pickle global
     */
    public static Checkpoint read(Path file) throws IOException {
        return read(file, false);
    }

    /**
     * Opens a checkpoint for loading a model: the structure, every key, dtype and shape are read and
     * validated now (the same checks as {@link #read}), but a tensor's bytes are read from the file only
     * when {@link #tensors()} is asked for it, and are not kept. Loading a model through {@link
     * #weights} then holds at most one tensor on the heap besides the converted weights, instead of a
     * second copy of the whole file.
     *
     * @param file a {@code .pth}/{@code .pt} zip archive or a safetensors file
     * @return the checkpoint
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if the file is not a checkpoint, is malformed, or refers to a forbidden global
     */
    public static Checkpoint open(Path file) throws IOException {
        return read(file, true);
    }

    /**
     * How many times this JVM has read or opened a checkpoint file ({@link #read(Path)}, {@link #open(Path)}),
     * failed attempts included: a process-wide count, for tests that check a path opens its file once.
     *
     * @return the count since the JVM started
     */
    public static long filesOpened() {
        return OPENED.sum();
    }

    private static Checkpoint read(Path file, boolean lazy) throws IOException {
        OPENED.increment();
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "checkpoint file not found");
        }
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file + " is not a regular file");
        }
        long size = Files.size(file);
        byte[] head = new byte[16];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        try {
            if (n >= 4 && head[0] == 'P' && head[1] == 'K' && (head[2] == 3 || head[2] == 5) && (head[3] == 4 || head[3] == 6)) {
                return new Checkpoint(file, Format.PTH, PthReader.read(file, lazy));
            }
            if (SafeTensors.looksLike(head, n, size)) {
                return new Checkpoint(file, Format.SAFETENSORS, SafeTensors.readParts(file, lazy));
            }
        } catch (StackOverflowError | OutOfMemoryError e) {
            throw new CheckpointException(file + " could not be read safely (" + e.getClass().getSimpleName()
                    + "): the file is malformed or too large for this JVM", e);
        }
        if (n >= 2 && (head[0] & 0xFF) == 0x80 && head[1] <= 5) {
            throw new CheckpointException(file + " is a legacy (pre-1.6, non-zip) torch.save file, which is not supported: "
                    + "re-save it with a recent PyTorch (torch.save(torch.load(f), g)) or convert it to safetensors");
        }
        throw new CheckpointException(file + " (" + size + " bytes) is neither a PyTorch zip checkpoint (.pth/.pt) "
                + "nor a safetensors file" + (size < 8 ? ": the file is too short" : ""));
    }

    /**
     * The state dict: every tensor by key, in file order.
     *
     * @return an unmodifiable map
     */
    public Map<String, TensorData> tensors() {
        return parts.tensors();
    }

    /**
     * One tensor by key.
     *
     * @param key the state-dict key
     * @return the tensor, if present
     */
    public Optional<TensorData> tensor(String key) {
        return Optional.ofNullable(parts.tensors().get(key));
    }

    /**
     * The shape of a tensor, without reading its bytes when the checkpoint was {@link #open opened}.
     *
     * @param key the state-dict key
     * @return the shape, if the key exists
     */
    public Optional<long[]> shape(String key) {
        if (parts.tensors() instanceof LazyTensors lazy) {
            LazyTensors.Meta m = lazy.meta(key);
            return m == null ? Optional.empty() : Optional.of(m.shape().clone());
        }
        TensorData t = parts.tensors().get(key);
        return t == null ? Optional.empty() : Optional.of(t.shape());
    }

    /**
     * The element type of a tensor, without reading its bytes when the checkpoint was {@link #open opened}.
     *
     * @param key the state-dict key
     * @return the dtype, if the key exists
     */
    public Optional<DType> dtype(String key) {
        if (parts.tensors() instanceof LazyTensors lazy) {
            LazyTensors.Meta m = lazy.meta(key);
            return m == null ? Optional.empty() : Optional.of(m.dtype());
        }
        TensorData t = parts.tensors().get(key);
        return t == null ? Optional.empty() : Optional.of(t.dtype());
    }

    /**
     * Where the state dict was found.
     *
     * @return {@code "model"}, {@code "module"}, {@code "state_dict"}, or {@code ""} when the file is the bare state dict
     */
    public String stateDictLocation() {
        return parts.location();
    }

    /**
     * The other top-level entries as plain Java data (String, Long, Double, Boolean, null, List, Map);
     * an {@code argparse.Namespace} becomes a Map of its attributes; tensors are summarized as text
     * such as {@code "tensor float32[64]"}. For safetensors: the {@code __metadata__} strings.
     *
     * @return an unmodifiable map in file order
     */
    public Map<String, Object> extras() {
        return parts.extras();
    }

    /**
     * The container format.
     *
     * @return PTH or SAFETENSORS
     */
    public Format format() {
        return format;
    }

    /**
     * The file this was read from.
     *
     * @return the path
     */
    public Path source() {
        return source;
    }

    /**
     * The SHA-256 of the file, as lowercase hex (computed on first call).
     *
     * @return 64 hex digits
     * @throws CheckpointException if the file can no longer be read
     */
    public synchronized String sha256() {
        if (sha256 == null) {
            try (InputStream in = Files.newInputStream(source)) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
                sha256 = HexFormat.of().formatHex(md.digest());
            } catch (IOException e) {
                throw new CheckpointException("cannot hash " + source + ": " + e.getMessage(), e);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
        return sha256;
    }

    /**
     * Total number of elements over all state-dict tensors (parameters and buffers).
     *
     * @return the element count
     */
    public long parameterCount() {
        long n = 0;
        for (String k : parts.tensors().keySet()) {
            n += TensorData.numel(shape(k).orElseThrow(), k);
        }
        return n;
    }

    /**
     * How many state-dict tensors have each element type.
     *
     * @return an unmodifiable map, dtypes in declaration order
     */
    public Map<DType, Integer> dtypeHistogram() {
        Map<DType, Integer> h = new EnumMap<>(DType.class);
        for (String k : parts.tensors().keySet()) {
            h.merge(dtype(k).orElseThrow(), 1, Integer::sum);
        }
        return Collections.unmodifiableMap(h);
    }

    /**
     * A {@link dev.beit3.api.WeightSource} over this checkpoint whose arrays are created in {@code manager}. Its
     * linear layers run on DJL, unless the system property {@code beit3.kernels} names another backend (e.g.
     * {@code -Dbeit3.kernels=onednn}, with {@code beit3.precision}): then that backend is opened for the
     * manager and closed with it, so an encoder built by hand follows the same switch as {@code Beit3.builder()}.
     *
     * @param manager the model's weight manager
     * @return a new weight source with an empty load report
     */
    public CheckpointWeights weights(NDManager manager) {
        CheckpointWeights ws = new CheckpointWeights(this, manager);
        String id = System.getProperty(KernelSelection.KERNELS_PROPERTY, "").strip();
        if (id.isEmpty() || id.equals("auto") || id.equals(DjlKernelProvider.ID)) {
            return ws;
        }
        Kernels k = KernelSelection
                .choose(ProviderRegistry.discover(), id, null).kernels();
        manager.attachInternal("beit3-kernels-" + java.util.UUID.randomUUID(), k);
        return ws.withKernels(k);
    }

    /**
     * A {@link dev.beit3.api.WeightSource} whose linear layers are prepared for a given kernel backend.
     *
     * @param manager the model's weight manager
     * @param kernels the backend (the caller closes it), or null for DJL
     * @return a new weight source with an empty load report
     */
    public CheckpointWeights weights(NDManager manager, Kernels kernels) {
        return new CheckpointWeights(this, manager).withKernels(kernels);
    }

    /** Where each tensor's bytes come from (package-private: for tests and inspection). */
    Map<String, Origin> origins() {
        return parts.origins();
    }

    /**
     * A short description, e.g. {@code Checkpoint[encoder.pth, PTH, 131 tensors]}.
     *
     * @return the description
     */
    @Override
    public String toString() {
        return "Checkpoint[" + source.getFileName() + ", " + format + ", " + parts.tensors().size() + " tensors]";
    }
}
