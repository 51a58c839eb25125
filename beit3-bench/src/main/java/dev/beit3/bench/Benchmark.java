package dev.beit3.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.GsonBuilder;
import dev.beit3.api.Api;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.Kernels;
import dev.beit3.api.LinearKernel;
import dev.beit3.api.Precision;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.Beit3Encoders;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.api.CaptioningHead;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The beit3-java benchmark: in one process it measures the GEMM rate of every available kernel backend and
 * precision on transformer shapes, then the model workloads on BEiT-3 base (or large) dimensions with random
 * weights on each of them, and reports median/min time, throughput, achieved GFLOP/s, efficiency (÷ the best fp32
 * GEMM rate any backend reaches on this machine, re-measured right before each workload) and peak RSS.
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
     */
    public record Options(boolean large, int runs, int warmup, Path workDir, List<String> only, List<String> kernels,
            List<Precision> precisions) {
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
         * Every backend and precision.
         *
         * @param large large dimensions
         * @param runs timed repetitions
         * @param warmup untimed repetitions
         * @param workDir where the synthetic checkpoint is written
         * @param only workload name prefixes (empty = all)
         */
        public Options(boolean large, int runs, int warmup, Path workDir, List<String> only) {
            this(large, runs, warmup, workDir, only, List.of(), List.of());
        }

        /** Defaults: base, 5 runs, 2 warm-up, the system temp folder, every backend and precision. */
        public static Options defaults() {
            return new Options(false, 5, 2, Path.of(System.getProperty("java.io.tmpdir")), List.of());
        }
    }

    /**
     * One workload's measurement on one backend in one precision.
     *
     * @param workload name, e.g. {@code vision224_b8}
     * @param backend kernel backend id, e.g. {@code onednn}
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

    /** A backend opened in one precision. */
    private record Variant(String backend, Precision precision, KernelProvider provider) {
        Kernels open() {
            return provider.open(precision);
        }

        String label() {
            return backend + " " + precision.id();
        }
    }

    private final Options options;
    private final PrintStream log;
    private double gemmRate = Double.NaN;
    private Variant best; // the fastest fp32 GEMM backend, re-measured before each workload
    private LinearKernel probe; // its 1576×D → F layer
    private NDManager probeManager;
    private NDArray probeInput;
    private Kernels probeKernels;

    /**
     * Creates a benchmark.
     *
     * @param options settings
     * @param log progress messages (stderr)
     */
    public Benchmark(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    private boolean wanted(String name) {
        return options.only().isEmpty() || options.only().stream().anyMatch(name::startsWith) || name.equals("gemm");
    }

    /**
     * Runs every workload on every selected backend and precision.
     *
     * @return the results, GEMM rates first
     * @throws IOException when the synthetic checkpoint cannot be written
     */
    public List<Result> run() throws IOException {
        List<Result> results = new ArrayList<>();
        EncoderConfig base = options.large() ? EncoderConfig.beit3Large(224, true) : EncoderConfig.beit3Base(224, true);
        List<Variant> variants = variants();
        try {
            results.addAll(gemm(base, variants));
            double bestFp32 = 0;
            for (int i = 0; i < variants.size(); i++) {
                if (variants.get(i).precision() == Precision.FP32 && results.get(i).gflops() > bestFp32) {
                    bestFp32 = results.get(i).gflops();
                    best = variants.get(i);
                }
            }
            if (best == null) {
                throw new IllegalArgumentException("the benchmark needs an fp32 backend as the reference rate;"
                        + " add fp32 to --precision");
            }
            gemmRate = bestFp32;
            for (int i = 0; i < results.size(); i++) {
                Result r = results.get(i);
                results.set(i, new Result(r.workload(), r.backend(), r.precision(), r.medianMs(), r.minMs(),
                        r.itemsPerSecond(), r.gflop(), r.gflops(), r.gflops() / bestFp32, r.peakRssMb(),
                        r.note() + String.format(Locale.ROOT, "; ÷ best fp32 GEMM (%s) %.1f GFLOP/s", best.label(),
                                bestFp32)));
            }
            preparePeakProbe(base);
            if (options.only().size() == 1 && options.only().get(0).equals("gemm")) {
                return results;
            }
            // a name of its own: two benchmarks in one temp folder would otherwise delete each other's file
            Path file = Files.createTempFile(options.workDir(), "beit3-bench-" + (options.large() ? "large" : "base")
                    + "-", ".safetensors");
            log.println("writing a " + (options.large() ? "large" : "base") + " synthetic checkpoint to " + file);
            SyntheticCheckpoint.write(base, file);
            try {
                if (wanted("load_checkpoint")) {
                    results.add(load(base, file, false));
                    results.add(load(base, file, true));
                }
                results.addAll(workloads(base, file, variants));
            } finally {
                Files.deleteIfExists(file);
            }
            return results;
        } finally {
            if (probeManager != null) {
                probeManager.close();
            }
            if (probeKernels != null) {
                probeKernels.close();
            }
        }
    }

    /** The selected backends × precisions that can run here; the others are named on the log and skipped. */
    private List<Variant> variants() {
        Map<String, KernelProvider> all = ProviderRegistry.discover().kernels();
        List<Variant> out = new ArrayList<>();
        for (String id : options.kernels().isEmpty() ? all.keySet() : options.kernels()) {
            KernelProvider p = all.get(id);
            if (p == null) {
                throw new IllegalArgumentException("unknown kernel backend '" + id + "'; available: "
                        + String.join(", ", all.keySet()));
            }
            for (Precision pr : options.precisions().isEmpty() ? List.of(Precision.values()) : options.precisions()) {
                java.util.Optional<String> why = p.unavailable(pr);
                if (why.isPresent()) {
                    if (!options.precisions().isEmpty() || pr == Precision.FP32 || !id.equals("djl")) {
                        log.println("skipping " + id + " " + pr.id() + ": " + why.get());
                    }
                    continue;
                }
                out.add(new Variant(id, pr, p));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no selected kernel backend can run here");
        }
        return out;
    }

    /**
     * Measures only the fp32 GEMM rate of the DJL backend on the transformer shapes of the configured dimensions
     * (public for the training benchmark, whose steps run on DJL).
     *
     * @return the GEMM result ({@code gflops} is the rate)
     */
    public Result gemmRate() {
        EncoderConfig c = options.large() ? EncoderConfig.beit3Large(224, true) : EncoderConfig.beit3Base(224, true);
        return gemm(c, new Variant("djl", Precision.FP32, ProviderRegistry.discover().kernels().get("djl")));
    }

    private Result gemm(EncoderConfig c, Variant v) {
        return gemm(c, List.of(v)).get(0);
    }

    private List<Result> gemm(EncoderConfig c, List<Variant> vs) {
        // the dominant GEMMs of a layer: tokens × D → 3D, D → F, F → D at batch 8 × 197 tokens, as each backend's
        // prepared linear layers (weights in its layout and precision), the backends alternating run by run
        long m = 8L * 197;
        long[][] shapes = {{m, c.dim(), 3L * c.dim()}, {m, c.dim(), c.ffnDim()}, {m, c.ffnDim(), c.dim()}};
        List<Kernels> opened = new ArrayList<>();
        try (NDManager mgr = NDManager.newBaseManager()) {
            List<NDArray> inputs = new ArrayList<>();
            double flop = 0;
            for (long[] s : shapes) {
                inputs.add(mgr.randomNormal(new Shape(s[0], s[1])));
                flop += 2.0 * s[0] * s[1] * s[2];
            }
            List<Runnable> bodies = new ArrayList<>();
            for (Variant v : vs) {
                Kernels k = v.open();
                opened.add(k);
                List<LinearKernel> layers = new ArrayList<>();
                for (long[] s : shapes) {
                    layers.add(k.linear(mgr.randomNormal(new Shape(s[2], s[1])), null, Kernels.Epilogue.NONE));
                }
                bodies.add(() -> {
                    for (int i = 0; i < layers.size(); i++) {
                        layers.get(i).apply(inputs.get(i)).close(); // the product only: no copy out
                    }
                });
            }
            return rounds("gemm", vs, bodies, flop, m, "transformer GEMM shapes (1576×D×3D, 1576×D×F, 1576×F×D),"
                    + " weights prepared by the backend (int8: giga integer operations/s)");
        } finally {
            opened.forEach(Kernels::close);
        }
    }

    private void preparePeakProbe(EncoderConfig c) {
        probeManager = NDManager.newBaseManager();
        probeInput = probeManager.randomNormal(new Shape(8L * 197, c.dim()));
        probeKernels = best.open();
        probe = probeKernels.linear(probeManager.randomNormal(new Shape(c.ffnDim(), c.dim())), null,
                Kernels.Epilogue.NONE);
    }

    /**
     * Re-measures the best fp32 GEMM rate right before a workload (one 1576×D×F product of the fastest fp32
     * backend, median of 3), so each efficiency compares with the machine's state of that moment: shared machines
     * drift by 2–4× within one run.
     */
    private void refreshGemmRate(EncoderConfig c) {
        double flop = 2.0 * probeInput.getShape().get(0) * c.dim() * c.ffnDim();
        double[] ms = new double[3];
        for (int i = -1; i < ms.length; i++) {
            long t0 = System.nanoTime();
            probe.apply(probeInput).close();
            if (i >= 0) {
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        }
        Arrays.sort(ms);
        gemmRate = flop / 1e9 / (ms[1] / 1e3);
    }

    private Result load(EncoderConfig c, Path file, boolean lowMemory) throws IOException {
        // in a fresh JVM with a 512 MB heap, so the figure is loading alone (the synthetic writer left a
        // large heap behind in this one) and proves the file never has to fit on the heap
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Xmx512m", "-XX:MaxDirectMemorySize=16g", "-Dai.djl.offline=true", "-cp",
                System.getProperty("java.class.path"), LoadProbe.class.getName(), file.toString(),
                options.large() ? "large" : "base", lowMemory ? "low-memory" : "float32").redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading", e);
        }
        String line = out.lines().filter(l -> l.startsWith("load ")).findFirst().orElseThrow(
                () -> new IOException("the load probe failed: " + out.strip()));
        String[] f = line.split(" ");
        double ms = Double.parseDouble(f[1]);
        double before = Double.parseDouble(f[2]);
        double after = Double.parseDouble(f[3]);
        double peak = Double.parseDouble(f[4]);
        double fileMb = Files.size(file) / 1048576.0;
        return new Result(lowMemory ? "load_checkpoint_low_memory" : "load_checkpoint", "djl", "fp32", ms, ms,
                Double.NaN, 0,
                Double.NaN, Double.NaN, peak, String.format(Locale.ROOT, (lowMemory ? "float16 matrices; " : "")
                        + "fresh JVM, -Xmx512m (the weights are not on the heap): file %.0f MB; RSS %.0f MB before, %.0f MB after (after a GC:"
                        + " baseline + %.2f× the file), peak %.0f MB = baseline + %.2f× the file (target ≤ 1.25×)",
                        fileMb, before, after, (after - before) / fileMb, peak, (peak - before) / fileMb));
    }

    private List<Result> workloads(EncoderConfig base, Path file, List<Variant> variants) throws IOException {
        List<Result> out = new ArrayList<>();
        int[][] vision = {{224, 1}, {224, 8}, {384, 8}};
        for (int[] v : vision) {
            String name = "vision" + v[0] + "_b" + v[1];
            if (!wanted(name)) {
                continue;
            }
            EncoderConfig c = base.withImageSize(v[0]);
            out.addAll(interleaved(name, variants, c, file, Flops.pass(c, v[1], c.numPatches() + 1, v[1]), v[1],
                    (enc, mgr) -> {
                        NDArray img = mgr.randomNormal(new Shape(v[1], 3, v[0], v[0]));
                        return () -> {
                            try (NDManager call = mgr.newSubManager()) {
                                enc.encode(EncoderInput.vision(img), call).output().toFloatArray();
                            }
                        };
                    }, "image-only pass"));
        }
        if (wanted("text64_b32")) {
            out.addAll(interleaved("text64_b32", variants, base, file, Flops.pass(base, 32, 64, 0), 32, (enc, mgr) -> {
                NDArray ids = mgr.randomInteger(4, 60000, new Shape(32, 64), DataType.INT64);
                return () -> {
                    try (NDManager call = mgr.newSubManager()) {
                        enc.encode(EncoderInput.text(ids, null), call).output().toFloatArray();
                    }
                };
            }, "text-only pass, 64 tokens"));
        }
        Variant def = best; // the other workloads on the fastest fp32 backend only
        if (wanted("vision224_b1_2callers")) {
            // one model shared by two caller threads, each sending single images: throughput for many requests
            EncoderConfig c = base.withImageSize(224);
            try (NDManager weights = NDManager.newBaseManager(); Kernels k = def.open()) {
                MultiwayEncoder enc = encoder(c, file, weights, k);
                NDArray img = weights.randomNormal(new Shape(1, 3, 224, 224));
                int perThread = 4;
                java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
                try {
                    out.add(time("vision224_b1_2callers", def, 2 * perThread * Flops.pass(c, 1, c.numPatches() + 1, 1),
                            2 * perThread, () -> {
                                List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
                                for (int t = 0; t < 2; t++) {
                                    fs.add(pool.submit(() -> {
                                        for (int i = 0; i < perThread; i++) {
                                            try (NDManager call = weights.newSubManager()) {
                                                enc.encode(EncoderInput.vision(img), call).output().toFloatArray();
                                            }
                                        }
                                    }));
                                }
                                for (java.util.concurrent.Future<?> f : fs) {
                                    try {
                                        f.get();
                                    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
                                        throw new IllegalStateException(e);
                                    }
                                }
                            }, "2 threads × 4 single-image calls on one shared model"));
                } finally {
                    pool.shutdown();
                }
            }
        }
        if (wanted("vqa480_b1")) {
            EncoderConfig c = base.withImageSize(480).withFinalLayerNorm(false);
            try (NDManager weights = NDManager.newBaseManager(); Kernels k = def.open()) {
                MultiwayEncoder enc = encoder(c, file, weights, k);
                NDArray img = weights.randomNormal(new Shape(1, 3, 480, 480));
                NDArray ids = weights.randomInteger(4, 60000, new Shape(1, 32), DataType.INT64);
                out.add(time("vqa480_b1", def, Flops.pass(c, 1, c.numPatches() + 1 + 32, 1), 1, () -> {
                    try (NDManager call = weights.newSubManager()) {
                        enc.encode(EncoderInput.fused(img, ids, null), call).output().toFloatArray();
                    }
                }, "fused pass, 480 px + 32 tokens"));
            }
        }
        if (wanted("caption480")) {
            out.addAll(captioning(base.withImageSize(480), file, def));
        }
        return out;
    }

    private List<Result> captioning(EncoderConfig c, Path file, Variant def) throws IOException {
        List<Result> out = new ArrayList<>();
        int beams = 3;
        int tokens = 16;
        try (NDManager weights = NDManager.newBaseManager(); Kernels k = def.open()) {
            MultiwayEncoder enc = encoder(c, file, weights, k);
            ProviderRegistry reg = ProviderRegistry.discover();
            CaptioningHead head = (CaptioningHead) reg.head("captioning").create(
                    new dev.beit3.api.HeadSpec(c, dev.beit3.api.TaskPreset.CAPTIONING, Map.of()),
                    Checkpoint.open(file).weights(weights, k));
            NDArray img = weights.randomNormal(new Shape(1, 3, c.imageSize(), c.imageSize()));
            int nv = c.numPatches() + 1;
            // one decoding step at caption length 16 by recomputing the whole sequence for the 3 beams
            NDArray ids = weights.randomInteger(4, 60000, new Shape(beams, tokens), DataType.INT64);
            NDArray imgs = img.repeat(0, beams);
            long[] last = new long[beams * tokens];
            for (int r = 0; r < beams; r++) {
                last[r * tokens + tokens - 1] = 1; // the mask slot whose logits pick the next word
            }
            NDArray masked = weights.create(last, new Shape(beams, tokens));
            out.add(time("caption480_recompute_step16", def, Flops.pass(c, beams, nv + tokens, beams), beams, () -> {
                try (NDManager call = weights.newSubManager()) {
                    head.maskedLm(enc, imgs, ids, null, masked, call).toFloatArray();
                }
            }, "one beam-3 decoding step at 16 text tokens, full recomputation"));
            // the same step with keys and values of the image and the first 15 text tokens cached
            try (dev.beit3.api.DecodingSession session = enc.startDecoding(weights).orElseThrow();
                    NDManager prefill = weights.newSubManager()) {
                float[] mask = new float[(nv + tokens - 1) * (nv + tokens - 1)];
                for (int i = nv; i < nv + tokens - 1; i++) {
                    for (int j = i + 1; j < nv + tokens - 1; j++) {
                        mask[i * (nv + tokens - 1) + j] = -1e8f;
                    }
                }
                for (int i = 0; i < nv; i++) {
                    for (int j = nv; j < nv + tokens - 1; j++) {
                        mask[i * (nv + tokens - 1) + j] = -1e8f;
                    }
                }
                session.start(EncoderInput.fused(imgs, ids.get(":, :{}", tokens - 1), null)
                        .withAttentionMask(prefill.create(mask, new Shape(nv + tokens - 1, nv + tokens - 1))), prefill);
                long keys = session.length() + 2;
                float[] stepMask = new float[(int) (2 * keys)];
                stepMask[(int) (keys - 1)] = -1e8f;
                NDArray sm = weights.create(stepMask, new Shape(2, keys));
                NDArray stepIds = ids.get(":, {}:", tokens - 2);
                out.add(time("caption480_cached_step16", def, Flops.step(c, beams, 2, keys), beams, () -> {
                    try (NDManager call = weights.newSubManager()) {
                        session.step(stepIds, sm, call).output().toFloatArray();
                        session.dropLast(2);
                    }
                }, "the same step with the image and 15 text tokens in the key/value cache"));
            }
            Result rec = out.get(0);
            Result cached = out.get(1);
            out.set(1, new Result(cached.workload(), cached.backend(), cached.precision(), cached.medianMs(), cached.minMs(), cached.itemsPerSecond(),
                    cached.gflop(), cached.gflops(), cached.efficiency(), cached.peakRssMb(), cached.note()
                            + String.format(Locale.ROOT, "; %.1f× faster per token than recomputing",
                                    rec.medianMs() / cached.medianMs())));
        }
        return out;
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
        EncoderConfig c = new EncoderConfig(dev.beit3.api.ModelFamily.BEIT3, 96, 4, 4, 384, 16, 64, 1000, 1024, 1e-5,
                true, 4);
        Path file = Files.createTempFile("beit3-soak", ".safetensors");
        try (NDManager weights = NDManager.newBaseManager()) {
            SyntheticCheckpoint.write(c, file);
            CheckpointWeights ws = Checkpoint.open(file).weights(weights);
            ProviderRegistry reg = ProviderRegistry.discover();
            MultiwayEncoder enc = Beit3Encoders.build(c, ws, Beit3Encoders.plan(c), reg::expert, reg::embedding);
            NDArray img = weights.randomNormal(new Shape(2, 3, 64, 64));
            NDArray ids = weights.randomInteger(4, 999, new Shape(2, 16), DataType.INT64);
            int warm = Math.max(1, passes / 10);
            double afterWarmup = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < passes; i++) {
                try (NDManager call = weights.newSubManager()) {
                    enc.encode(EncoderInput.fused(img, ids, null), call).output().toFloatArray();
                }
                if (i + 1 == warm) {
                    afterWarmup = Rss.nativeMb();
                }
            }
            double end = Rss.nativeMb();
            return String.format(Locale.ROOT, "soak: %d fused passes in %.1f s; RSS outside the Java heap after %d"
                    + " warm-up passes %.1f MB, at the end %.1f MB (growth %.2f%%); total RSS %.1f MB", passes,
                    (System.nanoTime() - t0) / 1e9, warm, afterWarmup, end, 100 * (end - afterWarmup) / afterWarmup,
                    Rss.currentMb());
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The providers of {@link #encoder}, discovered once per benchmark. */
    private ProviderRegistry encoderProviders;

    /** The encoder of configuration {@code c} over the file's weights, in {@code weights}, on backend {@code k}. */
    private MultiwayEncoder encoder(EncoderConfig c, Path file, NDManager weights, Kernels k) throws IOException {
        if (encoderProviders == null) {
            encoderProviders = ProviderRegistry.discover();
        }
        return dev.beit3.core.load.ModelLoader.load(dev.beit3.core.load.LoadRequest.builder().checkpoint(file)
                .registry(encoderProviders).heads(dev.beit3.core.load.LoadRequest.Heads.NONE).config(c).kernels(k)
                .into(weights).build()).encoder();
    }

    private Result time(String name, Variant v, double flop, double items, Runnable body, String note) {
        return rounds(name, List.of(v), List.of(body), flop, items, note).get(0);
    }

    /** Builds a workload on every variant (one encoder each, all in memory) and times them alternating. */
    private List<Result> interleaved(String name, List<Variant> vs, EncoderConfig c, Path file, double flop,
            double items, java.util.function.BiFunction<MultiwayEncoder, NDManager, Runnable> work, String note)
            throws IOException {
        List<NDManager> managers = new ArrayList<>();
        List<Kernels> opened = new ArrayList<>();
        try {
            List<Runnable> bodies = new ArrayList<>();
            for (Variant v : vs) {
                NDManager weights = NDManager.newBaseManager();
                managers.add(weights);
                Kernels k = v.open();
                opened.add(k);
                bodies.add(work.apply(encoder(c, file, weights, k), weights));
            }
            return rounds(name, vs, bodies, flop, items, note);
        } finally {
            managers.forEach(NDManager::close);
            opened.forEach(Kernels::close);
        }
    }

    /**
     * Warms every body up, then times them in rounds (one run of each per round, in turn), re-measuring the best
     * fp32 GEMM rate at the start of each round: on a shared machine the load changes from second to second, and
     * alternating keeps the ratios between backends fair.
     */
    private List<Result> rounds(String name, List<Variant> vs, List<Runnable> bodies, double flop, double items,
            String note) {
        boolean gemm = name.equals("gemm");
        for (int w = 0; w < options.warmup(); w++) {
            for (int i = 0; i < bodies.size(); i++) {
                log.println("bench " + name + " " + vs.get(i).label() + " (warm-up) …");
                bodies.get(i).run();
            }
        }
        System.gc();
        Rss.resetPeak();
        double[][] ms = new double[bodies.size()][options.runs()];
        double[] rates = new double[options.runs()];
        for (int r = 0; r < options.runs(); r++) {
            if (!gemm) {
                refreshGemmRate(options.large() ? EncoderConfig.beit3Large(224, true)
                        : EncoderConfig.beit3Base(224, true));
                rates[r] = gemmRate;
            }
            for (int i = 0; i < bodies.size(); i++) {
                log.println("bench " + name + " " + vs.get(i).label() + " run " + (r + 1) + "/" + options.runs()
                        + " …");
                long t0 = System.nanoTime();
                bodies.get(i).run();
                ms[i][r] = (System.nanoTime() - t0) / 1e6;
            }
        }
        double rate = gemm ? Double.NaN : median(rates);
        List<Result> out = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            double median = median(ms[i]);
            double min = Arrays.stream(ms[i]).min().orElse(Double.NaN);
            double gflops = flop / 1e9 / (median / 1e3);
            String n = gemm ? note : note + String.format(Locale.ROOT,
                    " (best fp32 GEMM rate in the same rounds: median %.1f GFLOP/s, %s)", rate, best.label());
            out.add(new Result(name, vs.get(i).backend(), vs.get(i).precision().id(), median, min,
                    items / (median / 1e3), flop / 1e9, gflops, gflops / rate, Rss.peakMb(), n));
        }
        return out;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /**
     * Formats results as a table.
     *
     * @param results the results
     * @return the table
     */
    public static String table(List<Result> results) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%-28s %-7s %-5s %10s %10s %9s %8s %9s %6s %8s%n", "workload", "backend", "prec", "median ms", "min ms",
                "items/s", "GFLOP", "GFLOP/s", "eff", "peak MB"));
        for (Result r : results) {
            sb.append(String.format(Locale.ROOT, "%-28s %-7s %-5s %10.1f %10.1f %9.2f %8.2f %9.1f %6.2f %8.0f%n",
                    r.workload(), r.backend(), r.precision(), r.medianMs(), r.minMs(), r.itemsPerSecond(), r.gflop(),
                    r.gflops(), r.efficiency(), r.peakRssMb()));
        }
        for (Result r : results) {
            if (r.note() != null && !r.note().isEmpty()) {
                sb.append("  ").append(r.workload()).append(' ').append(r.backend()).append(' ').append(r.precision())
                        .append(": ").append(r.note()).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * Formats results as a JSON array of objects with {@code workload, backend, precision, median_ms, min_ms,
     * items_per_s, gflop, gflops, efficiency, peak_rss_mb, note}: one per workload × backend × precision.
     *
     * @param results the results
     * @return JSON
     */
    public static String json(List<Result> results) {
        List<Map<String, Object>> l = new ArrayList<>();
        for (Result r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.workload());
            m.put("backend", r.backend());
            m.put("precision", r.precision());
            m.put("median_ms", r.medianMs());
            m.put("min_ms", r.minMs());
            m.put("items_per_s", Double.isNaN(r.itemsPerSecond()) ? null : r.itemsPerSecond());
            m.put("gflop", r.gflop());
            m.put("gflops", Double.isNaN(r.gflops()) ? null : r.gflops());
            m.put("efficiency", Double.isNaN(r.efficiency()) ? null : r.efficiency());
            m.put("peak_rss_mb", r.peakRssMb());
            m.put("note", r.note());
            l.add(m);
        }
        return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(l);
    }

    /**
     * The per-op profile of one layer (vision 224 batch 1 and vision 384 batch 8), each linear layer on every
     * available backend and precision.
     *
     * @param large large dimensions
     * @return the profile text
     */
    public static String profile(boolean large) {
        EncoderConfig c = large ? EncoderConfig.beit3Large(224, true) : EncoderConfig.beit3Base(224, true);
        return OpProfile.profile(c, 1, 197, 9) + OpProfile.profile(c, 8, 577, 5);
    }
}
