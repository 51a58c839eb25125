package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.beit3.core.io.Npy;
import dev.beit3.core.testing.Fixtures;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every {@code training/*} case: our loss and every parameter's gradient match the reference within
 * the manifest's tolerances; parameters the reference gives no gradient get none here either.
 */
class GradientParityTest {

    @TestFactory
    Stream<DynamicTest> lossAndGradientsMatchTheReference() {
        List<TrainingCase> cases = TrainingCase.all();
        assertThat(cases).as("training cases under " + Fixtures.root()).isNotEmpty();
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
    }

    private static void run(TrainingCase c) throws Exception {
        try (NDManager root = NDManager.newBaseManager(); TrainableModel model = c.model(root)) {
            TrainingTask task = c.task();
            Map<String, NDArray> grads;
            float loss;
            try (Network net = model.open(root, k -> true)) {
                Batch batch = c.batch(net.scope());
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray l = task.loss(net, batch, 0);
                    // free every unreachable Java buffer before the backward pass: an operand the graph
                    // kept but whose Java buffer DJL released would be read after free here
                    System.gc();
                    gc.backward(l);
                    loss = l.getFloat();
                }
                grads = net.gradients();
                check(c, loss, grads);
            }
        }
    }

    static void check(TrainingCase c, float loss, Map<String, NDArray> grads) {
        float refLoss = c.npy("loss.npy").floats()[0];
        double lossDiff = Math.abs((double) loss - refLoss);
        assertThat(lossDiff).as("%s loss %s vs %s", c.name(), loss, refLoss)
                .isLessThanOrEqualTo(c.tol("loss", "atol") + c.tol("loss", "rtol") * Math.abs(refLoss));
        Map<String, Npy.Array> ref = c.npz("grads.npz");
        Set<String> none = c.gradientList("no_grad_params");
        double atol = c.tol("grads", "atol");
        double rtol = c.tol("grads", "rtol");
        double maxDiff = 0;
        String worst = "";
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, Npy.Array> e : ref.entrySet()) {
            NDArray g = grads.get(e.getKey());
            if (g == null) {
                failures.add(e.getKey() + ": no gradient here, the reference has one");
                continue;
            }
            assertThat(g.getShape().getShape()).as(e.getKey()).containsExactly(e.getValue().shape());
            Fixtures.Closeness cl = Fixtures.compare(g.toFloatArray(), e.getValue().floats(), atol, rtol);
            if (!cl.withinTolerance()) {
                failures.add(e.getKey() + ": max diff " + cl.maxAbsDiff());
            }
            if (cl.maxAbsDiff() > maxDiff) {
                maxDiff = cl.maxAbsDiff();
                worst = e.getKey();
            }
        }
        for (String k : grads.keySet()) {
            if (!ref.containsKey(k)) {
                failures.add(k + ": has a gradient here, none in the reference" + (none.contains(k) ? " (no_grad_params)" : ""));
            }
        }
        for (String k : none) {
            if (grads.containsKey(k)) {
                failures.add(k + " is in no_grad_params but got a gradient");
            }
        }
        double norm = 0;
        for (NDArray g : grads.values()) {
            float[] f = g.toFloatArray();
            for (float x : f) {
                norm += (double) x * x;
            }
        }
        norm = Math.sqrt(norm);
        String normText = "";
        if (c.has("grad_norm.npy")) {
            float refNorm = c.npy("grad_norm.npy").floats()[0];
            double d = Math.abs(norm - refNorm);
            normText = String.format(Locale.ROOT, " grad_norm diff %.2e", d);
            assertThat(d).as("grad norm").isLessThanOrEqualTo(c.tol("other_outputs", "atol")
                    + c.tol("other_outputs", "rtol") * refNorm);
        }
        System.out.printf(Locale.ROOT, "training %-20s loss %.6f (ref %.6f, diff %.2e)  grads %d/%d max|diff| %.2e (%s)%s%n",
                c.name(), loss, refLoss, lossDiff, grads.size(), ref.size(), maxDiff, worst, normText);
        assertThat(failures).as(c.name() + " gradients").isEmpty();
    }
}
