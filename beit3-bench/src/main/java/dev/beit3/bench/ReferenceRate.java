package dev.beit3.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Kernels;
import dev.beit3.api.LinearKernel;
import dev.beit3.api.Precision;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The denominator of every efficiency: the best fp32 GEMM rate any backend reaches here. Chosen from the GEMM
 * results, then re-measured right before each workload round (one 1576×D×F product of that backend, median of 3),
 * so each efficiency compares with the machine's state of that moment: shared machines drift by 2–4× within one
 * run. Holds the probe layer; close it.
 */
final class ReferenceRate implements AutoCloseable {
    private final Variant best;
    private final double gemmRate;
    private final EncoderConfig config;
    private final NDManager manager;
    private final Kernels kernels;
    private final NDArray input;
    private final LinearKernel probe;

    private ReferenceRate(Variant best, double gemmRate, EncoderConfig c) {
        this.best = best;
        this.gemmRate = gemmRate;
        this.config = c;
        this.manager = NDManager.newBaseManager();
        try {
            this.input = manager.randomNormal(new Shape(GemmProbe.ROWS, c.dim()));
            this.kernels = best.open();
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        try {
            this.probe = kernels.linear(manager.randomNormal(new Shape(c.ffnDim(), c.dim())), null,
                    Kernels.Epilogue.NONE);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * The fastest fp32 variant of a GEMM measurement, with its probe layer prepared.
     *
     * @param c the dimensions the GEMM was measured at
     * @param vs the variants measured
     * @param gemm their {@code gemm} results, in the same order
     * @return the reference
     * @throws IllegalArgumentException when no fp32 variant was measured
     */
    static ReferenceRate best(EncoderConfig c, List<Variant> vs, List<Benchmark.Result> gemm) {
        Variant best = null;
        double rate = 0;
        for (int i = 0; i < vs.size(); i++) {
            if (vs.get(i).precision() == Precision.FP32 && gemm.get(i).gflops() > rate) {
                rate = gemm.get(i).gflops();
                best = vs.get(i);
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("the benchmark needs an fp32 backend as the reference rate;"
                    + " add fp32 to --precision");
        }
        return new ReferenceRate(best, rate, c);
    }

    /** @return the fastest fp32 backend */
    Variant variant() {
        return best;
    }

    /**
     * The GEMM results with their efficiency ÷ the best fp32 GEMM rate and a note naming it.
     *
     * @param gemm the GEMM results
     * @return the same results, completed
     */
    List<Benchmark.Result> complete(List<Benchmark.Result> gemm) {
        List<Benchmark.Result> out = new ArrayList<>();
        for (Benchmark.Result r : gemm) {
            out.add(new Benchmark.Result(r.workload(), r.backend(), r.precision(), r.medianMs(), r.minMs(),
                    r.itemsPerSecond(), r.gflop(), r.gflops(), r.gflops() / gemmRate, r.peakRssMb(),
                    r.note() + String.format(Locale.ROOT, "; ÷ best fp32 GEMM (%s) %.1f GFLOP/s", best.label(),
                            gemmRate)));
        }
        return out;
    }

    /**
     * Re-measures the rate now.
     *
     * @return GFLOP/s of the fastest fp32 backend at this moment
     */
    double remeasure() {
        double flop = 2.0 * input.getShape().get(0) * config.dim() * config.ffnDim();
        double[] ms = new double[3];
        for (int i = -1; i < ms.length; i++) {
            long t0 = System.nanoTime();
            probe.apply(input).close();
            if (i >= 0) {
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        return flop / 1e9 / (ms[1] / 1e3);
    }

    /** Frees the probe layer and its backend. */
    @Override
    public void close() {
        try {
            manager.close();
        } finally {
            if (kernels != null) {
                kernels.close();
            }
        }
    }
}
