package dev.beit3.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Kernels;
import dev.beit3.api.LinearKernel;
import java.util.ArrayList;
import java.util.List;

/**
 * The GEMM rate of each backend and precision on the dominant products of a transformer layer: tokens × D → 3D,
 * D → F, F → D at batch 8 × 197 tokens, as each backend's prepared linear layers (weights in its layout and
 * precision), the backends alternating run by run.
 */
final class GemmProbe {
    /** The rows of every product: batch 8 × 197 tokens. */
    static final long ROWS = 8L * 197;

    private GemmProbe() {}

    /**
     * Measures every variant.
     *
     * @param c the dimensions (D, F)
     * @param vs the variants
     * @param rounds the timing loop (without a reference rate: this is the reference)
     * @return one {@code gemm} result per variant, in order, efficiency not yet known
     */
    static List<Benchmark.Result> measure(EncoderConfig c, List<Variant> vs, Rounds rounds) {
        long[][] shapes = {{ROWS, c.dim(), 3L * c.dim()}, {ROWS, c.dim(), c.ffnDim()}, {ROWS, c.ffnDim(), c.dim()}};
        List<Kernels> opened = new ArrayList<>();
        try (NDManager mgr = NDManager.newBaseManager()) {
            List<NDArray> inputs = new ArrayList<>();
            double flop = 0;
            for (long[] s : shapes) {
                inputs.add(mgr.randomNormal(new Shape(s[0], s[1])));
                flop += 2.0 * s[0] * s[1] * s[2];
            }
            List<Runnable> bodies = new ArrayList<>();
            for (Variant v : vs) {
                Kernels k = v.open();
                opened.add(k);
                List<LinearKernel> layers = new ArrayList<>();
                for (long[] s : shapes) {
                    layers.add(k.linear(mgr.randomNormal(new Shape(s[2], s[1])), null, Kernels.Epilogue.NONE));
                }
                bodies.add(() -> {
                    for (int i = 0; i < layers.size(); i++) {
                        layers.get(i).apply(inputs.get(i)).close(); // the product only: no copy out
                    }
                });
            }
            return rounds.time("gemm", vs, bodies, flop, ROWS, "transformer GEMM shapes (1576×D×3D, 1576×D×F,"
                    + " 1576×F×D), weights prepared by the backend (int8: giga integer operations/s)");
        } finally {
            opened.forEach(Kernels::close);
        }
    }
}
