package dev.beit3.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.EncoderConfig;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.TensorData;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.train.AdamW;
import dev.beit3.train.Batch;
import dev.beit3.train.BatchKey;
import dev.beit3.train.HeadInit;
import dev.beit3.train.LrSchedule;
import dev.beit3.train.Mains;
import dev.beit3.train.ParameterGroups;
import dev.beit3.train.Tasks;
import dev.beit3.train.TrainableModel;
import dev.beit3.train.Trainer;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Training throughput: image classification at BEiT-3 base dimensions (224 px, random weights, 1000
 * classes), one full optimizer step (forward, backward, AdamW) per batch, and its efficiency against
 * the fp32 GEMM rate measured in the same run ({@link Benchmark#gemmRate()}). A training step is counted
 * as 3 × the forward FLOPs ({@link Flops#pass}: backward ≈ 2 × forward).
 *
 * <pre>
 * java -cp … dev.beit3.bench.TrainBench [--batch 8] [--image 224] [--runs 3] [--warmup 1] [--large]
 * </pre>
 */
@Command(name = "TrainBench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Training throughput: one optimizer step of image classification at BEiT-3 base (or large)"
                + " dimensions per batch, against the fp32 GEMM rate measured in the same run.")
public final class TrainBench implements Callable<Integer> {
    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "images per step (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--image", paramLabel = "S", defaultValue = "224",
            description = "image size; the trainable position table is differentiable at 224 px only (default: ${DEFAULT-VALUE})")
    int image;

    @Option(names = "--runs", paramLabel = "N", defaultValue = "3", description = "measured steps (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "unmeasured first steps (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--large", description = "BEiT-3 large dimensions instead of base")
    boolean large;

    @Spec
    CommandSpec spec;

    TrainBench() {}

    /**
     * Runs the benchmark and prints one line per measurement ({@code --help} for the options). Exit codes: 0 done,
     * 2 bad input, 1 internal error.
     *
     * @param args {@code --batch N}, {@code --image S}, {@code --runs N}, {@code --warmup N}, {@code --large}
     */
    public static void main(String[] args) {
        System.exit(Mains.execute(new TrainBench(), args, new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
    }

    /**
     * Runs the benchmark with the parsed options.
     *
     * @return 0
     * @throws IOException when the synthetic checkpoint cannot be written
     */
    @Override
    public Integer call() throws IOException {
        if (batch < 1 || runs < 1 || warmup < 0) {
            throw new ParameterException(spec.commandLine(), "--batch and --runs must be at least 1 and --warmup at"
                    + " least 0, got --batch " + batch + " --runs " + runs + " --warmup " + warmup);
        }
        if (image != 224) {
            throw new ParameterException(spec.commandLine(), "--image must be 224: the trainable position table is"
                    + " differentiable at the checkpoint's size only, got " + image);
        }
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        ProviderRegistry registry = ProviderRegistry.discover(); // once for the run: the GEMM rate and the model
        Benchmark.Result gemm = new Benchmark(new Benchmark.Options(large, 5, 2, tmp, List.of("gemm")), System.err,
                registry).gemmRate();
        System.out.printf(Locale.ROOT, "gemm: %.1f GFLOP/s (fp32, transformer shapes, %s threads)%n", gemm.gflops(),
                System.getProperty("ai.djl.pytorch.num_threads", "default"));
        EncoderConfig base = large ? EncoderConfig.beit3Large(224, true) : EncoderConfig.beit3Base(224, true);
        Path file = Files.createTempFile(tmp, "beit3-trainbench-", ".safetensors");
        try {
            SyntheticCheckpoint.write(base, file);
            Map<String, TensorData> init = HeadInit.forTask(Checkpoint.read(file).tensors(), "imageclassification",
                    1000, 0, 1);
            EncoderConfig c = base.withFinalLayerNorm(false);
            try (NDManager root = NDManager.newBaseManager();
                    TrainableModel m = TrainableModel.of(init, "synthetic base", new TrainableModel.Spec(c.heads(),
                            "imageclassification", Map.of()), root, registry);
                    Trainer t = new Trainer(m, Tasks.imageClassification(0.1), new Trainer.Config(
                            LrSchedule.constant(1e-4, runs + warmup), AdamW.Config.defaults(), 0.05,
                            ParameterGroups.LrScale.layerDecay(0.65, c.layers()), ParameterGroups.BEIT3_NO_WEIGHT_DECAY,
                            1, 0, false, 0))) {
                NDArray img = root.randomNormal(new Shape(batch, 3, image, image)); // (B, 3, S, S)
                NDArray labels = root.randomInteger(0, 1000, new Shape(batch), DataType.INT64); // (B)
                Batch b = new Batch(Map.of(BatchKey.IMAGE, img, BatchKey.LABEL, labels));
                double[] s = new double[runs];
                for (int i = 0; i < warmup + runs; i++) {
                    long t0 = System.nanoTime();
                    Trainer.StepResult r = t.step(List.of(b));
                    double sec = (System.nanoTime() - t0) / 1e9;
                    System.err.printf(Locale.ROOT, "step %d: %.2f s, loss %.4f%n", i, sec, r.loss());
                    if (i >= warmup) {
                        s[i - warmup] = sec;
                    }
                }
                Arrays.sort(s);
                double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
                double flop = 3 * Flops.pass(c, batch, c.numPatches() + 1, batch);
                double gflops = flop / 1e9 / median;
                System.out.printf(Locale.ROOT, "train_imageclassification%d_b%d (%s): median step %.2f s (min %.2f),"
                        + " %.2f samples/s, %.1f GFLOP per step (3 x forward), %.1f GFLOP/s, efficiency %.2f of the"
                        + " GEMM rate (%.2f at the fastest step)%n", image, batch, large ? "large" : "base", median, s[0],
                        batch / median, flop / 1e9, gflops, gflops / gemm.gflops(), flop / 1e9 / s[0] / gemm.gflops());
            }
        } finally {
            Files.deleteIfExists(file);
        }
        return 0;
    }
}
