package dev.beit3.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.EncoderConfig;
import dev.beit3.core.nn.Ops;
import dev.beit3.core.plugin.ProviderRegistry;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Where the time of one Multiway layer goes: each operation of the layer timed in isolation at a
 * given batch and sequence length (the per-op profile the benchmark prints with {@code --profile}).
 */
final class OpProfile {
    private OpProfile() {}

    /**
     * Profiles one layer.
     *
     * @param c the dimensions
     * @param batch B
     * @param tokens T
     * @param reps timed repetitions of each op (median)
     * @param registry the providers of this run (the kernel backends)
     * @return the profile text
     */
    static String profile(EncoderConfig c, int batch, int tokens, int reps, ProviderRegistry registry) {
        int d = c.dim();
        int f = c.ffnDim();
        int h = c.heads();
        Map<String, Double> ms = new LinkedHashMap<>();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(batch, tokens, d));
            NDArray g = m.ones(new Shape(d));
            NDArray b = m.zeros(new Shape(d));
            NDArray wqkv = m.randomNormal(new Shape(3L * d, d));
            NDArray bqkv = m.zeros(new Shape(3L * d));
            NDArray wo = m.randomNormal(new Shape(d, d));
            NDArray w1 = m.randomNormal(new Shape(f, d));
            NDArray b1 = m.zeros(new Shape(f));
            NDArray w2 = m.randomNormal(new Shape(d, f));
            NDArray gf = m.ones(new Shape(f));
            NDArray bf = m.zeros(new Shape(f));
            NDArray hidden = m.randomNormal(new Shape(batch, tokens, f));
            NDArray q = m.randomNormal(new Shape(batch, tokens, d));
            NDArray bias = m.zeros(new Shape(batch, 1, 1, tokens));
            time(ms, "layer_norm(D)", m, reps, x, a -> Ops.layerNorm(a, g, b, 1e-5f));
            time(ms, "linear qkv D→3D", m, reps, x, a -> Ops.linear(a, wqkv, bqkv));
            time(ms, "split qkv + head reshape", m, reps, x, a -> {
                NDList s = Ops.linear(a, wqkv, bqkv).split(3, 2);
                return s.get(0).reshape(batch, tokens, h, d / h).transpose(0, 2, 1, 3).add(0f);
            });
            time(ms, "attention (scores, softmax, ·v)", m, reps, q, a -> {
                NDArray qh = a.reshape(batch, tokens, h, d / h).transpose(0, 2, 1, 3);
                NDArray kh = a.reshape(batch, tokens, h, d / h).transpose(0, 2, 3, 1);
                NDArray s = qh.matMul(kh).addi(bias).softmax(-1);
                return s.matMul(qh).transpose(0, 2, 1, 3).reshape(batch, tokens, d);
            });
            time(ms, "linear out D→D", m, reps, x, a -> Ops.linear(a, wo, b));
            time(ms, "linear fc1 D→F", m, reps, x, a -> Ops.linear(a, w1, b1));
            time(ms, "gelu(F)", m, reps, hidden, Ops::gelu);
            time(ms, "layer_norm(F)", m, reps, hidden, a -> Ops.layerNorm(a, gf, bf, 1e-5f));
            time(ms, "linear fc2 F→D", m, reps, hidden, a -> Ops.linear(a, w2, b));
            time(ms, "residual add", m, reps, x, a -> a.add(q));
        }
        double total = ms.values().stream().mapToDouble(Double::doubleValue).sum() - ms.get("linear qkv D→3D");
        String split = byBackend(c, batch, tokens, reps, ms, registry.kernels());
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "per-op profile of one layer, batch %d × %d tokens (median ms; 'split' includes its linear)%n", batch, tokens));
        ms.forEach((k, v) -> sb.append(String.format(Locale.ROOT, "  %-34s %8.3f%n", k, v)));
        sb.append(String.format(Locale.ROOT, "  %-34s %8.3f (× %d layers = %.1f ms)%n", "sum", total, c.layers(),
                total * c.layers()));
        return sb.append(split).toString();
    }

    /**
     * The layer's time by op class on every available backend and precision: GEMM = the four linear layers as the
     * backend prepares them (GELU fused into fc1 where the backend fuses it), the rest (attention, layer norms,
     * GELU, residual adds, split/reshape copies) as the DJL ops measured above, except attention where the backend
     * computes it ({@link dev.beit3.api.Kernels#attention()}).
     */
    private static String byBackend(EncoderConfig c, int batch, int tokens, int reps, Map<String, Double> djl,
            Map<String, dev.beit3.api.KernelProvider> all) {
        int d = c.dim();
        int f = c.ffnDim();
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "  op classes per layer (ms; × %d layers in the last column)%n  %-14s %8s %9s %8s %10s %8s %8s %9s%n",
                c.layers(), "backend", "GEMM", "attention", "norm", "activation", "copies", "total", "× layers"));
        for (dev.beit3.api.KernelProvider p : all.values()) {
            for (dev.beit3.api.Precision pr : dev.beit3.api.Precision.values()) {
                if (p.unavailable(pr).isPresent()) {
                    continue;
                }
                Map<String, Double> ms = new LinkedHashMap<>();
                try (NDManager m = NDManager.newBaseManager(); dev.beit3.api.Kernels k = p.open(pr)) {
                    NDArray x = m.randomNormal(new Shape(batch, tokens, d));
                    NDArray hidden = m.randomNormal(new Shape(batch, tokens, f));
                    dev.beit3.api.LinearKernel qkv = k.linear(m.randomNormal(new Shape(3L * d, d)),
                            m.zeros(new Shape(3L * d)), dev.beit3.api.Kernels.Epilogue.NONE);
                    dev.beit3.api.LinearKernel o = k.linear(m.randomNormal(new Shape(d, d)), m.zeros(new Shape(d)),
                            dev.beit3.api.Kernels.Epilogue.NONE);
                    dev.beit3.api.LinearKernel fc1 = k.linear(m.randomNormal(new Shape(f, d)), m.zeros(new Shape(f)),
                            dev.beit3.api.Kernels.Epilogue.GELU);
                    dev.beit3.api.LinearKernel fc2 = k.linear(m.randomNormal(new Shape(d, f)), m.zeros(new Shape(d)),
                            dev.beit3.api.Kernels.Epilogue.NONE);
                    time(ms, "qkv", m, reps, x, qkv::apply);
                    time(ms, "out", m, reps, x, o::apply);
                    time(ms, "fc1+gelu", m, reps, x, fc1::apply);
                    time(ms, "fc2", m, reps, hidden, fc2::apply);
                    java.util.Optional<dev.beit3.api.AttentionKernel> att = k.attention();
                    if (att.isPresent()) { // the backend's own attention on the same (B, T, D) q, k, v
                        NDArray kv = m.randomNormal(new Shape(batch, tokens, d));
                        time(ms, "attention", m, reps, x, a -> att.get().attend(a, kv, kv, c.heads(), null));
                    }
                }
                Double own = ms.remove("attention");
                double gemm = ms.values().stream().mapToDouble(Double::doubleValue).sum();
                double attention = own != null ? own : djl.get("attention (scores, softmax, ·v)");
                double norm = 3 * djl.get("layer_norm(D)") + djl.get("layer_norm(F)");
                double activation = 0; // GELU is inside fc1+gelu for every backend here
                double copies = djl.get("split qkv + head reshape") - djl.get("linear qkv D→3D")
                        + 2 * djl.get("residual add");
                double total = gemm + attention + norm + activation + copies;
                sb.append(String.format(Locale.ROOT, "  %-14s %8.2f %9.2f %8.2f %10.2f %8.2f %8.2f %9.1f%n",
                        p.id() + " " + pr.id(), gemm, attention, norm, activation, copies, total, total * c.layers()));
            }
        }
        return sb.toString();
    }

    private static void time(Map<String, Double> out, String name, NDManager m, int reps, NDArray in,
            Function<NDArray, NDArray> op) {
        double[] t = new double[reps];
        for (int i = -2; i < reps; i++) {
            try (NDManager s = m.newSubManager()) {
                NDArray a = in.duplicate();
                a.attach(s);
                long t0 = System.nanoTime();
                op.apply(a).toFloatArray();
                if (i >= 0) {
                    t[i] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        java.util.Arrays.sort(t);
        out.put(name, t[reps / 2]);
    }
}
