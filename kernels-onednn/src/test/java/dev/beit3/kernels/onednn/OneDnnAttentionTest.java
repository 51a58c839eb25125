package dev.beit3.kernels.onednn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.AttentionKernel;
import dev.beit3.api.Kernels;
import dev.beit3.api.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** The oneDNN attention against softmax(q·kᵀ + bias)·v computed here in double precision, element by element. */
class OneDnnAttentionTest {
    private static final OneDnnKernelProvider PROVIDER = new OneDnnKernelProvider();
    private static final int B = 2;
    private static final int TQ = 5;
    private static final int TK = 7;
    private static final int H = 3;
    private static final int D = 4;

    private static float[] random(Random r, int size) {
        float[] v = new float[size];
        for (int i = 0; i < size; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    /** The reference; bias is indexed through {@code bias(b, h, i, j)}. */
    private static double[] reference(float[] q, float[] k, float[] v, int tq, int tk, Bias bias) {
        return reference(B, q, k, v, tq, tk, bias);
    }

    private static double[] reference(int batch, float[] q, float[] k, float[] v, int tq, int tk, Bias bias) {
        int dim = H * D;
        double[] y = new double[batch * tq * dim];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < H; h++) {
                for (int i = 0; i < tq; i++) {
                    double[] s = new double[tk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < tk; j++) {
                        double dot = 0;
                        for (int c = 0; c < D; c++) {
                            dot += (double) q[(b * tq + i) * dim + h * D + c] * k[(b * tk + j) * dim + h * D + c];
                        }
                        s[j] = dot + (bias == null ? 0 : bias.at(b, h, i, j));
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < tk; j++) {
                        s[j] = Math.exp(s[j] - max);
                        sum += s[j];
                    }
                    for (int c = 0; c < D; c++) {
                        double o = 0;
                        for (int j = 0; j < tk; j++) {
                            o += s[j] / sum * v[(b * tk + j) * dim + h * D + c];
                        }
                        y[(b * tq + i) * dim + h * D + c] = o;
                    }
                }
            }
        }
        return y;
    }

    @FunctionalInterface
    private interface Bias {
        double at(int b, int h, int i, int j);
    }

    private static double maxDiff(float[] got, double[] want) {
        assertThat(got).hasSize(want.length);
        double m = 0;
        for (int i = 0; i < got.length; i++) {
            m = Math.max(m, Math.abs(got[i] - want[i]));
        }
        return m;
    }

    private static Kernels open() {
        assumeTrue(PROVIDER.unavailable(Precision.FP32).isEmpty(), () -> PROVIDER.unavailable(Precision.FP32).get());
        return PROVIDER.open(Precision.FP32);
    }

    @Test
    void fp32ProductsRunOnThePreferredImplementation() {
        String arch = System.getProperty("os.arch");
        assumeTrue(arch.equals("amd64") || arch.equals("x86_64"), "oneDNN builds gemm:jit on x86-64 only");
        assumeTrue(!Matmuls.ATTENTION_IMPL.isEmpty(), "beit3.onednn.attentionImpl is empty: oneDNN's first choice");
        Random r = new Random(13);
        try (Kernels kernels = open(); NDManager m = NDManager.newBaseManager()) {
            NDArray q = m.create(random(r, B * TQ * H * D), new Shape(B, TQ, H * D));
            NDArray k = m.create(random(r, B * TK * H * D), new Shape(B, TK, H * D));
            NDArray v = m.create(random(r, B * TK * H * D), new Shape(B, TK, H * D));
            kernels.attention().orElseThrow().attend(q, k, v, H, null);
            // the score product, the softmax and the weighted sum each note the implementation oneDNN runs; a
            // fresh model's only primitives are these three, so no matmul took oneDNN's first choice instead
            assertThat(((OneDnnKernels) kernels).implementations())
                    .anySatisfy(name -> assertThat(name).startsWith(Matmuls.ATTENTION_IMPL))
                    .noneSatisfy(name -> assertThat(name).startsWith("brg_matmul"));
        }
    }

    @Test
    void matchesTheReferenceWithEveryBiasShape() {
        Random r = new Random(11);
        float[] q = random(r, B * TQ * H * D);
        float[] k = random(r, B * TK * H * D);
        float[] v = random(r, B * TK * H * D);
        float[] pad = new float[B * TK]; // (B, 1, 1, Tk): the last key of sequence 1 padded
        pad[TK + TK - 1] = Float.NEGATIVE_INFINITY;
        float[] mask = random(r, TQ * TK); // (Tq, Tk)
        float[] rel = random(r, H * TQ * TK); // (H, Tq, Tk)
        float[] full = random(r, B * H * TQ * TK); // (B, H, Tq, Tk)
        try (Kernels kernels = open(); NDManager m = NDManager.newBaseManager()) {
            AttentionKernel att = kernels.attention().orElseThrow();
            NDArray qa = m.create(q, new Shape(B, TQ, H * D));
            NDArray ka = m.create(k, new Shape(B, TK, H * D));
            NDArray va = m.create(v, new Shape(B, TK, H * D));
            List<Object[]> cases = List.of(
                    new Object[] {"none", null, null},
                    new Object[] {"padding (B,1,1,Tk)", m.create(pad, new Shape(B, 1, 1, TK)),
                            (Bias) (b, h, i, j) -> pad[b * TK + j]},
                    new Object[] {"mask (Tq,Tk)", m.create(mask, new Shape(TQ, TK)),
                            (Bias) (b, h, i, j) -> mask[i * TK + j]},
                    new Object[] {"relative (H,Tq,Tk)", m.create(rel, new Shape(H, TQ, TK)),
                            (Bias) (b, h, i, j) -> rel[(h * TQ + i) * TK + j]},
                    new Object[] {"full (B,H,Tq,Tk)", m.create(full, new Shape(B, H, TQ, TK)),
                            (Bias) (b, h, i, j) -> full[((b * H + h) * TQ + i) * TK + j]});
            for (Object[] c : cases) {
                try (NDManager call = m.newSubManager()) {
                    NDArray q1 = qa.duplicate();
                    q1.attach(call);
                    float[] got = att.attend(q1, ka, va, H, (NDArray) c[1]).toFloatArray();
                    double diff = maxDiff(got, reference(q, k, v, TQ, TK, (Bias) c[2]));
                    System.out.printf("onednn attention, bias %s: max diff %.2e%n", c[0], diff);
                    assertThat(diff).as("bias %s", c[0]).isLessThan(1e-5);
                }
            }
        }
    }

    @Test
    void longSequencesRunInHeadGroupsWhoseScoresFitTheCacheBudgetAndGiveTheSameResult() {
        int t = 800; // one head's scores: 800 × 800 floats = 2.6 MB, over a 2 MB budget: groups of one head
        long budget = 2L << 20;
        assertThat(OneDnnAttention.headGroup(H, t, t, budget)).isEqualTo(1);
        Random r = new Random(13);
        float[] q = random(r, B * t * H * D);
        float[] k = random(r, B * t * H * D);
        float[] v = random(r, B * t * H * D);
        float[] rel = random(r, H * t * t); // (H, Tq, Tk): sliced per group
        float[] pad = new float[B * t]; // (B, 1, 1, Tk)
        pad[t + 5] = Float.NEGATIVE_INFINITY;
        try (Kernels kernels = open(); OneDnnAttention att = new OneDnnAttention((OneDnnKernels) kernels, budget);
                NDManager m = NDManager.newBaseManager()) {
            Object[][] cases = {
                {"relative (H,Tq,Tk)", m.create(rel, new Shape(H, t, t)), (Bias) (b, h, i, j) -> rel[(h * t + i) * t + j]},
                {"padding (B,1,1,Tk)", m.create(pad, new Shape(B, 1, 1, t)), (Bias) (b, h, i, j) -> pad[b * t + j]}};
            for (Object[] c : cases) {
                try (NDManager call = m.newSubManager()) {
                    float[] got = att.attend(call.create(q, new Shape(B, t, H * D)), call.create(k, new Shape(B, t, H * D)),
                            call.create(v, new Shape(B, t, H * D)), H, (NDArray) c[1]).toFloatArray();
                    double diff = maxDiff(got, reference(q, k, v, t, t, (Bias) c[2]));
                    System.out.printf("onednn attention, %d tokens in head groups, bias %s: max diff %.2e%n", t, c[0],
                            diff);
                    assertThat(diff).as("bias %s", c[0]).isLessThan(1e-5);
                }
            }
        }
    }

    @Test
    void shortSequencesRunSeveralPerPrimitiveWithTheirOwnBiasRows() {
        int batch = 6;
        int t = 240; // one sequence's scores: 3 heads × 240 × 240 floats = 691 KB: 3 sequences in 2 MB
        long budget = 2L << 20;
        assertThat(OneDnnAttention.headGroup(H, t, t, budget)).isEqualTo(H);
        assertThat(OneDnnAttention.sequenceGroup(batch, H, t, t, budget)).isEqualTo(3);
        Random r = new Random(14);
        float[] q = random(r, batch * t * H * D);
        float[] k = random(r, batch * t * H * D);
        float[] v = random(r, batch * t * H * D);
        float[] pad = new float[batch * t]; // (B, 1, 1, Tk): a different padded key in each sequence
        for (int b = 0; b < batch; b++) {
            pad[b * t + 10 * b + 1] = Float.NEGATIVE_INFINITY;
        }
        try (Kernels kernels = open(); OneDnnAttention att = new OneDnnAttention((OneDnnKernels) kernels, budget);
                NDManager m = NDManager.newBaseManager()) {
            float[] got = att.attend(m.create(q, new Shape(batch, t, H * D)),
                    m.create(k, new Shape(batch, t, H * D)), m.create(v, new Shape(batch, t, H * D)), H,
                    m.create(pad, new Shape(batch, 1, 1, t))).toFloatArray();
            double diff = maxDiff(got, reference(batch, q, k, v, t, t, (b, h, i, j) -> pad[b * t + j]));
            System.out.printf("onednn attention, %d sequences of %d tokens, 3 per primitive: max diff %.2e%n", batch,
                    t, diff);
            assertThat(diff).isLessThan(1e-5);
        }
    }

    @Test
    void aSequenceGroupIsTheLargestDivisorOfTheBatchWhoseScoresFitTheBudget() {
        long budget = 2L << 20;
        for (long[] c : new long[][] {{32, 12, 64, 64}, {8, 12, 197, 197}, {1, 12, 64, 64}, {7, 12, 40, 40},
                {30, 12, 64, 64}, {6, 3, 240, 240}, {4, 12, 577, 577}}) {
            long n = OneDnnAttention.sequenceGroup(c[0], c[1], c[2], c[3], budget);
            long one = c[1] * c[2] * c[3] * Float.BYTES;
            assertThat(c[0] % n).as("%s divides %s", n, c[0]).isZero();
            assertThat(n == 1 || n * one <= budget).as("%d sequences fit", n).isTrue();
            for (long bigger = n + 1; bigger <= c[0]; bigger++) {
                assertThat(c[0] % bigger != 0 || bigger * one > budget).as("no larger divisor %d fits", bigger).isTrue();
            }
        }
        assertThat(OneDnnAttention.sequenceGroup(32, 12, 64, 64, budget)).isEqualTo(8); // 196 KB each
        assertThat(OneDnnAttention.sequenceGroup(32, 12, 64, 64, 8L << 20)).isEqualTo(32);
    }

    @Test
    void aHeadGroupIsTheLargestDivisorOfTheHeadsWhoseScoresFitTheBudget() {
        for (long budget : new long[] {1L << 20, 2L << 20, 8L << 20}) {
            checkHeadGroups(budget);
        }
        assertThat(OneDnnAttention.headGroup(12, 577, 577, 8L << 20)).isEqualTo(6); // 1.33 MB a head
    }

    private static void checkHeadGroups(long budget) {
        for (long[] c : new long[][] {{12, 197, 197}, {12, 577, 577}, {12, 300, 300}, {12, 260, 260}, {12, 64, 64},
                {16, 901, 901}, {7, 200, 200}, {12, 1, 4000}, {12, 400, 400}, {16, 500, 500}}) {
            long g = OneDnnAttention.headGroup(c[0], c[1], c[2], budget);
            assertThat(c[0] % g).as("%s divides", g).isZero();
            assertThat(g == 1 || g * c[1] * c[2] * Float.BYTES <= budget).as("group %d of %s fits", g, c[1]).isTrue();
            for (long bigger = g + 1; bigger <= c[0]; bigger++) {
                assertThat(c[0] % bigger != 0 || bigger * c[1] * c[2] * Float.BYTES > budget)
                        .as("no larger divisor %d fits", bigger).isTrue();
            }
        }
    }

    @Test
    void theScoresBudgetGrowsWithOneDnnsThreadsUpToItsCap() {
        assumeTrue(System.getProperty("beit3.onednn.scoresBytes") == null, "a fixed budget is set");
        assertThat(OneDnnAttention.scoresBudget(1)).isEqualTo(OneDnnAttention.SCORES_BYTES_PER_THREAD);
        assertThat(OneDnnAttention.scoresBudget(4)).isEqualTo(4 * OneDnnAttention.SCORES_BYTES_PER_THREAD);
        assertThat(OneDnnAttention.scoresBudget(0)).isEqualTo(OneDnnAttention.SCORES_BYTES_PER_THREAD);
        assertThat(OneDnnAttention.scoresBudget(512)).isEqualTo(OneDnnAttention.SCORES_BYTES_MAX);
    }

    @Test
    void inBf16TheProductsReadBfloat16CopiesAndStayWithinTheirRounding() {
        assumeTrue(PROVIDER.unavailable(Precision.BF16).isEmpty(), () -> PROVIDER.unavailable(Precision.BF16).get());
        Random r = new Random(15);
        int[][] cases = {{TQ, TK}, {240, 240}, {800, 800}}; // one group; sequence groups; head groups (in 2 MB)
        try (Kernels kernels = PROVIDER.open(Precision.BF16);
                OneDnnAttention att = new OneDnnAttention((OneDnnKernels) kernels, 2L << 20);
                NDManager m = NDManager.newBaseManager()) {
            for (int[] c : cases) {
                int tq = c[0];
                int tk = c[1];
                float[] q = random(r, B * tq * H * D);
                float[] k = random(r, B * tk * H * D);
                float[] v = random(r, B * tk * H * D);
                float[] pad = new float[B * tk];
                pad[tk + 3] = Float.NEGATIVE_INFINITY;
                try (NDManager call = m.newSubManager()) {
                    float[] got = att.attend(call.create(q, new Shape(B, tq, H * D)),
                            call.create(k, new Shape(B, tk, H * D)), call.create(v, new Shape(B, tk, H * D)), H,
                            call.create(pad, new Shape(B, 1, 1, tk))).toFloatArray();
                    double diff = maxDiff(got, reference(q, k, v, tq, tk, (b, h, i, j) -> pad[b * tk + j]));
                    System.out.printf("onednn bf16 attention %d × %d tokens: max diff %.2e%n", tq, tk, diff);
                    // q·k of 4 terms rounded to 8 bits, probabilities rounded to 8 bits, v rounded: a few 2^-8
                    assertThat(diff).isLessThan(0.05).isGreaterThan(1e-5); // really reduced precision
                }
            }
        }
    }

    @Test
    void readsSplitViewsOfAFusedProjection() {
        Random r = new Random(12);
        float[] qkv = random(r, B * TQ * 3 * H * D);
        int dim = H * D;
        float[][] parts = new float[3][B * TQ * dim];
        for (int row = 0; row < B * TQ; row++) {
            for (int p = 0; p < 3; p++) {
                System.arraycopy(qkv, row * 3 * dim + p * dim, parts[p], row * dim, dim);
            }
        }
        try (Kernels kernels = open(); NDManager m = NDManager.newBaseManager()) {
            NDList split = m.create(qkv, new Shape(B, TQ, 3L * dim)).split(3, 2); // non-contiguous views
            float[] got = kernels.attention().orElseThrow().attend(split.get(0), split.get(1), split.get(2), H, null)
                    .toFloatArray();
            double diff = maxDiff(got, reference(parts[0], parts[1], parts[2], TQ, TQ, null));
            System.out.printf("onednn attention on split views: max diff %.2e%n", diff);
            assertThat(diff).isLessThan(1e-5);
        }
    }

    @Test
    void eightThreadsAtOnceGetTheirOwnResults() throws Exception {
        try (Kernels kernels = open(); NDManager m = NDManager.newBaseManager()) {
            AttentionKernel att = kernels.attention().orElseThrow();
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<Future<Double>> fs = new ArrayList<>();
                for (int t = 0; t < 8; t++) {
                    int seed = 100 + t;
                    fs.add(pool.submit(() -> {
                        Random r = new Random(seed);
                        int tk = TK + seed % 3; // different key lengths: different primitives too
                        float[] q = random(r, B * TQ * H * D);
                        float[] k = random(r, B * tk * H * D);
                        float[] v = random(r, B * tk * H * D);
                        double worst = 0;
                        for (int rep = 0; rep < 20; rep++) {
                            try (NDManager call = m.newSubManager()) {
                                float[] got = att.attend(call.create(q, new Shape(B, TQ, H * D)),
                                        call.create(k, new Shape(B, tk, H * D)), call.create(v, new Shape(B, tk, H * D)),
                                        H, null).toFloatArray();
                                worst = Math.max(worst, maxDiff(got, reference(q, k, v, TQ, tk, null)));
                            }
                        }
                        return worst;
                    }));
                }
                for (Future<Double> f : fs) {
                    assertThat(f.get()).isLessThan(1e-5);
                }
            } finally {
                pool.shutdown();
            }
        }
    }
}
