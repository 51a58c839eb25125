package dev.beit3.kernels.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Kernels;
import dev.beit3.api.LayerNormKernel;
import dev.beit3.api.Precision;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The oneDNN LayerNorm against (x − mean) / sqrt(var + ε) · γ + β computed here in double precision. */
class OneDnnLayerNormTest {
    private static final OneDnnKernelProvider PROVIDER = new OneDnnKernelProvider();

    private static float[] random(Random r, int size, double mean, double std) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) (mean + std * r.nextGaussian());
        }
        return v;
    }

    private static double[] reference(float[] x, float[] g, float[] b, int c, double eps) {
        double[] y = new double[x.length];
        for (int row = 0; row < x.length / c; row++) {
            double mean = 0;
            for (int j = 0; j < c; j++) {
                mean += x[row * c + j];
            }
            mean /= c;
            double var = 0;
            for (int j = 0; j < c; j++) {
                double d = x[row * c + j] - mean;
                var += d * d;
            }
            var /= c; // biased, as PyTorch
            for (int j = 0; j < c; j++) {
                y[row * c + j] = (x[row * c + j] - mean) / Math.sqrt(var + eps) * g[j] + b[j];
            }
        }
        return y;
    }

    /** The first {@code c} columns of a (rows, 2c) row-major matrix, as a (rows, c) one. */
    private static float[] firstColumns(float[] wide, int rows, int c) {
        float[] x = new float[rows * c];
        for (int row = 0; row < rows; row++) {
            System.arraycopy(wide, row * 2 * c, x, row * c, c);
        }
        return x;
    }

    private static Kernels open() {
        assumeTrue(PROVIDER.unavailable(Precision.FP32).isEmpty(), () -> PROVIDER.unavailable(Precision.FP32).get());
        return PROVIDER.open(Precision.FP32);
    }

    @Test
    void matchesTheDoubleReferenceOnTheModelsShapesAndOffsetInputs() {
        Random r = new Random(21);
        try (Kernels kernels = open(); NDManager m = NDManager.newBaseManager()) {
            for (int[] c : new int[][] {{2, 197, 768}, {1, 5, 3072}, {3, 64, 768}, {1, 1, 16}}) {
                int rows = c[0] * c[1];
                float[] g = random(r, c[2], 1, 0.3);
                float[] b = random(r, c[2], 0, 0.3);
                float[] x = random(r, rows * c[2], 4, 3); // an offset, wide distribution: the variance is not trivial
                LayerNormKernel ln = kernels.layerNorm(m.create(g), m.create(b), 1e-5f).orElseThrow();
                try (NDManager call = m.newSubManager()) {
                    NDArray xa = call.create(x, new Shape(c[0], c[1], c[2]));
                    NDArray y = ln.apply(xa);
                    assertThat(y.getShape()).isEqualTo(xa.getShape());
                    assertThat(y.getManager()).isSameAs(call);
                    assertThat(xa.toFloatArray()).as("the input is not modified").isEqualTo(x);
                    float[] got = y.toFloatArray();
                    double[] want = reference(x, g, b, c[2], 1e-5);
                    double worst = 0;
                    for (int i = 0; i < got.length; i++) {
                        worst = Math.max(worst, Math.abs(got[i] - want[i]));
                    }
                    System.out.printf("onednn layer norm %d×%d×%d: max diff %.2e%n", c[0], c[1], c[2], worst);
                    assertThat(worst).isLessThan(2e-5);
                }
            }
        }
    }

    @Test
    void readsAStridedViewAndRefusesTheWrongWidth() {
        Random r = new Random(22);
        int c = 48;
        float[] g = random(r, c, 1, 0.2);
        float[] b = random(r, c, 0, 0.2);
        float[] wide = random(r, 6 * 2 * c, 0, 1); // (6, 2c): the first c columns are a strided view
        float[] x = firstColumns(wide, 6, c);
        try (Kernels kernels = open(); NDManager m = NDManager.newBaseManager()) {
            LayerNormKernel ln = kernels.layerNorm(m.create(g), m.create(b), 1e-6f).orElseThrow();
            float[] got = ln.apply(m.create(wide, new Shape(6, 2 * c)).get(":, :" + c)).toFloatArray();
            double[] want = reference(x, g, b, c, 1e-6);
            for (int i = 0; i < got.length; i++) {
                assertThat((double) got[i]).isCloseTo(want[i], org.assertj.core.data.Offset.offset(2e-5));
            }
            assertThatThrownBy(() -> ln.apply(m.zeros(new Shape(2, c + 1)))).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("(…, " + c + ")");
        }
    }

    @Test
    void inPlaceOverwritesAContiguousArrayWithTheNormalisedValuesExactlyAsApply() {
        Random r = new Random(23);
        try (Kernels kernels = open(); NDManager m = NDManager.newBaseManager()) {
            for (int[] c : new int[][] {{2, 197, 3072}, {1, 5, 768}, {1, 1, 16}}) {
                int rows = c[0] * c[1];
                float[] g = random(r, c[2], 1, 0.3);
                float[] b = random(r, c[2], 0, 0.3);
                float[] x = random(r, rows * c[2], 4, 3);
                LayerNormKernel ln = kernels.layerNorm(m.create(g), m.create(b), 1e-5f).orElseThrow();
                try (NDManager call = m.newSubManager()) {
                    float[] want = ln.apply(call.create(x, new Shape(c[0], c[1], c[2]))).toFloatArray();
                    NDArray own = call.create(x, new Shape(c[0], c[1], c[2]));
                    NDArray y = ln.applyInPlace(own);
                    assertThat(y).as("normalised in place").isSameAs(own);
                    float[] got = y.toFloatArray();
                    assertThat(got).isEqualTo(want);
                    double[] exact = reference(x, g, b, c[2], 1e-5);
                    for (int i = 0; i < got.length; i++) {
                        assertThat((double) got[i]).isCloseTo(exact[i], org.assertj.core.data.Offset.offset(2e-5));
                    }
                    System.out.printf("onednn layer norm in place %d×%d×%d: equal to the out-of-place result%n", c[0],
                            c[1], c[2]);
                }
            }
        }
    }

    @Test
    void inPlaceOnAStridedViewNormalisesACopyAndLeavesTheViewAlone() {
        Random r = new Random(24);
        int c = 48;
        float[] g = random(r, c, 1, 0.2);
        float[] b = random(r, c, 0, 0.2);
        float[] wide = random(r, 6 * 2 * c, 0, 1); // (6, 2c): the first c columns are a strided view
        float[] x = firstColumns(wide, 6, c);
        try (Kernels kernels = open(); NDManager m = NDManager.newBaseManager()) {
            LayerNormKernel ln = kernels.layerNorm(m.create(g), m.create(b), 1e-6f).orElseThrow();
            NDArray whole = m.create(wide, new Shape(6, 2 * c));
            NDArray view = whole.get(":, :" + c);
            NDArray y = ln.applyInPlace(view);
            assertThat(y).isNotSameAs(view);
            assertThat(whole.toFloatArray()).as("the viewed array is not modified").isEqualTo(wide);
            float[] got = y.toFloatArray();
            double[] want = reference(x, g, b, c, 1e-6);
            for (int i = 0; i < got.length; i++) {
                assertThat((double) got[i]).isCloseTo(want[i], org.assertj.core.data.Offset.offset(2e-5));
            }
        }
    }
}
