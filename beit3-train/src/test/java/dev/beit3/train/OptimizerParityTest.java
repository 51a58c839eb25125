package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.core.io.Npy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * One AdamW step with the reference's parameter groups on every fine-tuning case: the groups (lr
 * scale, weight decay) as the manifest lists them; "optimizer only" (the stored gradients, our step)
 * within 5e-7 and parameters without gradient bit-identical; "end to end" (our gradients, our step)
 * within 1e-3·lr + 5e-7 on the update, the README's looser bound on ill-conditioned elements.
 */
class OptimizerParityTest {

    @TestFactory
    Stream<DynamicTest> oneAdamWStepMatchesTheReference() {
        List<TrainingCase> cases = TrainingCase.all().stream().filter(TrainingCase::fineTuning).toList();
        assertThat(cases).as("fine-tuning cases").isNotEmpty();
        List<DynamicTest> tests = new ArrayList<>();
        for (TrainingCase c : cases) {
            tests.add(DynamicTest.dynamicTest(c.name() + " groups + optimizer only", () -> optimizerOnly(c)));
            tests.add(DynamicTest.dynamicTest(c.name() + " end to end", () -> endToEnd(c)));
        }
        return tests.stream();
    }

    static JsonObject opt(TrainingCase c) {
        return c.manifest.getAsJsonObject("optimizer");
    }

    static AdamW optimizer(TrainingCase c, TrainableModel model) {
        JsonObject parsed = c.parsedRecipe();
        JsonObject o = opt(c);
        JsonArray betas = o.getAsJsonArray("betas");
        ParameterGroups.LrScale rule = ParameterGroups.LrScale.reference(parsed.get("layer_decay").getAsDouble(),
                parsed.get("task_head_lr_weight").getAsDouble(), model.config().layers());
        Map<String, ParameterGroups.Setting> settings = ParameterGroups.of(model.parameters(), k -> true, rule,
                o.get("weight_decay").getAsDouble(), ParameterGroups.BEIT3_NO_WEIGHT_DECAY);
        return new AdamW(model.parameters(), settings, new AdamW.Config(betas.get(0).getAsDouble(),
                betas.get(1).getAsDouble(), o.get("eps").getAsDouble()));
    }

    static double baseLr(TrainingCase c) {
        return opt(c).get("base_lr").getAsDouble();
    }

    private static void optimizerOnly(TrainingCase c) throws Exception {
        try (NDManager root = NDManager.newBaseManager(); TrainableModel model = c.model(root)) {
            AdamW adam = optimizer(c, model);
            // the groups exactly as the manifest lists them
            Map<String, JsonObject> table = c.params();
            for (ParameterGroups.Setting s : adam.settings().values()) {
                JsonObject p = table.get(s.name());
                assertThat(p).as("manifest entry of " + s.name()).isNotNull();
                assertThat(s.lrScale()).as(s.name() + " lr_scale").isCloseTo(p.get("lr_scale").getAsDouble(),
                        org.assertj.core.data.Offset.offset(1e-12));
                assertThat(s.weightDecay()).as(s.name() + " weight_decay").isEqualTo(p.get("weight_decay").getAsDouble());
                if (!p.get("layer_id").isJsonNull()) {
                    assertThat(s.layerId()).as(s.name() + " layer_id").isEqualTo(p.get("layer_id").getAsInt());
                }
            }
            Map<String, float[]> before = snapshot(model.parameters());
            Map<String, NDArray> grads = new LinkedHashMap<>();
            for (Map.Entry<String, Npy.Array> e : c.npz("grads.npz").entrySet()) {
                grads.put(e.getKey(), e.getValue().toNDArray(root));
            }
            adam.step(grads, baseLr(c));
            Map<String, Npy.Array> after = c.npz("params_after.npz");
            double max = 0;
            List<String> failures = new ArrayList<>();
            for (String name : model.parameters().names()) {
                float[] ours = model.parameters().get(name).toFloatArray();
                float[] ref = after.get(name).floats();
                if (!grads.containsKey(name)) {
                    if (!java.util.Arrays.equals(ours, before.get(name)) || !java.util.Arrays.equals(ref, before.get(name))) {
                        failures.add(name + ": no gradient but changed");
                    }
                    continue;
                }
                for (int i = 0; i < ours.length; i++) {
                    double d = Math.abs((double) ours[i] - ref[i]);
                    max = Math.max(max, d);
                    if (!(d <= 5e-7)) {
                        failures.add(name + "[" + i + "]: " + ours[i] + " vs " + ref[i]);
                        break;
                    }
                }
            }
            System.out.printf(Locale.ROOT, "training %-20s optimizer only: %d updated, %d skipped, max|diff| %.2e%n",
                    c.name(), grads.size(), model.parameters().names().size() - grads.size(), max);
            assertThat(failures).isEmpty();
        }
    }

    private static void endToEnd(TrainingCase c) throws Exception {
        try (NDManager root = NDManager.newBaseManager(); TrainableModel model = c.model(root)) {
            AdamW adam = optimizer(c, model);
            Map<String, float[]> before = snapshot(model.parameters());
            Set<String> gotGrad;
            try (Network net = model.open(root, k -> true)) {
                Batch batch = c.batch(net.scope());
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(c.task().loss(net, batch, 0));
                }
                Map<String, NDArray> grads = net.gradients();
                gotGrad = grads.keySet();
                adam.step(grads, baseLr(c));
            }
            Map<String, Npy.Array> after = c.npz("params_after.npz");
            Map<String, Npy.Array> refGrads = c.npz("grads.npz");
            Set<String> noise = c.gradientList("noise_grad_params");
            Map<String, JsonObject> table = c.params();
            double maxWell = 0;
            double maxAll = 0;
            List<String> failures = new ArrayList<>();
            for (String name : model.parameters().names()) {
                float[] ours = model.parameters().get(name).toFloatArray();
                float[] ref = after.get(name).floats();
                float[] p0 = before.get(name);
                if (!refGrads.containsKey(name)) {
                    assertThat(gotGrad).as("no gradient for " + name).doesNotContain(name);
                    if (!java.util.Arrays.equals(ours, p0)) {
                        failures.add(name + ": no gradient but changed");
                    }
                    continue;
                }
                JsonObject p = table.get(name);
                double lr = p.get("lr").getAsDouble();
                double wd = p.get("weight_decay").getAsDouble();
                float[] g = refGrads.get(name).floats();
                for (int i = 0; i < ours.length; i++) {
                    double d = Math.abs(((double) ours[i] - p0[i]) - ((double) ref[i] - p0[i]));
                    maxAll = Math.max(maxAll, d);
                    boolean ill = noise.contains(name) || (g[i] != 0 && Math.abs(g[i]) < 1e-5);
                    if (ill) {
                        double dev = Math.abs(ours[i] - p0[i] * (1 - lr * wd));
                        if (!(dev <= lr + 5e-7)) {
                            failures.add(name + "[" + i + "] (ill-conditioned): moved " + dev + " > lr " + lr);
                            break;
                        }
                    } else {
                        maxWell = Math.max(maxWell, d);
                        if (!(d <= 1e-3 * lr + 5e-7)) {
                            failures.add(name + "[" + i + "]: update differs by " + d + " (lr " + lr + ")");
                            break;
                        }
                    }
                }
            }
            System.out.printf(Locale.ROOT, "training %-20s end to end: update max|diff| %.2e well-conditioned, %.2e all%n",
                    c.name(), maxWell, maxAll);
            assertThat(failures).isEmpty();
        }
    }

    static Map<String, float[]> snapshot(ParameterStore p) {
        Map<String, float[]> m = new LinkedHashMap<>();
        for (String n : p.names()) {
            m.put(n, p.get(n).toFloatArray());
        }
        return m;
    }
}
