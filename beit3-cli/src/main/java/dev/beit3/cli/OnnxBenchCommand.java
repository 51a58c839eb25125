package dev.beit3.cli;

import dev.beit3.api.EncoderConfig;
import dev.beit3.bench.SyntheticCheckpoint;
import dev.beit3.model.Beit3;
import dev.beit3.onnx.OnnxBench;
import dev.beit3.onnx.OnnxExport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code beit3 bench-onnx}: the retrieval towers in this library's engine and in ONNX Runtime (fp32, int8), same
 * run, interleaved; on the demo retrieval model or a synthetic BEiT-3 base at 224 px ({@code --base}).
 */
@Command(name = "bench-onnx", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Throughput of the retrieval towers: beit3-java (DJL) vs ONNX Runtime fp32 and int8, in one run.",
            "Runs alternate between the engines; ratios are what to compare on a shared machine."})
final class OnnxBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--base", description = "a synthetic BEiT-3 base (random weights) at --image-size instead of the demo model")
    boolean base;

    @Option(names = "--image-size", defaultValue = "224", paramLabel = "S", description = "with --base (default: ${DEFAULT-VALUE})")
    int imageSize;

    @Option(names = "--batch", defaultValue = "8", paramLabel = "N", description = "inputs per call (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--text-length", defaultValue = "64", paramLabel = "T", description = "tokens per text (default: ${DEFAULT-VALUE})")
    int textLength;

    @Option(names = "--runs", defaultValue = "5", paramLabel = "N", description = "timed runs (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup", defaultValue = "1", paramLabel = "N", description = "untimed runs (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N",
            description = "threads for both engines (default: all cores)")
    int threads;

    @Option(names = "--models", paramLabel = "DIR", description = "the demo model folder")
    Path models;

    OnnxBenchCommand() {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return CliErrors.run(spec.commandLine().getErr(), () -> {
            if (threads > 0) {
                System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
            }
            Path work = Files.createTempDirectory("beit3-bench-onnx");
            try {
                Beit3 model;
                if (base) {
                    Path ckpt = SyntheticCheckpoint.write(EncoderConfig.beit3Base(imageSize, true),
                            work.resolve("synthetic_base.safetensors"));
                    model = Beit3.builder().checkpoint(ckpt).head("retrieval").build();
                } else {
                    model = ModelOptions.openPackage(models).builder("retrieval").build();
                }
                try (model) {
                    out.println("model: " + model.config().summary() + (base ? " (synthetic random weights)" : " (demo)"));
                    out.flush();
                    OnnxExport.export(model, work, OnnxExport.Options.DEFAULT.withInt8(true));
                    List<OnnxBench.Result> rs = OnnxBench.run(model, work,
                            new OnnxBench.Settings(batch, textLength, runs, warmup, threads));
                    out.printf(Locale.ROOT, "%-22s %-18s %12s %12s %9s %10s %10s%n", "workload", "engine", "median/s",
                            "best/s", "x ours", "max|diff|", "min cos");
                    double ours = 0;
                    for (OnnxBench.Result r : rs) {
                        if (r.engine().startsWith("beit3")) {
                            ours = r.medianRate();
                        }
                        out.printf(Locale.ROOT, "%-22s %-18s %12.2f %12.2f %9.2f %10.2e %10.5f%n", r.workload(), r.engine(),
                                r.medianRate(), r.bestRate(), r.medianRate() / ours, r.maxAbsDiff(), r.minCosine());
                    }
                    out.printf(Locale.ROOT, "(%d timed runs each after %d warm-up, engines alternating; items/s of the median"
                            + " and of the fastest call)%n", runs, warmup);
                }
            } finally {
                try (var files = Files.list(work)) {
                    for (Path p : files.toList()) {
                        Files.deleteIfExists(p);
                    }
                }
                Files.deleteIfExists(work);
            }
            out.flush();
            return CliErrors.OK;
        });
    }
}
