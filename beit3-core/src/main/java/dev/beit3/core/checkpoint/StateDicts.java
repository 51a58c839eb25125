package dev.beit3.core.checkpoint;

import dev.beit3.api.CheckpointException;
import dev.beit3.core.checkpoint.Pickle.DTypeRef;
import dev.beit3.core.checkpoint.Pickle.Global;
import dev.beit3.core.checkpoint.Pickle.Namespace;
import dev.beit3.core.checkpoint.Pickle.StorageRef;
import dev.beit3.core.checkpoint.Pickle.TensorRef;
import dev.beit3.core.checkpoint.Pickle.Tuple;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/** Finds the state dict inside an unpickled checkpoint and turns everything else into plain Java data. */
final class StateDicts {
    /** Wrapper keys tried in order, as the official loaders do ({@code model} → {@code module} → {@code state_dict}). */
    static final List<String> WRAPPERS = List.of("model", "module", "state_dict");
    private static final int MAX_DEPTH = 64;
    /**
     * Most values converted to plain data per checkpoint. The memo lets a pickle share one object many times
     * (t = (t, t) sixty times is a few hundred bytes but 2^60 leaves), so the conversion counts every value it
     * emits and stops expanding beyond this budget instead of hanging.
     */
    static final int MAX_PLAIN_VALUES = 100_000;
    static final String TRUNCATED = "…(truncated: more than " + MAX_PLAIN_VALUES
            + " values, shared references expanded)";

    /** What is left of {@link #MAX_PLAIN_VALUES} for one checkpoint. */
    private static final class Budget {
        int left = MAX_PLAIN_VALUES;
    }

    private StateDicts() {}

    static Checkpoint.Parts assemble(Object top, String fileName, BiFunction<String, TensorRef, TensorData> resolve) {
        if (!(top instanceof Map<?, ?> root)) {
            throw new CheckpointException(fileName + ": the pickled object is " + RestrictedUnpickler.kind(top)
                    + ", not a dict; expected a state dict or {'model': state_dict}");
        }
        String location = null;
        Map<?, ?> sd = null;
        for (String w : WRAPPERS) {
            if (root.get(w) instanceof Map<?, ?> inner && isStateDict(inner)) {
                location = w;
                sd = inner;
                break;
            }
        }
        if (sd == null) {
            if (!root.isEmpty() && root.values().stream().anyMatch(v -> v instanceof TensorRef)) {
                location = "";
                sd = root;
            } else {
                List<String> keys = new ArrayList<>();
                root.keySet().forEach(k -> keys.add(String.valueOf(k)));
                throw new CheckpointException(fileName + " holds no state dict: top-level keys " + dev.beit3.core.io.Printable.of(String.valueOf(keys))
                        + " (looked for 'model', 'module', 'state_dict' holding tensors, or tensors at the top level)");
            }
        }
        Budget budget = new Budget();
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        Map<String, Object> nonTensor = new LinkedHashMap<>();
        boolean stripModule = !sd.isEmpty() && sd.keySet().stream().allMatch(k -> k instanceof String s && s.startsWith("module."));
        for (Map.Entry<?, ?> e : sd.entrySet()) {
            if (!(e.getKey() instanceof String key)) {
                throw new CheckpointException(fileName + ": state dict key " + RestrictedUnpickler.kind(e.getKey())
                        + " is not a string");
            }
            String name = stripModule ? key.substring("module.".length()) : key;
            if (e.getValue() instanceof TensorRef t) {
                if (tensors.containsKey(name)) {
                    throw new CheckpointException(fileName + ": duplicate key " + dev.beit3.core.io.Printable.of(name) + " after stripping 'module.'");
                }
                tensors.put(name, resolve.apply(name, t));
            } else {
                nonTensor.put(name, plain(e.getValue(), 0, budget));
            }
        }
        Map<String, Object> extras = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : root.entrySet()) {
            if (location.isEmpty()) {
                if (!(e.getValue() instanceof TensorRef)) {
                    extras.put(String.valueOf(e.getKey()), plain(e.getValue(), 0, budget));
                }
            } else if (!location.equals(e.getKey())) {
                extras.put(String.valueOf(e.getKey()), plain(e.getValue(), 0, budget));
            }
        }
        if (!location.isEmpty() && !nonTensor.isEmpty()) {
            extras.put(location + " (non-tensor entries)", Collections.unmodifiableMap(nonTensor));
        }
        return new Checkpoint.Parts(Collections.unmodifiableMap(tensors), location, Collections.unmodifiableMap(extras), Map.of());
    }

    private static boolean isStateDict(Map<?, ?> m) {
        return m.isEmpty() || m.values().stream().anyMatch(v -> v instanceof TensorRef);
    }

    /** Plain Java data: String, Long, Double, Boolean, null, List, Map; tensors summarized as text. */
    private static Object plain(Object o, int depth, Budget budget) {
        if (budget.left <= 0) {
            return TRUNCATED;
        }
        budget.left--;
        if (depth > MAX_DEPTH) {
            return "…(nested deeper than " + MAX_DEPTH + ")";
        }
        if (o == null || o instanceof String || o instanceof Long || o instanceof Double || o instanceof Boolean) {
            return o;
        }
        if (o instanceof BigInteger b) {
            return b.toString();
        }
        if (o instanceof byte[] b) {
            return "bytes(" + b.length + ")";
        }
        if (o instanceof TensorRef t) {
            return t.describe();
        }
        if (o instanceof StorageRef s) {
            return "storage " + s.dtype().pythonName() + "(" + s.numel() + ")";
        }
        if (o instanceof Global g) {
            return g.qualified();
        }
        if (o instanceof DTypeRef d) {
            return "torch." + d.dtype().pythonName();
        }
        if (o instanceof Tuple t) {
            return list(t.items, depth, budget);
        }
        if (o instanceof Collection<?> c) {
            return list(c, depth, budget);
        }
        if (o instanceof Namespace ns) {
            return map(ns.attributes, depth, budget);
        }
        if (o instanceof Map<?, ?> m) {
            return map(m, depth, budget);
        }
        return o.toString();
    }

    private static List<Object> list(Collection<?> c, int depth, Budget budget) {
        List<Object> out = new ArrayList<>(Math.min(c.size(), 1024));
        for (Object x : c) {
            if (budget.left <= 0) {
                out.add(TRUNCATED);
                break;
            }
            out.add(plain(x, depth + 1, budget));
        }
        return Collections.unmodifiableList(out);
    }

    private static Map<String, Object> map(Map<?, ?> m, int depth, Budget budget) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : m.entrySet()) {
            if (budget.left <= 0) {
                out.put("…", TRUNCATED);
                break;
            }
            Object k = e.getKey();
            String key = k instanceof String s ? s : String.valueOf(plain(k, depth + 1, budget));
            out.put(key, plain(e.getValue(), depth + 1, budget));
        }
        return Collections.unmodifiableMap(out);
    }
}
