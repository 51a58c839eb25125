package dev.beit3.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.HeadInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ModelClosedException;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.api.RgbImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Concurrency, lifecycle and soak of the public facade on the embedded demo models ({@code -Dbeit3.demo}).
 *
 * <ul>
 *   <li>8 threads × 200 mixed calls (classify, embed images, embed texts, answer, caption) on one loaded model per
 *       task give results bit-for-bit equal to a single-threaded run of the same calls;
 *   <li>closing a model while calls run lets them finish or fails them with {@link ModelClosedException}, and
 *       every later call fails with it;
 *   <li>soak: {@code -Dbeit3.soak.calls} mixed calls (default 1,200; the documented long run uses 10,000): the
 *       resident memory outside the Java heap grows by less than 64 MB after warm-up (the heap itself is bounded by
 *       {@code -Xmx}), and closing the models leaves no file descriptor open;
 *   <li>an image batch with NaN or infinities is refused with an {@link InvalidInputException}.
 * </ul>
 */
class ReliabilityTest {
    private static ModelPackage pkg;
    static List<RgbImage> images;
    private static final List<String> TEXTS = List.of("a large red circle in the center", "how many squares are there?",
            "what color is the triangle?", "a small blue square next to a green circle", "is there a circle?");
    private static Map<String, Beit3> models;

    @BeforeAll
    static void load() throws IOException {
        pkg = ModelPackage.open(Fixtures.demo());
        models = new HashMap<>();
        for (String task : List.of("imageclassification", "vqa", "retrieval", "captioning")) {
            models.put(task, pkg.builder(task).build());
        }
        images = new ArrayList<>();
        try (Stream<Path> s = Files.list(Fixtures.demo().resolve("samples/images"))) {
            for (Path p : s.sorted().toList()) {
                images.add(models.get("vqa").readImage(p));
            }
        }
    }

    @AfterAll
    static void close() {
        if (models != null) {
            models.values().forEach(Beit3::close);
        }
    }

    /** One call of a mixed workload: kind 0..4, an image and a text index; its result as comparable bits. */
    record Call(int kind, int image, int text) {
        static Call random(SplittableRandom r, int nImages) {
            // captioning (beam search) is the slowest call: drawn less often
            int k = r.nextInt(10);
            int kind = k < 2 ? 0 : k < 4 ? 1 : k < 6 ? 2 : k < 9 ? 3 : 4;
            return new Call(kind, r.nextInt(nImages), r.nextInt(TEXTS.size()));
        }

        String run(Map<String, Beit3> m) {
            RgbImage img = images.get(image);
            String q = TEXTS.get(text);
            return switch (kind) {
                case 0 -> bits(m.get("imageclassification").classify(List.of(img), 3).get(0).logits());
                case 1 -> bits(m.get("retrieval").embedImages(List.of(img))[0]);
                case 2 -> bits(m.get("retrieval").embedTexts(List.of(q))[0]);
                case 3 -> {
                    Answer a = m.get("vqa").answer(List.of(img), List.of(q), 3).get(0);
                    yield a.answer() + bits(a.logits());
                }
                default -> {
                    Beit3 c = m.get("captioning");
                    Caption cap = c.caption(List.of(img), c.decoding()).get(0);
                    yield cap.text() + Arrays.toString(cap.ids()) + Double.doubleToLongBits(cap.score());
                }
            };
        }
    }

    private static String bits(float[] f) {
        int[] b = new int[f.length];
        for (int i = 0; i < f.length; i++) {
            b[i] = Float.floatToRawIntBits(f[i]);
        }
        return Arrays.toString(b);
    }

    @Test
    void eightThreadsGiveTheSingleThreadedResultsBitForBit() throws Exception {
        int threads = 8;
        int perThread = Integer.getInteger("beit3.concurrency.calls", 200);
        List<List<Call>> plans = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            SplittableRandom r = new SplittableRandom(1000 + t);
            List<Call> plan = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                plan.add(Call.random(r, images.size()));
            }
            plans.add(plan);
        }
        // single-threaded truth for every distinct call
        Map<Call, String> truth = new HashMap<>();
        long t0 = System.nanoTime();
        plans.stream().flatMap(List::stream).distinct().forEach(c -> truth.put(c, c.run(models)));
        long t1 = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        AtomicInteger mismatches = new AtomicInteger();
        List<Future<Integer>> done = new ArrayList<>();
        for (List<Call> plan : plans) {
            done.add(pool.submit(() -> {
                start.await();
                int n = 0;
                for (Call c : plan) {
                    if (!c.run(models).equals(truth.get(c))) {
                        mismatches.incrementAndGet();
                    }
                    n++;
                }
                return n;
            }));
        }
        start.countDown();
        int calls = 0;
        for (Future<Integer> f : done) {
            calls += f.get(10, TimeUnit.MINUTES);
        }
        pool.shutdown();
        long t2 = System.nanoTime();
        System.out.printf(Locale.ROOT, "concurrency: %d threads x %d mixed calls = %d calls in %.1f s (%d distinct "
                + "calls single-threaded in %.1f s), %d results differ from the single-threaded run%n", threads,
                perThread, calls, (t2 - t1) / 1e9, truth.size(), (t1 - t0) / 1e9, mismatches.get());
        assertThat(calls).isEqualTo(threads * perThread);
        assertThat(mismatches.get()).as("results differing from the single-threaded run").isZero();
    }

    @Test
    void closeWhileCallsRunWaitsOrFailsClearlyAndLaterCallsFail() throws Exception {
        for (int round = 0; round < 3; round++) {
            Beit3 m = pkg.builder("vqa").build();
            Beit3 probe = m.withHead("vqa", null, Map.of()); // shares the encoder: must survive m.close()
            String expected = new Call(3, 0, 1).run(Map.of("vqa", m));
            ExecutorService pool = Executors.newFixedThreadPool(6);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger closedErrors = new AtomicInteger();
            List<Future<?>> fs = new ArrayList<>();
            CountDownLatch running = new CountDownLatch(6);
            for (int t = 0; t < 6; t++) {
                final int tt = t;
                fs.add(pool.submit(() -> {
                    running.countDown();
                    for (int i = 0; i < 1000; i++) {
                        try {
                            String got = new Call(3, 0, 1).run(Map.of("vqa", m));
                            assertThat(got).isEqualTo(expected);
                            ok.incrementAndGet();
                        } catch (ModelClosedException e) {
                            assertThat(e.getMessage()).contains("closed");
                            closedErrors.incrementAndGet();
                            return null;
                        }
                    }
                    return null;
                }));
            }
            running.await();
            Thread.sleep(50 + 40L * round);
            m.close();
            for (Future<?> f : fs) {
                f.get(2, TimeUnit.MINUTES); // rethrows any unexpected exception of a worker
            }
            pool.shutdown();
            assertThatThrownBy(() -> m.answer(List.of(images.get(0)), List.of("how many?"), 1))
                    .isInstanceOf(ModelClosedException.class).hasMessageContaining("closed");
            assertThatThrownBy(() -> m.caption(List.of(images.get(0)), null))
                    .isInstanceOf(InvalidInputException.class); // wrong head: refused before anything runs
            assertThatThrownBy(() -> m.withHead("vqa", null, Map.of())).isInstanceOf(ModelClosedException.class);
            m.close(); // idempotent
            assertThat(new Call(3, 0, 1).run(Map.of("vqa", probe))).isEqualTo(expected);
            probe.close();
            assertThatThrownBy(() -> probe.answer(List.of(images.get(0)), List.of("how many?"), 1))
                    .isInstanceOf(ModelClosedException.class);
            System.out.printf(Locale.ROOT, "close while running (round %d): %d calls finished, %d failed with "
                    + "ModelClosedException%n", round, ok.get(), closedErrors.get());
            assertThat(closedErrors.get()).isPositive();
        }
    }

    @Test
    void nonFiniteImageBatchIsRefused() {
        Beit3 m = models.get("retrieval");
        int s = m.config().imageSize();
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            assertThatThrownBy(() -> m.run(scope -> {
                float[] px = new float[3 * s * s];
                px[7] = bad;
                NDArray a = scope.create(px, new Shape(1, 3, s, s));
                return new HeadInput(a, null, null, null, Map.of());
            })).isInstanceOf(InvalidInputException.class).hasMessageContaining(Float.isNaN(bad) ? "NaN" : "infinite");
        }
        // the model still works afterwards
        assertThat(m.embedImages(List.of(images.get(0)))[0]).hasSize(m.config().dim());
    }

    private static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024; // kB -> MB
            }
        }
        return -1;
    }

    private static long fds() throws IOException {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count();
        }
    }

    /** Resident memory outside the Java heap (native: libtorch, DJL, SentencePiece, malloc arenas), in MB. */
    private static long nativeMb() throws IOException {
        return status("VmRSS") - Runtime.getRuntime().totalMemory() / (1 << 20);
    }

    @Test
    void soakKeepsResidentMemoryAndFileHandlesBounded() throws Exception {
        int calls = Integer.getInteger("beit3.soak.calls", 1200);
        long growthBoundMb = 64;
        System.gc();
        long fdStart = fds();
        Map<String, Beit3> soak = new HashMap<>();
        for (String task : List.of("imageclassification", "vqa", "retrieval", "captioning")) {
            soak.put(task, pkg.builder(task).build());
        }
        SplittableRandom r = new SplittableRandom(42);
        long rssStart = status("VmRSS");
        long nativeStart = nativeMb();
        int warm = Math.max(600, calls / 10); // the allocator settles after a few hundred mixed calls (captions vary in length)
        long rssWarm = -1;
        long nativeWarm = -1;
        long peakAfterWarm = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            Call.random(r, images.size()).run(soak);
            if (i == warm - 1) {
                System.gc();
                rssWarm = status("VmRSS");
                nativeWarm = nativeMb();
            }
            if (i >= warm && i % 100 == 0) {
                peakAfterWarm = Math.max(peakAfterWarm, nativeMb());
            }
        }
        long secs = (System.nanoTime() - t0) / 1_000_000_000L;
        System.gc();
        long rssEnd = status("VmRSS");
        long nativeEnd = nativeMb();
        peakAfterWarm = Math.max(peakAfterWarm, nativeEnd);
        soak.values().forEach(Beit3::close);
        System.gc();
        long fdEnd = fds();
        System.out.printf(Locale.ROOT, "soak: %d mixed calls in %d s; VmRSS start %d MB, after %d warm-up calls %d MB,"
                + " end %d MB (VmHWM %d MB); outside the Java heap: start %d MB, after warm-up %d MB, end %d MB, "
                + "peak after warm-up %d MB; open fds before %d, after closing %d%n", calls, secs, rssStart, warm,
                rssWarm, rssEnd, status("VmHWM"), nativeStart, nativeWarm, nativeEnd, peakAfterWarm, fdStart, fdEnd);
        // RSS minus the committed heap moves by tens of MB when a GC resizes the heap without the OS
        // reclaiming its pages, so growth is measured from the highest level seen before the measured phase
        long baseline = Math.max(nativeStart, nativeWarm);
        assertThat(peakAfterWarm - baseline).as("native (RSS minus Java heap) growth after warm-up (MB)")
                .isLessThan(growthBoundMb);
        assertThat(fdEnd).as("open file descriptors after closing the models").isLessThanOrEqualTo(fdStart);
    }
}
