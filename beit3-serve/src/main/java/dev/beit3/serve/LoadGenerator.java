package dev.beit3.serve;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.beit3.api.InvalidInputException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator for a running {@code beit3 serve}: closed-loop clients (each sends its next request when
 * the last is answered) or an open-loop rate, on the JDK {@link HttpClient}. Every request carries a unique
 * {@code id} that the server echoes, so a lost, duplicated or crossed answer is counted, not missed.
 */
public final class LoadGenerator {
    /** What one request asks: one image embedding, one text embedding or one caption. */
    public enum Workload {
        /** {@code POST /embed {"images": [one]}}. */
        EMBED_IMAGE("embed"),
        /** {@code POST /embed {"texts": [one]}}. */
        EMBED_TEXT("embed"),
        /** {@code POST /caption {"images": [one]}}. */
        CAPTION("caption");

        final String endpoint;

        Workload(String endpoint) {
            this.endpoint = endpoint;
        }

        /**
         * Parses {@code embed-image}, {@code embed-text} or {@code caption}.
         *
         * @param s the name
         * @return the workload
         */
        public static Workload parse(String s) {
            try {
                return valueOf(s.toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("unknown workload '" + s + "'; use embed-image, embed-text or caption");
            }
        }

        /** @return the command-line name */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * The outcome of a run.
     *
     * @param sent requests sent
     * @param ok 200 answers whose id matched
     * @param rejected 429 and 503 answers (backpressure)
     * @param failed other statuses, transport errors and timeouts (lost answers)
     * @param mismatched 200 answers carrying another request's id, or an id answered twice
     * @param seconds wall time
     * @param latenciesMs latencies of the ok answers, sorted
     */
    public record Result(long sent, long ok, long rejected, long failed, long mismatched, double seconds,
            double[] latenciesMs) {
        /** @return ok answers per second */
        public double throughput() {
            return ok / seconds;
        }

        /**
         * A latency percentile of the ok answers.
         *
         * @param p from 0 to 100
         * @return milliseconds, NaN when nothing succeeded
         */
        public double percentile(double p) {
            if (latenciesMs.length == 0) {
                return Double.NaN;
            }
            int i = (int) Math.ceil(p / 100.0 * latenciesMs.length) - 1;
            return latenciesMs[Math.max(0, Math.min(latenciesMs.length - 1, i))];
        }

        /** @return whether every request got a result or a 429/503, each once and to the right request */
        public boolean complete() {
            return failed == 0 && mismatched == 0 && ok + rejected == sent;
        }
    }

    private final URI base;
    private final String model;
    private final Workload workload;
    private final String token;
    private final List<String> images;
    private final List<String> texts;
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * A generator.
     *
     * @param base the server, e.g. {@code http://127.0.0.1:8080}
     * @param model the model name
     * @param workload what to ask
     * @param token a bearer token, or null
     * @param imageFiles images to send (cycled through)
     * @param texts texts to send (cycled through)
     * @throws IOException when an image cannot be read
     */
    public LoadGenerator(URI base, String model, Workload workload, String token, List<Path> imageFiles,
            List<String> texts) throws IOException {
        this.base = base;
        this.model = model;
        this.workload = workload;
        this.token = token;
        this.images = new ArrayList<>();
        for (Path p : imageFiles) {
            images.add(Base64.getEncoder().encodeToString(Files.readAllBytes(p)));
        }
        this.texts = List.copyOf(texts);
        if ((workload == Workload.EMBED_TEXT ? this.texts : images).isEmpty()) {
            throw new InvalidInputException("the " + workload.label() + " workload needs "
                    + (workload == Workload.EMBED_TEXT ? "texts" : "images"));
        }
    }

    private HttpRequest request(String id, long n) {
        String item = workload == Workload.EMBED_TEXT ? "\"texts\": [\"" + texts.get((int) (n % texts.size())) + "\"]"
                : "\"images\": [\"" + images.get((int) (n % images.size())) + "\"]";
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/v1/models/" + model + "/" + workload.endpoint))
                .timeout(Duration.ofSeconds(120)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\": \"" + id + "\", " + item + "}"));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b.build();
    }

    private final class Tally {
        final AtomicLong sent = new AtomicLong();
        final AtomicLong ok = new AtomicLong();
        final AtomicLong rejected = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        final AtomicLong mismatched = new AtomicLong();
        final Set<String> answered = ConcurrentHashMap.newKeySet();
        final List<double[]> latencies = new ArrayList<>();

        void record(String id, HttpResponse<String> r, Throwable error, long t0, double[] lat, int[] nLat) {
            if (error != null || r == null) {
                failed.incrementAndGet();
                return;
            }
            int s = r.statusCode();
            if (s == 429 || s == 503) {
                rejected.incrementAndGet();
                return;
            }
            if (s != 200) {
                failed.incrementAndGet();
                return;
            }
            String got = null;
            try {
                JsonElement e = JsonParser.parseString(r.body()).getAsJsonObject().get("id");
                got = e == null ? null : e.getAsString();
            } catch (RuntimeException e) {
                // counted as a mismatch below
            }
            if (!id.equals(got) || !answered.add(got)) {
                mismatched.incrementAndGet();
                return;
            }
            ok.incrementAndGet();
            if (lat != null) {
                synchronized (lat) {
                    if (nLat[0] < lat.length) {
                        lat[nLat[0]++] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
        }
    }

    /**
     * Closed loop: {@code clients} threads, each sending one request at a time for {@code duration}.
     *
     * @param clients concurrent clients
     * @param warmup time before measuring (answers not counted)
     * @param duration measured time
     * @return the result
     * @throws InterruptedException when interrupted
     */
    public Result closedLoop(int clients, Duration warmup, Duration duration) throws InterruptedException {
        if (!warmup.isZero()) {
            runClosed(clients, warmup, "w");
        }
        return runClosed(clients, duration, "m");
    }

    private Result runClosed(int clients, Duration duration, String tag) throws InterruptedException {
        Tally t = new Tally();
        double[] lat = new double[1 << 22];
        int[] nLat = {0};
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int client = c;
            Thread th = new Thread(() -> {
                for (long n = 0; System.nanoTime() < end; n++) {
                    String id = tag + client + "-" + n;
                    long t0 = System.nanoTime();
                    t.sent.incrementAndGet();
                    try {
                        HttpResponse<String> r = client().send(request(id, client * 7919L + n),
                                HttpResponse.BodyHandlers.ofString());
                        t.record(id, r, null, t0, lat, nLat);
                        if (r.statusCode() == 429 || r.statusCode() == 503) {
                            Thread.sleep(5); // a well-behaved client backs off a little
                        }
                    } catch (IOException e) {
                        t.record(id, null, e, t0, lat, nLat);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, "load-client-" + c);
            threads.add(th);
            th.start();
        }
        for (Thread th : threads) {
            th.join();
        }
        double secs = (System.nanoTime() - start) / 1e9;
        double[] l = Arrays.copyOf(lat, nLat[0]);
        Arrays.sort(l);
        return new Result(t.sent.get(), t.ok.get(), t.rejected.get(), t.failed.get(), t.mismatched.get(), secs, l);
    }

    private HttpClient client() {
        return client;
    }

    /**
     * Open loop: {@code rate} requests per second regardless of answers (an overload run when the rate is
     * above the server's capacity), then waits for every answer.
     *
     * @param rate requests per second
     * @param duration how long to send
     * @return the result
     * @throws InterruptedException when interrupted
     */
    public Result openLoop(double rate, Duration duration) throws InterruptedException {
        Tally t = new Tally();
        double[] lat = new double[1 << 22];
        int[] nLat = {0};
        List<CompletableFuture<Void>> pending = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        long interval = (long) (1e9 / rate);
        for (long n = 0;; n++) {
            long at = start + n * interval;
            if (at >= end) {
                break;
            }
            long wait = at - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            String id = "o" + n;
            long t0 = System.nanoTime();
            t.sent.incrementAndGet();
            pending.add(client.sendAsync(request(id, n), HttpResponse.BodyHandlers.ofString())
                    .handle((r, e) -> {
                        t.record(id, r, e, t0, lat, nLat);
                        return null;
                    }));
            if (pending.size() > 4096) {
                pending.removeIf(CompletableFuture::isDone);
            }
        }
        CompletableFuture.allOf(pending.toArray(new CompletableFuture[0])).join();
        double secs = (System.nanoTime() - start) / 1e9;
        double[] l = Arrays.copyOf(lat, nLat[0]);
        Arrays.sort(l);
        return new Result(t.sent.get(), t.ok.get(), t.rejected.get(), t.failed.get(), t.mismatched.get(), secs, l);
    }

    /**
     * Reads {@code VmRSS} of a process (Linux), for memory-flatness checks of the server.
     *
     * @param pid the process id
     * @return resident set size in MiB, or -1 when unreadable
     */
    public static long rssMiB(long pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D+", "")) / 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /**
     * Checks that the server answers: {@code GET /health/ready} is 200.
     *
     * @return the readiness body
     * @throws IOException when unreachable or not ready
     * @throws InterruptedException when interrupted
     */
    public JsonObject ready() throws IOException, InterruptedException {
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(base.resolve("/health/ready")).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("the server at " + base + " is not ready: " + r.statusCode() + " " + r.body());
        }
        return JsonParser.parseString(r.body()).getAsJsonObject();
    }
}
