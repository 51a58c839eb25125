package dev.beit3.cli;

import dev.beit3.api.EncoderConfig;
import dev.beit3.api.InvalidInputException;
import dev.beit3.bench.SyntheticCheckpoint;
import dev.beit3.api.ImageLimits;
import dev.beit3.api.RgbImage;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import dev.beit3.serve.LoadGenerator;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code beit3 bench-serve}: a load generator for a running {@code beit3 serve} (another process), with the
 * same work as direct library calls in this JVM for comparison, and an open-loop overload run.
 */
@Command(name = "bench-serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load-test a running `beit3 serve` (start it in another process first).",
            "Closed loop: N clients, each sending one request (one image or text) at a time; prints ok/s, p50, p99.",
            "--direct: the same work as library calls in this JVM (single calls in N threads, and batched calls).",
            "--rate R: an open-loop run at R requests/s (an overload run above capacity): every request must get",
            "a result or a 429/503, each once; --pid PID samples the server's RSS."})
final class BenchServeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8080",
            description = "the server (default: ${DEFAULT-VALUE})")
    URI url;

    @Option(names = "--workloads", paramLabel = "W", split = ",", defaultValue = "embed-image,embed-text,caption",
            description = "embed-image, embed-text, caption (default: ${DEFAULT-VALUE})")
    List<String> workloads;

    @Option(names = "--clients", paramLabel = "N", split = ",", defaultValue = "1,8,32",
            description = "concurrent clients, one run each (default: ${DEFAULT-VALUE})")
    List<Integer> clients;

    @Option(names = "--seconds", paramLabel = "S", defaultValue = "10", description = "measured seconds per run")
    double seconds;

    @Option(names = "--warmup", paramLabel = "S", defaultValue = "2", description = "warm-up seconds per run")
    double warmup;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "1",
            description = "runs per point, alternating server and direct; min and median are printed")
    int repeats;

    @Option(names = "--embed-model", paramLabel = "NAME", defaultValue = "retrieval",
            description = "the served model for embed (default: ${DEFAULT-VALUE})")
    String embedModel;

    @Option(names = "--caption-model", paramLabel = "NAME", defaultValue = "captioning",
            description = "the served model for caption (default: ${DEFAULT-VALUE})")
    String captionModel;

    @Option(names = "--models", paramLabel = "DIR", description = "the demo models: sample images, and --direct models")
    Path models;

    @Option(names = "--direct", description = "also run the same work as direct library calls in this JVM")
    boolean direct;

    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "for --direct embed: this retrieval checkpoint instead of the demo model (with --spm)")
    Path checkpoint;

    @Option(names = "--spm", paramLabel = "FILE", description = "the tokenizer of --checkpoint")
    Path spm;

    @Option(names = "--image-size", paramLabel = "S", description = "image side for --checkpoint")
    Integer imageSize;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "16",
            description = "items per direct batched call (default: ${DEFAULT-VALUE}, the server's --max-batch default)")
    int batch;

    @Option(names = "--rate", paramLabel = "R", description = "open-loop overload run at R requests/s instead")
    Double rate;

    @Option(names = "--pid", paramLabel = "PID", description = "the server's process id, to sample its RSS")
    Long pid;

    @Option(names = "--token-file", paramLabel = "FILE", description = "bearer token of the server")
    Path tokenFile;

    @Option(names = "--write-synthetic-base", paramLabel = "FILE",
            description = "only write a BEiT-3 base checkpoint with random weights (retrieval head, 224 px) and exit")
    Path writeSynthetic;

    BenchServeCommand() {}

    private static final List<String> TEXTS = List.of("a red circle", "a small blue square on the left",
            "a large green triangle on the right and a small yellow circle at the top", "two circles",
            "a large purple square at the bottom", "a shape", "a small orange triangle in the center",
            "a small red square on the left and a large blue circle on the right");

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return CliErrors.run(err, () -> {
            if (writeSynthetic != null) {
                SyntheticCheckpoint.write(EncoderConfig.beit3Base(224, false), writeSynthetic);
                out.println("wrote " + writeSynthetic + ": BEiT-3 base, 224 px, random weights (retrieval head)");
                return CliErrors.OK;
            }
            if (System.getProperty(CommonOptions.THREADS_PROPERTY) == null && checkpoint == null) {
                System.setProperty(CommonOptions.THREADS_PROPERTY, "1");
            }
            ModelPackage pkg = ModelOptions.openPackage(models);
            List<Path> images;
            try (Stream<Path> s = Files.list(pkg.directory().resolve("samples/images"))) {
                images = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
            }
            String token = tokenFile == null ? null : Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            Duration measure = Duration.ofMillis((long) (seconds * 1000));
            Duration warm = Duration.ofMillis((long) (warmup * 1000));
            if (rate != null) {
                return overload(out, LoadGenerator.Workload.parse(workloads.get(0)), token, images, measure);
            }
            out.println("workload      clients  where            ok/s (min / median)   p50 ms    p99 ms   429/503  lost");
            for (String w : workloads) {
                LoadGenerator.Workload wl = LoadGenerator.Workload.parse(w);
                String model = wl == LoadGenerator.Workload.CAPTION ? captionModel : embedModel;
                LoadGenerator gen = new LoadGenerator(url, model, wl, token, images, TEXTS);
                gen.ready();
                try (Beit3 lib = direct ? directModel(pkg, wl) : null) {
                    List<byte[]> encoded = new ArrayList<>();
                    for (Path p : images) {
                        encoded.add(Files.readAllBytes(p));
                    }
                    for (int c : clients) {
                        List<LoadGenerator.Result> served = new ArrayList<>();
                        List<LoadGenerator.Result> single = new ArrayList<>();
                        List<LoadGenerator.Result> batched = new ArrayList<>();
                        for (int r = 0; r < repeats; r++) {
                            served.add(gen.closedLoop(c, warm, measure));
                            if (lib != null) {
                                single.add(directRun(lib, wl, encoded, c, 1, warm, measure));
                                batched.add(directRun(lib, wl, encoded, 1, batch, warm, measure));
                            }
                        }
                        print(out, wl.label(), c, "server", served);
                        if (lib != null) {
                            print(out, wl.label(), c, "direct single", single);
                            print(out, wl.label(), 1, "direct batch " + batch, batched);
                        }
                        out.flush();
                    }
                }
            }
            return CliErrors.OK;
        });
    }

    private Beit3 directModel(ModelPackage pkg, LoadGenerator.Workload wl) {
        if (checkpoint != null && wl != LoadGenerator.Workload.CAPTION) {
            Beit3.Builder b = Beit3.builder().checkpoint(checkpoint).head("retrieval").batchSize(batch);
            if (spm != null) {
                b.tokenizer(spm);
            }
            if (imageSize != null) {
                b.imageSize(imageSize);
            }
            return b.build();
        }
        return pkg.builder(wl == LoadGenerator.Workload.CAPTION ? "captioning" : "retrieval").batchSize(batch).build();
    }

    /**
     * The same work in this JVM: {@code threads} threads, each calling the library with {@code items} items;
     * images are decoded from the file bytes in each call, as the server must.
     */
    private static LoadGenerator.Result directRun(Beit3 lib, LoadGenerator.Workload wl, List<byte[]> images,
            int threads, int items, Duration warm, Duration measure) throws InterruptedException {
        ImageLimits limits = ImageLimits.defaults();
        Consumer<Long> call = n -> {
            int i = (int) (n % images.size());
            switch (wl) {
                case EMBED_IMAGE -> lib.embedImages(decode(lib, take(images, i, items), limits));
                case EMBED_TEXT -> lib.embedTexts(take(TEXTS, (int) (n % TEXTS.size()), items));
                case CAPTION -> lib.caption(decode(lib, take(images, i, items), limits), lib.decoding());
            }
        };
        runThreads(threads, warm, call, null, items);
        double[] lat = new double[1 << 20];
        long start = System.nanoTime();
        runThreads(threads, measure, call, lat, items);
        double secs = (System.nanoTime() - start) / 1e9;
        int n = (int) Math.min(lat.length, LAT_COUNT.get());
        double[] l = Arrays.copyOf(lat, n);
        Arrays.sort(l);
        long calls = CALLS.get();
        return new LoadGenerator.Result(calls * items, calls * items, 0, 0, 0, secs, l);
    }

    private static final AtomicLong LAT_COUNT = new AtomicLong();
    private static final AtomicLong CALLS = new AtomicLong();

    private static void runThreads(int threads, Duration d, Consumer<Long> call, double[] lat, int items)
            throws InterruptedException {
        LAT_COUNT.set(0);
        CALLS.set(0);
        long end = System.nanoTime() + d.toNanos();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            long seed = t * 7919L;
            Thread th = new Thread(() -> {
                for (long n = seed; System.nanoTime() < end; n++) {
                    long t0 = System.nanoTime();
                    call.accept(n);
                    CALLS.incrementAndGet();
                    if (lat != null) {
                        int k = (int) LAT_COUNT.getAndIncrement();
                        if (k < lat.length) {
                            lat[k] = (System.nanoTime() - t0) / 1e6;
                        }
                    }
                }
            });
            ts.add(th);
            th.start();
        }
        for (Thread th : ts) {
            th.join();
        }
    }

    private static List<RgbImage> decode(Beit3 lib, List<byte[]> files, ImageLimits limits) {
        List<RgbImage> out = new ArrayList<>(files.size());
        for (byte[] f : files) {
            out.add(lib.imagePreprocessor().decode(f, limits));
        }
        return out;
    }

    private static <T> List<T> take(List<T> all, int from, int n) {
        List<T> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(all.get((from + i) % all.size()));
        }
        return out;
    }

    private static void print(PrintWriter out, String w, int clients, String where, List<LoadGenerator.Result> rs) {
        double[] tp = rs.stream().mapToDouble(LoadGenerator.Result::throughput).sorted().toArray();
        LoadGenerator.Result med = rs.stream().sorted((a, b) -> Double.compare(a.throughput(), b.throughput()))
                .toList().get(rs.size() / 2);
        long rejected = rs.stream().mapToLong(LoadGenerator.Result::rejected).sum();
        long lost = rs.stream().mapToLong(r -> r.failed() + r.mismatched()).sum();
        out.printf(Locale.ROOT, "%-13s %7d  %-16s %8.1f / %-8.1f %9.2f %9.2f %9d %5d%n", w, clients, where, tp[0],
                tp[tp.length / 2], med.percentile(50), med.percentile(99), rejected, lost);
    }

    private int overload(PrintWriter out, LoadGenerator.Workload wl, String token, List<Path> images, Duration d)
            throws Exception {
        if (rate <= 0) {
            throw new InvalidInputException("--rate must be positive, got " + rate);
        }
        String model = wl == LoadGenerator.Workload.CAPTION ? captionModel : embedModel;
        LoadGenerator gen = new LoadGenerator(url, model, wl, token, images, TEXTS);
        gen.ready();
        List<Long> rss = new ArrayList<>();
        Thread sampler = null;
        if (pid != null) {
            sampler = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        synchronized (rss) {
                            rss.add(LoadGenerator.rssMiB(pid));
                        }
                        Thread.sleep(Math.max(1000, d.toMillis() / 20));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            sampler.setDaemon(true);
            sampler.start();
        }
        LoadGenerator.Result r = gen.openLoop(rate, d);
        if (sampler != null) {
            sampler.interrupt();
            synchronized (rss) {
                rss.add(LoadGenerator.rssMiB(pid));
            }
        }
        out.printf(Locale.ROOT, "overload %s at %.0f requests/s for %.0f s: sent %d, ok %d (%.1f/s, p50 %.1f ms, p99"
                + " %.1f ms), 429/503 %d, lost or failed %d, wrong or duplicated id %d -> %s%n", wl.label(), rate,
                r.seconds(), r.sent(), r.ok(), r.throughput(), r.percentile(50), r.percentile(99), r.rejected(),
                r.failed(), r.mismatched(), r.complete() ? "every request answered once" : "INCOMPLETE");
        if (!rss.isEmpty()) {
            out.println("server RSS MiB over the run: " + rss);
        }
        return r.complete() ? CliErrors.OK : CliErrors.INTERNAL;
    }
}
