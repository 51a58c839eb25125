package dev.beit3.core.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.Kernels;
import dev.beit3.api.WeightSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link WeightSource} over a {@link Checkpoint}, in collecting mode: a missing or misshapen key is
 * recorded in the shared {@link LoadReport} and answered with zeros of the expected shape, so that
 * every provider can run before the loader checks {@link #report()} and throws one exception naming
 * all problems. Views made with {@link #under(String)} share the report.
 *
 * <p>Each call creates a new array in {@link #manager()} (float types as FLOAT32, integer types kept),
 * so requesting a key twice yields two equal arrays. Thread-safe.
 *
 * <p>Numerical guard: a floating-point tensor holding NaN or an infinity is refused at once with a
 * {@link CheckpointException} naming the key and the element (checked on the heap bytes before the array is
 * created: one pass over the tensor, no native call).
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class CheckpointWeights implements WeightSource {
    private final Map<String, TensorData> tensors;
    private final NDManager manager;
    private final String prefix;
    private final Tracker tracker;
    private final boolean lowMemory;
    private final Kernels kernels;

    /** The shared report state of a root source and all its views. */
    private static final class Tracker {
        final Set<String> requested = new LinkedHashSet<>();
        final Set<String> loaded = new LinkedHashSet<>();
        final Map<String, String> missing = new LinkedHashMap<>();
        final Map<String, LoadReport.ShapeMismatch> mismatches = new LinkedHashMap<>();
    }

    CheckpointWeights(Checkpoint checkpoint, NDManager manager) {
        this(checkpoint.tensors(), manager, "", new Tracker());
    }

    private CheckpointWeights(Map<String, TensorData> tensors, NDManager manager, String prefix, Tracker tracker) {
        this(tensors, manager, prefix, tracker, false);
    }

    private CheckpointWeights(Map<String, TensorData> tensors, NDManager manager, String prefix, Tracker tracker,
            boolean lowMemory) {
        this(tensors, manager, prefix, tracker, lowMemory, null);
    }

    private CheckpointWeights(Map<String, TensorData> tensors, NDManager manager, String prefix, Tracker tracker,
            boolean lowMemory, Kernels kernels) {
        this.kernels = kernels;
        this.lowMemory = lowMemory;
        this.tensors = tensors;
        this.manager = Objects.requireNonNull(manager, "manager");
        this.prefix = prefix;
        this.tracker = tracker;
    }

    /**
     * A source over arbitrary tensors (e.g. for tests or converted weights).
     *
     * @param tensors tensors by full key
     * @param manager the weight manager
     * @return a root source with an empty report
     */
    public static CheckpointWeights of(Map<String, TensorData> tensors, NDManager manager) {
        return new CheckpointWeights(java.util.Collections.unmodifiableMap(new LinkedHashMap<>(tensors)), manager, "", new Tracker());
    }

    /** {@inheritDoc} */
    @Override
    public String prefix() {
        return prefix;
    }

    /** {@inheritDoc} */
    @Override
    public Set<String> keys() {
        return WeightSource.keysUnder(tensors.keySet(), prefix);
    }

    /** {@inheritDoc} */
    @Override
    public boolean contains(String key) {
        return tensors.containsKey(prefix + key);
    }

    /**
     * The same source (same load report) in low-memory mode: experts may keep large matrices in float16.
     *
     * @param on whether low-memory mode is on
     * @return the view
     */
    public CheckpointWeights withLowMemory(boolean on) {
        return new CheckpointWeights(tensors, manager, prefix, tracker, on, kernels);
    }

    /**
     * The same source (same load report) whose linear layers are prepared for a kernel backend.
     *
     * @param k the backend, or null for DJL's own operations
     * @return the view
     */
    public CheckpointWeights withKernels(Kernels k) {
        return new CheckpointWeights(tensors, manager, prefix, tracker, lowMemory, k);
    }

    @Override
    public Optional<Kernels> kernels() {
        return Optional.ofNullable(kernels);
    }

    @Override
    public boolean lowMemory() {
        return lowMemory;
    }

    /** Every {@code require}/{@code optional} creates a new array from the checkpoint's bytes. */
    @Override
    public boolean handsOutCopies() {
        return true;
    }

    /** {@inheritDoc} */
    @Override
    public Optional<Shape> shape(String key) {
        if (tensors instanceof LazyTensors lazy) { // answered from the file structure, no bytes read
            LazyTensors.Meta m = lazy.meta(prefix + key);
            return m == null ? Optional.empty() : Optional.of(new Shape(m.shape()));
        }
        TensorData t = tensors.get(prefix + key);
        return t == null ? Optional.empty() : Optional.of(t.djlShape());
    }

    /**
     * Loads a tensor; when absent or misshapen, records it in the report and returns zeros of the
     * expected shape (never thrown here: the loader checks {@link #report()}).
     *
     * @param key relative key
     * @param expected expected shape
     * @param purpose what it is for, quoted in the report
     * @return the tensor or a zero placeholder, owned by {@link #manager()}
     * @throws CheckpointException if the tensor holds NaN or an infinity
     */
    @Override
    public NDArray require(String key, Shape expected, String purpose) {
        String full = prefix + key;
        TensorData t = tensors.get(full);
        synchronized (tracker) {
            tracker.requested.add(full);
            if (t == null) {
                tracker.missing.putIfAbsent(full, purpose == null ? "" : purpose);
                return manager.zeros(expected, DataType.FLOAT32);
            }
        }
        return load(full, t, expected, purpose).orElseGet(() -> manager.zeros(expected, DataType.FLOAT32));
    }

    /**
     * Loads an optional tensor: empty when absent (not recorded as missing); a misshapen tensor is
     * recorded as a mismatch and answered with zeros of the expected shape.
     *
     * @param key relative key
     * @param expected expected shape
     * @param purpose what it is for
     * @return the tensor, if present
     * @throws CheckpointException if the tensor holds NaN or an infinity
     */
    @Override
    public Optional<NDArray> optional(String key, Shape expected, String purpose) {
        String full = prefix + key;
        TensorData t = tensors.get(full);
        if (t == null) {
            return Optional.empty();
        }
        synchronized (tracker) {
            tracker.requested.add(full);
        }
        return Optional.of(load(full, t, expected, purpose).orElseGet(() -> manager.zeros(expected, DataType.FLOAT32)));
    }

    private Optional<NDArray> load(String full, TensorData t, Shape expected, String purpose) {
        if (!Arrays.equals(t.shape(), expected.getShape())) {
            synchronized (tracker) {
                tracker.mismatches.putIfAbsent(full,
                        new LoadReport.ShapeMismatch(full, expected.getShape(), t.shape(), purpose));
            }
            return Optional.empty();
        }
        long bad = t.firstNonFinite();
        if (bad >= 0) {
            float v = t.toFloats()[(int) bad];
            throw new CheckpointException("tensor " + full + " (" + (purpose == null ? "" : purpose) + ") holds "
                    + (Float.isNaN(v) ? "NaN" : v > 0 ? "+Infinity" : "-Infinity") + " at element " + bad + " of shape "
                    + Arrays.toString(t.shape()) + ": the checkpoint is corrupt (or saved from a diverged training run);"
                    + " a model with non-finite weights computes nothing meaningful. Use another checkpoint.");
        }
        NDArray a = t.toNDArray(manager);
        synchronized (tracker) {
            tracker.loaded.add(full);
        }
        return Optional.of(a);
    }

    /** {@inheritDoc} */
    @Override
    public CheckpointWeights under(String subPrefix) {
        return new CheckpointWeights(tensors, manager, prefix + subPrefix, tracker, lowMemory, kernels);
    }

    /** {@inheritDoc} */
    @Override
    public NDManager manager() {
        return manager;
    }

    /**
     * The load report so far, shared by this source and all its views: unexpected keys are every
     * checkpoint key nobody requested (through any view).
     *
     * @return a snapshot
     */
    public LoadReport report() {
        synchronized (tracker) {
            List<String> unexpected = new ArrayList<>();
            for (String k : tensors.keySet()) {
                if (!tracker.requested.contains(k)) {
                    unexpected.add(k);
                }
            }
            return new LoadReport(new ArrayList<>(tracker.missing.keySet()), unexpected,
                    new ArrayList<>(tracker.mismatches.values()), tracker.loaded.size(), tracker.missing);
        }
    }
}
