package dev.beit3.cli;

import dev.beit3.bench.Benchmark;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code beit3 bench}: the GEMM rate of every kernel backend and precision on this machine, then the model
 * workloads on BEiT-3 base (or large) dimensions with random weights on each of them, as a table or JSON.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure the GEMM rate of every kernel backend and precision, then vision 224 (batch 1, 8),",
            "vision 384 (batch 8) and text 64x32 on each, and VQA 480, captioning steps (cached and recomputed)",
            "and checkpoint loading on the fastest fp32 backend, on BEiT-3 base dimensions with random weights;",
            "efficiency = achieved GFLOP/s / the best fp32 GEMM rate of any backend, measured in the same run.",
            "--compare-pytorch also times the official BEiT-3 (torchscale on PyTorch, in python) in the same rounds."})
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--large", description = "BEiT-3 large dimensions (D 1024, 24 layers)")
    boolean large;

    @Option(names = "--json", description = "one JSON object per workload x backend x precision")
    boolean json;

    @Option(names = "--runs", defaultValue = "5", paramLabel = "N", description = "timed runs (default: ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup", defaultValue = "2", paramLabel = "N", description = "untimed runs first (default: ${DEFAULT-VALUE})")
    int warmup;

    @Option(names = "--only", split = ",", paramLabel = "NAME", description = "workload name prefixes, e.g. vision224,text")
    List<String> only;

    @Option(names = "--kernels", split = ",", paramLabel = "ID",
            description = "kernel backends to measure, e.g. djl,onednn (default: every available one)")
    List<String> kernels;

    @Option(names = "--precision", split = ",", paramLabel = "P",
            description = "precisions to measure: fp32, bf16, int8 (default: every one a backend computes here)")
    List<String> precisions;

    @Option(names = "--work-dir", paramLabel = "DIR", description = "where the synthetic checkpoint is written (default: temp)")
    Path workDir;

    @Option(names = "--profile", description = "print the per-op profile of one layer instead")
    boolean profile;

    @Option(names = "--soak", paramLabel = "N", description = "run N small fused passes and report native RSS instead")
    Integer soak;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch intra-op threads (default: all cores)")
    Integer threads;

    @Option(names = "--compare-pytorch", description = "also run the official BEiT-3 (torchscale's BEiT3, random"
            + " weights, same threads) on vision224_b1, vision224_b8, vision384_b8 and text64_b32, alternating with"
            + " ours run by run, and print ours / official; needs python with torch and a torchscale checkout"
            + " (--python, --torchscale)")
    boolean comparePytorch;

    @Option(names = "--python", paramLabel = "PATH",
            description = "python with torch for --compare-pytorch (default: $BEIT3_PYTHON, else python3)")
    String python;

    @Option(names = "--torchscale", paramLabel = "DIR",
            description = "torchscale checkout for --compare-pytorch (default: $BEIT3_TORCHSCALE)")
    Path torchscale;

    BenchCommand() {}

    /** The official model to compare with: null without --compare-pytorch. */
    private Benchmark.Official official() {
        if (!comparePytorch) {
            if (python != null || torchscale != null) {
                throw new dev.beit3.api.InvalidInputException("--python and --torchscale only apply with"
                        + " --compare-pytorch; add it to compare with the official model");
            }
            return null;
        }
        String env = System.getenv("BEIT3_PYTHON");
        String py = python != null ? python : env == null || env.isBlank() ? "python3" : env;
        String ts = System.getenv("BEIT3_TORCHSCALE");
        Path dir = torchscale != null ? torchscale : ts == null || ts.isBlank() ? null : Path.of(ts);
        Integer property = Integer.getInteger(dev.beit3.model.EngineThreads.PROPERTY);
        int n = threads != null ? threads : property != null ? property : Runtime.getRuntime().availableProcessors();
        return new Benchmark.Official(py, dir, n);
    }

    /**
     * Runs the benchmark.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return CliErrors.run(err, () -> {
            Checks.positive(runs, "--runs");
            if (threads != null) {
                dev.beit3.model.EngineThreads.check(threads, "--threads");
                System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
            }
            Benchmark.Official official = official();
            if (soak != null) {
                Checks.positive(soak, "--soak");
                out.println(Benchmark.soak(soak));
                return CliErrors.OK;
            }
            if (profile) {
                out.print(Benchmark.profile(large));
                out.flush();
                return CliErrors.OK;
            }
            List<dev.beit3.api.Precision> ps = new java.util.ArrayList<>();
            if (precisions != null) {
                precisions.forEach(p -> ps.add(dev.beit3.api.Precision.parse(p)));
            }
            Benchmark.Options o = new Benchmark.Options(large, runs, warmup,
                    workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir")), only, kernels, ps,
                    official);
            List<Benchmark.Result> r = new Benchmark(o, System.err).run();
            out.print(json ? Benchmark.json(r) + "\n" : Benchmark.table(r));
            out.flush();
            return CliErrors.OK;
        });
    }
}
