package dev.beit3.kernels.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.Kernels;
import dev.beit3.api.Kernels.Epilogue;
import dev.beit3.api.LinearKernel;
import dev.beit3.api.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The oneDNN linear layers against a plain double-precision product computed here. */
class OneDnnLinearTest {
    private static final OneDnnKernelProvider PROVIDER = new OneDnnKernelProvider();

    /** x (M, K), w (N, K), b (N) → x·wᵀ + b in double, and Σ|x·w| per element for the error bound. */
    private static double[][] reference(float[] x, float[] w, float[] b, int m, int k, int n, double[][] mag) {
        double[][] y = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = b == null ? 0 : b[j];
                double a = b == null ? 0 : Math.abs(b[j]);
                for (int t = 0; t < k; t++) {
                    double p = (double) x[i * k + t] * w[j * k + t];
                    s += p;
                    a += Math.abs(p);
                }
                y[i][j] = s;
                mag[i][j] = a;
            }
        }
        return y;
    }

    private static float[] random(Random r, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** Largest |ours − reference| / Σ|terms| over the elements. */
    private static double relativeError(Precision p, Epilogue e, int m, int k, int n, boolean bias) {
        return relativeError(p, e, m, k, n, bias, 0f, false);
    }

    /**
     * @param shift added to every activation (an offset distribution, as after a GELU)
     * @param force open the precision even where oneDNN runs it with a slow kernel (correctness only)
     */
    private static double relativeError(Precision p, Epilogue e, int m, int k, int n, boolean bias, float shift,
            boolean force) {
        Random r = new Random(7 + m * 31L + k);
        float[] x = random(r, m * k);
        for (int i = 0; i < x.length; i++) {
            x[i] += shift;
        }
        float[] w = random(r, n * k);
        float[] b = bias ? random(r, n) : null;
        double[][] mag = new double[m][n];
        double[][] ref = reference(x, w, b, m, k, n, mag);
        try (NDManager mgr = NDManager.newBaseManager();
                Kernels kernels = force ? new OneDnnKernels(OneDnn.get().orElseThrow(), p) : PROVIDER.open(p)) {
            NDArray wa = mgr.create(w, new Shape(n, k));
            NDArray ba = bias ? mgr.create(b, new Shape(n)) : null;
            LinearKernel lin = kernels.linear(wa, ba, e);
            wa.close(); // the backend keeps its own copy
            try (NDManager call = mgr.newSubManager()) {
                NDArray xa = call.create(x, new Shape(1, m, k));
                NDArray y = lin.apply(xa);
                assertThat(y.getShape()).isEqualTo(new Shape(1, m, n));
                assertThat(y.getManager()).isSameAs(call);
                NDArray refArr = call.create(toFloat(ref), new Shape(1, m, n));
                NDArray expected = e == Epilogue.GELU ? Activation.gelu(refArr) : refArr;
                float[] got = y.toFloatArray();
                float[] want = expected.toFloatArray();
                double worst = 0;
                for (int i = 0; i < m; i++) {
                    for (int j = 0; j < n; j++) {
                        worst = Math.max(worst, Math.abs(got[i * n + j] - want[i * n + j]) / mag[i][j]);
                    }
                }
                return worst;
            }
        }
    }

    private static float[] toFloat(double[][] v) {
        float[] out = new float[v.length * v[0].length];
        for (int i = 0; i < v.length; i++) {
            for (int j = 0; j < v[0].length; j++) {
                out[i * v[0].length + j] = (float) v[i][j];
            }
        }
        return out;
    }

    @Test
    void discoveredByServiceLoader() {
        List<String> ids = new ArrayList<>();
        ServiceLoader.load(KernelProvider.class).forEach(p -> ids.add(p.id()));
        assertThat(ids).contains("onednn");
        System.out.println("onednn: " + PROVIDER.description());
    }

    @Test
    void fp32MatchesTheDoubleProduct() {
        assumeTrue(PROVIDER.unavailable(Precision.FP32).isEmpty(), () -> PROVIDER.unavailable(Precision.FP32).get());
        for (int[] c : new int[][] {{1, 64, 48}, {7, 96, 384}, {197, 768, 2304}, {33, 3072, 768}}) {
            double err = relativeError(Precision.FP32, Epilogue.NONE, c[0], c[1], c[2], true);
            System.out.printf("onednn fp32 %d×%d·%d: max error %.2e of Σ|terms|%n", c[0], c[1], c[2], err);
            assertThat(err).isLessThan(1e-5);
        }
        double noBias = relativeError(Precision.FP32, Epilogue.NONE, 5, 64, 32, false);
        System.out.printf("onednn fp32 no bias: max error %.2e%n", noBias);
        assertThat(noBias).isLessThan(1e-5);
    }

    @Test
    void fp32GeluEpilogueMatchesDjlGelu() {
        assumeTrue(PROVIDER.unavailable(Precision.FP32).isEmpty(), () -> PROVIDER.unavailable(Precision.FP32).get());
        double err = relativeError(Precision.FP32, Epilogue.GELU, 50, 128, 512, true);
        System.out.printf("onednn fp32 + GELU: max error %.2e of Σ|terms|%n", err);
        assertThat(err).isLessThan(1e-5);
    }

    @Test
    void bf16WithinBfloat16Rounding() {
        assumeTrue(PROVIDER.unavailable(Precision.BF16).isEmpty(), () -> PROVIDER.unavailable(Precision.BF16).get());
        for (Epilogue e : Epilogue.values()) {
            double err = relativeError(Precision.BF16, e, 197, 768, 384, true);
            System.out.printf("onednn bf16 %s: max error %.2e of Σ|terms|%n", e, err);
            // two roundings to 8 significant bits (2^-8 each) bound the error of every term
            assertThat(err).isLessThan(2 * Math.pow(2, -8)).isGreaterThan(1e-6); // really reduced precision
        }
    }

    @Test
    void int8WithinQuantisationError() {
        assumeTrue(PROVIDER.unavailable(Precision.INT8).isEmpty(), () -> PROVIDER.unavailable(Precision.INT8).get());
        for (Epilogue e : Epilogue.values()) {
            double err = relativeError(Precision.INT8, e, 197, 768, 384, true);
            System.out.printf("onednn int8 %s: max error %.2e of Σ|terms|%n", e, err);
            assertThat(err).isLessThan(0.05).isGreaterThan(1e-5);
        }
    }

    @Test
    void int8ActivationsAsUnsignedBytesWithAZeroPointOnAnyIsa() {
        // the u8 activations with a zero point, also where oneDNN computes them with its slower int8 kernel
        // (no VNNI): centred and offset activations, both within the quantisation error
        assumeTrue(OneDnn.get().isPresent(), OneDnn::loadError);
        for (float shift : new float[] {0f, 3f}) {
            for (Epilogue e : Epilogue.values()) {
                double err = relativeError(Precision.INT8, e, 197, 768, 384, true, shift, true);
                System.out.printf("onednn int8 (forced) %s, activations %+.0f: max error %.2e of Σ|terms|%n", e,
                        shift, err);
                assertThat(err).isLessThan(0.05).isGreaterThan(1e-5);
            }
        }
    }

    @Test
    void aFusedResidualEqualsTheLayerPlusTheResidualInEveryPrecisionAndLeavesTheResidualAlone() {
        Random r = new Random(5);
        int m = 40;
        int k = 96;
        int n = 64;
        float[] w = random(r, n * k);
        float[] b = random(r, n);
        float[] x = random(r, 2 * m * k);
        float[] res = random(r, 2 * m * 2 * n); // (2, m, 2n): its first n columns are a non-contiguous view
        int ran = 0;
        for (Precision p : Precision.values()) {
            if (PROVIDER.unavailable(p).isPresent()) {
                System.out.println("onednn " + p.id() + " residual: skipped, " + PROVIDER.unavailable(p).get());
                continue;
            }
            for (Epilogue e : Epilogue.values()) {
                try (NDManager mgr = NDManager.newBaseManager(); Kernels kernels = PROVIDER.open(p)) {
                    LinearKernel lin = kernels.linear(mgr.create(w, new Shape(n, k)), mgr.create(b, new Shape(n)), e);
                    NDArray xa = mgr.create(x, new Shape(2, m, k));
                    NDArray wide = mgr.create(res, new Shape(2, m, 2 * n));
                    NDArray[] residuals = {wide.get(":, :, :" + n).duplicate(), wide.get(":, :, :" + n)};
                    for (int c = 0; c < residuals.length; c++) {
                        NDArray residual = residuals[c];
                        float[] before = residual.toFloatArray();
                        float[] fused = lin.apply(xa, residual).toFloatArray();
                        float[] separate = lin.apply(xa).add(residual).toFloatArray();
                        double worst = 0;
                        for (int i = 0; i < fused.length; i++) {
                            worst = Math.max(worst, Math.abs(fused[i] - separate[i]) / (1 + Math.abs(separate[i])));
                        }
                        System.out.printf("onednn %s %s + residual (%s): max difference to the separate add %.2e%n",
                                p.id(), e, c == 0 ? "contiguous" : "strided view", worst);
                        assertThat(worst).isLessThan(1e-6);
                        assertThat(residual.toFloatArray()).as("the residual is read, not written").isEqualTo(before);
                    }
                    NDArray wrong = mgr.zeros(new Shape(2, m, n + 1));
                    org.assertj.core.api.Assertions.assertThatThrownBy(() -> lin.apply(xa, wrong))
                            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("residual");
                    ran++;
                }
            }
        }
        assumeTrue(ran > 0, "no precision of onednn runs here");
    }

    @Test
    void concurrentCallsGiveTheSingleThreadResult() throws Exception {
        assumeTrue(PROVIDER.unavailable(Precision.FP32).isEmpty(), () -> PROVIDER.unavailable(Precision.FP32).get());
        Random r = new Random(3);
        int k = 256;
        int n = 192;
        try (NDManager mgr = NDManager.newBaseManager(); Kernels kernels = PROVIDER.open(Precision.FP32)) {
            LinearKernel lin = kernels.linear(mgr.create(random(r, n * k), new Shape(n, k)),
                    mgr.create(random(r, n), new Shape(n)), Epilogue.GELU);
            List<float[]> inputs = new ArrayList<>();
            List<float[]> expected = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                int m = 1 + i * 13; // several row counts: several cached primitives
                float[] x = random(r, m * k);
                inputs.add(x);
                try (NDManager call = mgr.newSubManager()) {
                    expected.add(lin.apply(call.create(x, new Shape(m, k))).toFloatArray());
                }
            }
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Boolean>> fs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int start = t;
                    fs.add(pool.submit(() -> {
                        boolean same = true;
                        for (int rep = 0; rep < 20; rep++) {
                            int i = (start + rep) % 8;
                            try (NDManager call = mgr.newSubManager()) {
                                float[] x = inputs.get(i);
                                float[] y = lin.apply(call.create(x, new Shape(x.length / k, k))).toFloatArray();
                                same &= java.util.Arrays.equals(y, expected.get(i));
                            }
                        }
                        return same;
                    }));
                }
                for (Future<Boolean> f : fs) {
                    assertThat(f.get()).isTrue();
                }
            } finally {
                pool.shutdown();
            }
        }
    }
}
