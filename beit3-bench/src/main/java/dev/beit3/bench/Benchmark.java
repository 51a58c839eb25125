package dev.beit3.bench;

import dev.beit3.api.Api;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Precision;
import dev.beit3.core.plugin.ProviderRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The beit3-java benchmark: in one process it measures the GEMM rate of every available kernel backend and
 * precision on transformer shapes, then the model workloads on BEiT-3 base (or large) dimensions with random
 * weights on each of them, and reports median/min time, throughput, achieved GFLOP/s, efficiency (÷ the best fp32
 * GEMM rate any backend reaches on this machine, re-measured right before each workload) and peak RSS.
 *
 * <p>The entry point of a run: the providers are discovered once per benchmark (or given) and passed to every
 * part: {@link Variant} (what to measure), {@link GemmProbe} and {@link ReferenceRate} (the denominator),
 * {@link ModelWorkloads} and {@link LoadWorkload} (the workloads), {@link Rounds} (the timing loop),
 * {@link TextReport} and {@link JsonReport} (the reports). With {@link Official} settings the official BEiT-3
 * (torchscale on PyTorch, in a Python worker: {@link OfficialPyTorch}) joins the alternation of the interleaved
 * workloads and every row of ours shows ours ÷ official.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class Benchmark {

    /**
     * Benchmark settings.
     *
     * @param large large dimensions (D 1024, 24 layers) instead of base
     * @param runs timed repetitions per workload
     * @param warmup untimed repetitions first
     * @param workDir where the synthetic checkpoint is written
     * @param only workload name prefixes to run (empty = all)
     * @param kernels kernel backend ids to measure (empty = every available one)
     * @param precisions precisions to measure (empty = every one a backend computes here)
     * @param official the official model to compare with on the interleaved workloads (null: no comparison)
     */
    public record Options(boolean large, int runs, int warmup, Path workDir, List<String> only, List<String> kernels,
            List<Precision> precisions, Official official) {
        /** Validates. */
        public Options {
            if (runs < 1 || warmup < 0) {
                throw new IllegalArgumentException("runs must be ≥ 1 and warmup ≥ 0");
            }
            only = only == null ? List.of() : List.copyOf(only);
            kernels = kernels == null ? List.of() : List.copyOf(kernels);
            precisions = precisions == null ? List.of() : List.copyOf(precisions);
        }

        /**
         * No comparison with the official model.
         *
         * @param large large dimensions
         * @param runs timed repetitions
         * @param warmup untimed repetitions
         * @param workDir where the synthetic checkpoint is written
         * @param only workload name prefixes (empty = all)
         * @param kernels kernel backend ids (empty = every available one)
         * @param precisions precisions (empty = every one a backend computes here)
         */
        public Options(boolean large, int runs, int warmup, Path workDir, List<String> only, List<String> kernels,
                List<Precision> precisions) {
            this(large, runs, warmup, workDir, only, kernels, precisions, null);
        }

        /**
         * Every backend and precision.
         *
         * @param large large dimensions
         * @param runs timed repetitions
         * @param warmup untimed repetitions
         * @param workDir where the synthetic checkpoint is written
         * @param only workload name prefixes (empty = all)
         */
        public Options(boolean large, int runs, int warmup, Path workDir, List<String> only) {
            this(large, runs, warmup, workDir, only, List.of(), List.of(), null);
        }

        /** Defaults: base, 5 runs, 2 warm-up, the system temp folder, every backend and precision. */
        public static Options defaults() {
            return new Options(false, 5, 2, Path.of(System.getProperty("java.io.tmpdir")), List.of());
        }

        /** Whether a workload is selected (the GEMM rate always is: it is the denominator). */
        boolean wanted(String name) {
            return only.isEmpty() || only.stream().anyMatch(name::startsWith) || name.equals("gemm");
        }

        /** Whether only the GEMM rate is asked for. */
        boolean gemmOnly() {
            return only.size() == 1 && only.get(0).equals("gemm");
        }

        /** The checkpoint's dimensions: BEiT-3 base or large at 224 px. */
        EncoderConfig dimensions() {
            return dimensions(large);
        }

        static EncoderConfig dimensions(boolean large) {
            return large ? EncoderConfig.beit3Large(224, true) : EncoderConfig.beit3Base(224, true);
        }

        /** {@code base} or {@code large}. */
        String size() {
            return large ? "large" : "base";
        }
    }

    /**
     * The official BEiT-3 to time in the same rounds ({@code --compare-pytorch}): torchscale's {@code BEiT3} with
     * the reference configuration and random weights, run by a Python interpreter that has torch. Only the
     * comparison needs Python; when the worker cannot start, the benchmark says what is missing and runs without it.
     *
     * @param python the interpreter, e.g. {@code /usr/bin/python3}
     * @param torchscale the torchscale checkout (the folder holding the {@code torchscale} package); null when
     *     none was given (the comparison is then skipped with the reason)
     * @param threads torch's intra-op threads: the same count as ours
     */
    public record Official(String python, Path torchscale, int threads) {
        /** Validates. */
        public Official {
            if (python == null || python.isBlank()) {
                throw new IllegalArgumentException("the official model needs a python interpreter (--python PATH)");
            }
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be ≥ 1");
            }
        }
    }

    /**
     * One workload's measurement on one backend in one precision.
     *
     * @param workload name, e.g. {@code vision224_b8}
     * @param backend kernel backend id, e.g. {@code onednn}, or {@code official-pytorch} for the official model
     * @param precision {@code fp32}, {@code bf16} or {@code int8}
     * @param medianMs median wall time of one run
     * @param minMs fastest run
     * @param itemsPerSecond images or texts (or tokens) per second at the median
     * @param gflop arithmetic of one run
     * @param gflops achieved GFLOP/s at the median (int8: giga integer operations per second)
     * @param efficiency gflops ÷ the best fp32 GEMM rate of any backend, measured right before the workload
     * @param peakRssMb peak resident set size during the workload
     * @param note extra facts (e.g. per-token times)
     */
    public record Result(String workload, String backend, String precision, double medianMs, double minMs,
            double itemsPerSecond, double gflop, double gflops, double efficiency, double peakRssMb, String note) {}

    /** The workloads the official model joins. */
    private static final List<String> OFFICIAL_WORKLOADS = List.of("vision224_b1", "vision224_b8", "vision384_b8",
            "text64_b32");

    private final Options options;
    private final PrintStream log;
    private final ProviderRegistry registry;

    /**
     * Creates a benchmark that discovers the providers once, here.
     *
     * @param options settings
     * @param log progress messages (stderr)
     */
    public Benchmark(Options options, PrintStream log) {
        this(options, log, ProviderRegistry.discover());
    }

    /**
     * Creates a benchmark on providers discovered by the caller (who runs more than the benchmark on them).
     *
     * @param options settings
     * @param log progress messages (stderr)
     * @param registry the providers: kernel backends, experts, embeddings, heads
     */
    public Benchmark(Options options, PrintStream log, ProviderRegistry registry) {
        this.options = options;
        this.log = log;
        this.registry = registry;
    }

    /**
     * Runs every workload on every selected backend and precision.
     *
     * @return the results, GEMM rates first
     * @throws IOException when the synthetic checkpoint cannot be written
     */
    public List<Result> run() throws IOException {
        EncoderConfig base = options.dimensions();
        List<Variant> variants = Variant.selected(registry.kernels(), options.kernels(), options.precisions(), log);
        Rounds rounds = new Rounds(options.runs(), options.warmup(), log);
        List<Variant> probed = Variant.probed(variants, registry.kernels(), options.kernels(), log);
        List<Result> gemm = GemmProbe.measure(base, probed, rounds);
        try (ReferenceRate reference = ReferenceRate.best(base, probed, gemm)) {
            List<Result> results = new ArrayList<>(reference.complete(gemm));
            if (options.gemmOnly()) {
                return results;
            }
            // a name of its own: two benchmarks in one temp folder would otherwise delete each other's file
            Path file = Files.createTempFile(options.workDir(), "beit3-bench-" + options.size() + "-", ".safetensors");
            log.println("writing a " + options.size() + " synthetic checkpoint to " + file);
            SyntheticCheckpoint.write(base, file);
            try {
                if (options.wanted("load_checkpoint")) {
                    results.add(LoadWorkload.measure(file, options.large(), false));
                    results.add(LoadWorkload.measure(file, options.large(), true));
                }
                try (OfficialPyTorch official = official()) {
                    results.addAll(new ModelWorkloads(base, new SyntheticModels(file, registry),
                            rounds.against(reference), reference.variant(), official).run(variants, options::wanted));
                }
            } finally {
                Files.deleteIfExists(file);
            }
            return results;
        }
    }

    /** The official model's worker when a comparison is asked for and it starts, else null (the reason logged). */
    private OfficialPyTorch official() {
        if (options.official() == null || OFFICIAL_WORKLOADS.stream().noneMatch(options::wanted)) {
            return null;
        }
        try {
            return OfficialPyTorch.start(options.official(), options.large(), log);
        } catch (OfficialPyTorch.Unavailable e) {
            log.println("--compare-pytorch: skipped, the bench runs without the official model: " + e.getMessage());
            return null;
        }
    }

    /**
     * Measures only the fp32 GEMM rate of the DJL backend on the transformer shapes of the configured dimensions
     * (public for the training benchmark, whose steps run on DJL).
     *
     * @return the GEMM result ({@code gflops} is the rate)
     */
    public Result gemmRate() {
        Variant djl = new Variant("djl", Precision.FP32, registry.kernels().get("djl"));
        return GemmProbe.measure(options.dimensions(), List.of(djl), new Rounds(options.runs(), options.warmup(), log))
                .get(0);
    }

    /**
     * Runs {@code passes} fused forward passes (image + text, batch 2) of a small synthetic model and
     * reports the process RSS after warm-up and at the end: native memory must stay flat.
     *
     * @param passes number of forward passes
     * @return a one-line report
     * @throws IOException when the synthetic checkpoint cannot be written
     */
    public static String soak(int passes) throws IOException {
        return Soak.run(passes, ProviderRegistry.discover());
    }

    /**
     * Formats results as a table.
     *
     * @param results the results
     * @return the table
     */
    public static String table(List<Result> results) {
        return TextReport.format(results);
    }

    /**
     * Formats results as a JSON array of objects with {@code workload, backend, precision, median_ms, min_ms,
     * items_per_s, gflop, gflops, efficiency, peak_rss_mb, note}: one per workload × backend × precision; with the
     * official model compared, our rows of its workloads also have {@code vs_official} (ours ÷ official items/s).
     *
     * @param results the results
     * @return JSON
     */
    public static String json(List<Result> results) {
        return JsonReport.format(results);
    }

    /**
     * The per-op profile of one layer (vision 224 batch 1 and vision 384 batch 8), each linear layer on every
     * available backend and precision.
     *
     * @param large large dimensions
     * @return the profile text
     */
    public static String profile(boolean large) {
        EncoderConfig c = Options.dimensions(large);
        ProviderRegistry registry = ProviderRegistry.discover();
        return OpProfile.profile(c, 1, 197, 9, registry) + OpProfile.profile(c, 8, 577, 5, registry);
    }
}
