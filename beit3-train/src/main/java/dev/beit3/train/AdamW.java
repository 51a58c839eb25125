package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.beit3.core.checkpoint.DType;
import dev.beit3.core.checkpoint.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code torch.optim.AdamW} (torch 1.13, single-tensor path, no amsgrad) over a {@link ParameterStore},
 * with per-parameter learning-rate scale and weight decay from {@link ParameterGroups}. For each
 * parameter that has a gradient g, with lr = scheduled lr × scale:
 * p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 * p ← p − (lr / (1−β1^t))·m / (sqrt(v)/sqrt(1−β2^t) + ε). Parameters without a gradient are skipped
 * entirely (no decay, no state change), as PyTorch skips {@code grad is None}.
 */
public final class AdamW {
    /**
     * Hyper-parameters.
     *
     * @param beta1 β1 (0.9)
     * @param beta2 β2 (0.999; VQA 0.98)
     * @param eps ε (1e-8)
     */
    public record Config(double beta1, double beta2, double eps) {
        /** Validates. */
        public Config {
            if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
                throw new IllegalArgumentException("AdamW needs 0 ≤ β < 1 and ε > 0, got β1 " + beta1 + ", β2 "
                        + beta2 + ", ε " + eps);
            }
        }

        /**
         * PyTorch's defaults (0.9, 0.999, 1e-8).
         *
         * @return the config
         */
        public static Config defaults() {
            return new Config(0.9, 0.999, 1e-8);
        }
    }

    /** Per-parameter state: exp_avg, exp_avg_sq and the step count. */
    private static final class State {
        final NDArray m;
        final NDArray v;
        long step;

        State(NDArray p) {
            m = p.zerosLike();
            v = p.zerosLike();
        }
    }

    private final ParameterStore params;
    private final Map<String, ParameterGroups.Setting> settings;
    private final Config config;
    private final Map<String, State> state = new HashMap<>();

    /**
     * Creates the optimizer (fresh state).
     *
     * @param params the parameters updated in place
     * @param settings lr scale and weight decay of every parameter the optimizer may update
     * @param config β1, β2, ε
     */
    public AdamW(ParameterStore params, Map<String, ParameterGroups.Setting> settings, Config config) {
        this.params = params;
        this.settings = Map.copyOf(settings);
        this.config = config;
    }

    /**
     * The settings.
     *
     * @return by key
     */
    public Map<String, ParameterGroups.Setting> settings() {
        return settings;
    }

    /**
     * The number of updates a parameter has received.
     *
     * @param name key
     * @return the Adam step t (0 before the first update)
     */
    public long steps(String name) {
        State s = state.get(name);
        return s == null ? 0 : s.step;
    }

    /**
     * One update of every parameter that has a gradient.
     *
     * @param gradients gradients by key (absent = no gradient: skipped); not modified
     * @param lr the scheduled (base) learning rate of this step; each parameter uses lr × its scale
     * @throws IllegalArgumentException when a gradient belongs to a parameter without a setting or has the wrong shape
     */
    public void step(Map<String, NDArray> gradients, double lr) {
        for (Map.Entry<String, NDArray> e : gradients.entrySet()) {
            String name = e.getKey();
            ParameterGroups.Setting s = settings.get(name);
            if (s == null) {
                throw new IllegalArgumentException("gradient for " + name + ", which the optimizer does not train");
            }
            NDArray p = params.get(name);
            NDArray g = e.getValue();
            if (!g.getShape().equals(p.getShape())) {
                throw new IllegalArgumentException("gradient of " + name + " has shape " + g.getShape()
                        + ", the parameter " + p.getShape());
            }
            update(name, p, g, lr * s.lrScale(), s.weightDecay());
        }
    }

    /**
     * The optimizer state as checkpoint tensors, for resuming: {@code exp_avg/<name>} and
     * {@code exp_avg_sq/<name>} (float32, the parameter's shape) and {@code step/<name>} (int64, shape (1))
     * for every parameter that has been updated at least once, in checkpoint order.
     *
     * @return tensors by key
     */
    public Map<String, TensorData> stateDict() {
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (String name : params.names()) {
            State st = state.get(name);
            if (st == null) {
                continue;
            }
            out.put("exp_avg/" + name, floats("exp_avg/" + name, st.m));
            out.put("exp_avg_sq/" + name, floats("exp_avg_sq/" + name, st.v));
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, st.step);
            out.put("step/" + name, new TensorData("step/" + name, DType.INT64, new long[] {1}, b));
        }
        return out;
    }

    /**
     * Replaces the optimizer state with a {@link #stateDict()} (bit-exact: the moments are copied as stored).
     *
     * @param stateDict tensors as written by {@link #stateDict()}
     * @throws IllegalArgumentException when a tensor names an unknown or untrained parameter or has the wrong shape
     */
    public void loadStateDict(Map<String, TensorData> stateDict) {
        Map<String, State> loaded = new HashMap<>();
        for (Map.Entry<String, TensorData> e : stateDict.entrySet()) {
            String key = e.getKey();
            int slash = key.indexOf('/');
            if (slash < 0 || !key.startsWith("step/")) {
                continue;
            }
            String name = key.substring(slash + 1);
            if (!settings.containsKey(name)) {
                throw new IllegalArgumentException("optimizer state for " + name + ", which this optimizer does not"
                        + " train (frozen encoder or another model?)");
            }
            TensorData m = stateDict.get("exp_avg/" + name);
            TensorData v = stateDict.get("exp_avg_sq/" + name);
            if (m == null || v == null) {
                throw new IllegalArgumentException("optimizer state of " + name + " lacks exp_avg or exp_avg_sq");
            }
            NDArray p = params.get(name);
            if (!java.util.Arrays.equals(m.shape(), p.getShape().getShape())
                    || !java.util.Arrays.equals(v.shape(), p.getShape().getShape())) {
                throw new IllegalArgumentException("optimizer state of " + name + " has shape "
                        + java.util.Arrays.toString(m.shape()) + ", the parameter " + p.getShape());
            }
            State st = new State(p);
            st.m.set(m.toFloats());
            st.v.set(v.toFloats());
            st.step = e.getValue().toLongs()[0];
            loaded.put(name, st);
        }
        state.clear();
        state.putAll(loaded);
    }

    private static TensorData floats(String key, NDArray a) {
        float[] f = a.toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(f.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(f);
        return new TensorData(key, DType.FLOAT32, a.getShape().getShape(), b);
    }

    private void update(String name, NDArray p, NDArray g, double lr, double wd) {
        State st = state.computeIfAbsent(name, k -> new State(p));
        st.step++;
        double b1 = config.beta1();
        double b2 = config.beta2();
        try (NDManager tmp = params.manager().newSubManager()) {
            g.tempAttach(tmp); // every result computed from g lands in tmp
            p.muli((float) (1 - lr * wd)); // decoupled decay
            st.m.muli((float) b1).addi(g.mul((float) (1 - b1))); // (like p)
            st.v.muli((float) b2).addi(g.mul((float) (1 - b2)).muli(g));
            double bc1 = 1 - Math.pow(b1, st.step);
            double bc2Sqrt = Math.sqrt(1 - Math.pow(b2, st.step));
            double stepSize = lr / bc1;
            NDArray denom = st.v.sqrt(); // in params' manager: moved to tmp below
            denom.attach(tmp);
            denom = denom.divi((float) bc2Sqrt).addi((float) config.eps());
            NDArray delta = st.m.mul((float) -stepSize); // (like p)
            delta.attach(tmp);
            p.addi(delta.divi(denom));
        }
    }
}
