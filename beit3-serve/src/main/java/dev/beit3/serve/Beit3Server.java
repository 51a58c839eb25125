package dev.beit3.serve;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import dev.beit3.api.Beit3Exception;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ModelClosedException;
import dev.beit3.api.RgbImage;
import dev.beit3.model.Answer;
import dev.beit3.model.Beit3;
import dev.beit3.model.Caption;
import dev.beit3.model.Classification;
import dev.beit3.model.Label;
import dev.beit3.model.Provenance;
import dev.beit3.model.Verdict;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code beit3 serve}: BEiT-3 models over HTTP (Javalin on Jetty). Every task has a JSON endpoint under
 * {@code /v1/models/{name}/}: {@code embed}, {@code similarity}, {@code classify}, {@code vqa},
 * {@code nlvr2} and {@code caption}; {@code GET /v1/models} lists what is loaded; {@code /health/live},
 * {@code /health/ready}, {@code /metrics} (Prometheus) and {@code /openapi.json} complete it.
 *
 * <p>Requests of one model and task are batched dynamically across clients ({@link ServeSettings#maxBatch()},
 * {@link ServeSettings#maxDelay()}) behind a bounded queue: a full queue answers 429 with {@code Retry-After},
 * a request that takes longer than {@link ServeSettings#requestTimeout()} answers 503. Images come only as
 * request bytes; no endpoint reads or writes files named by a request. CORS is off.
 *
 * <pre>{@code
 * try (Beit3Server server = Beit3Server.start(ServeSettings.defaults(), ModelSpec.fromPackage(Path.of("models/demo")))) {
 *     server.awaitReady(Duration.ofMinutes(1));
 *     System.out.println("listening on " + server.url());
 * }
 * }</pre>
 *
 * <p>{@link #close()} shuts down gracefully: new requests get 503, requests already accepted finish, then
 * the HTTP server stops and the models are closed.
 */
public final class Beit3Server implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Beit3Server.class);
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();
    private static final String JSON = "application/json";

    /** Test hooks: run before model loading and before each batched model call. */
    record Hooks(Runnable beforeLoad, Runnable beforeBatch) {
        static final Hooks NONE = new Hooks(() -> {}, () -> {});
    }

    private final ServeSettings settings;
    private final List<ModelSpec> specs;
    private final Hooks hooks;
    private final Metrics metrics = new Metrics();
    private final Requests requests;
    private final Map<String, ServedModel> models = new ConcurrentHashMap<>();
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final AtomicInteger inFlight = new AtomicInteger();
    private final byte[] tokenDigest;
    private final Javalin app;
    private volatile boolean accepting = true;
    private volatile boolean closed;
    private volatile Throwable loadFailure;
    private volatile String backend = "";
    private final Object closeLock = new Object();

    private Beit3Server(ServeSettings settings, List<ModelSpec> specs, Hooks hooks) {
        this.settings = settings;
        this.specs = List.copyOf(specs);
        this.hooks = hooks;
        this.requests = new Requests(settings);
        this.tokenDigest = settings.token() == null ? null : sha256(settings.token());
        this.app = Javalin.create(cfg -> {
            cfg.showJavalinBanner = false;
            cfg.http.maxRequestSize = settings.maxBodyBytes();
            cfg.jetty.modifyServer(server -> server.setStopTimeout(settings.drainTimeout().toMillis()));
        });
        routes();
    }

    /**
     * Starts listening at once and loads the models on a background thread; {@code /health/ready} answers
     * 200 once every model is loaded.
     *
     * @param settings address, batching and limits
     * @param specs the models, each under its name
     * @return the running server; close it to stop
     */
    public static Beit3Server start(ServeSettings settings, List<ModelSpec> specs) {
        return start(settings, specs, Hooks.NONE);
    }

    static Beit3Server start(ServeSettings settings, List<ModelSpec> specs, Hooks hooks) {
        if (specs.isEmpty()) {
            throw new InvalidInputException("no models to serve; give --models DIR or a --config file");
        }
        Set<String> names = new java.util.HashSet<>();
        for (ModelSpec s : specs) {
            if (!names.add(s.name())) {
                throw new InvalidInputException("two models are named '" + s.name() + "'; give each its own name");
            }
        }
        Beit3Server s = new Beit3Server(settings, specs, hooks);
        s.app.start(settings.host(), settings.port());
        Thread loader = new Thread(s::load, "beit3-model-loader");
        loader.setDaemon(true);
        loader.start();
        return s;
    }

    /**
     * The port the server listens on (the chosen one when started with port 0).
     *
     * @return the port
     */
    public int port() {
        return app.port();
    }

    /**
     * The base URL, e.g. {@code http://127.0.0.1:8080}.
     *
     * @return the URL
     */
    public String url() {
        String h = settings.host();
        return "http://" + (h.contains(":") ? "[" + h + "]" : h) + ":" + port();
    }

    /**
     * Whether every model is loaded and the server accepts requests.
     *
     * @return readiness
     */
    public boolean isReady() {
        return loaded.getCount() == 0 && loadFailure == null && accepting;
    }

    /**
     * Waits until the models are loaded.
     *
     * @param timeout how long to wait
     * @throws Beit3Exception the load failure (e.g. {@link InvalidInputException} for a bad checkpoint)
     * @throws IllegalStateException when the timeout passes first
     */
    public void awaitReady(Duration timeout) {
        try {
            if (!loaded.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the models did not load within " + timeout);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the models", e);
        }
        Throwable f = loadFailure;
        if (f instanceof RuntimeException r) {
            throw r;
        }
        if (f != null) {
            throw new IllegalStateException("loading the models failed: " + f, f);
        }
    }

    /** Requests in progress (accepted and not yet answered). */
    int inFlight() {
        return inFlight.get();
    }

    /** Whether the server still accepts requests (false once a shutdown began). */
    boolean accepting() {
        return accepting;
    }

    /** Requests queued for one model's task, e.g. ("retrieval", "embed-text"). */
    int queued(String model, String task) {
        ServedModel m = models.get(model);
        Batcher<?, ?> b = m == null ? null : switch (task) {
            case "embed-image" -> m.imageEmbeddings;
            case "embed-text" -> m.textEmbeddings;
            case "classify" -> m.classes;
            case "vqa" -> m.answers;
            case "nlvr2" -> m.verdicts;
            case "caption" -> m.captions;
            default -> null;
        };
        return b == null ? 0 : b.queued();
    }

    private void load() {
        try {
            hooks.beforeLoad.run();
            for (ModelSpec spec : specs) {
                long t0 = System.nanoTime();
                Beit3 model = spec.loader().get();
                Duration took = Duration.ofNanos(System.nanoTime() - t0);
                metrics.modelLoaded(spec.name(), model.headId(), took);
                models.put(spec.name(), new ServedModel(spec.name(), spec.source(), model, took, settings, metrics,
                        hooks.beforeBatch));
                LOG.info("loaded model {} ({} head) in {} ms from {}", spec.name(), model.headId(), took.toMillis(),
                        spec.source());
            }
            backend = engine();
        } catch (RuntimeException | Error e) {
            loadFailure = e;
            LOG.error("loading the models failed", e);
        } finally {
            loaded.countDown();
        }
    }

    private static String engine() {
        try {
            ai.djl.engine.Engine e = ai.djl.engine.Engine.getInstance();
            return "DJL " + e.getEngineName() + " " + e.getVersion() + " (CPU, float32)";
        } catch (RuntimeException e) {
            return "DJL";
        }
    }

    // ------------------------------------------------------------------ routes

    private void routes() {
        app.before(ctx -> {
            ctx.attribute("t0", System.nanoTime());
            String p = ctx.path();
            if (tokenDigest != null && (p.startsWith("/v1/") || p.equals("/v1") || p.equals("/metrics"))) {
                authorize(ctx);
            }
        });
        app.after(ctx -> {
            Long t0 = ctx.attribute("t0");
            String endpoint;
            try {
                endpoint = ctx.endpointHandlerPath();
            } catch (RuntimeException e) {
                endpoint = "unmatched";
            }
            if (endpoint == null || endpoint.isEmpty() || endpoint.equals("*")) {
                endpoint = "unmatched";
            }
            metrics.request(ctx.method().name(), endpoint, ctx.statusCode(),
                    t0 == null ? 0 : System.nanoTime() - t0);
        });
        app.exception(ApiError.class, (e, ctx) -> error(ctx, e));
        app.exception(HttpResponseException.class, (e, ctx) -> error(ctx, new ApiError(e.getStatus(), null,
                e.getMessage(), e.getStatus() == 404 ? "see /openapi.json for the endpoints" : "see /openapi.json")));
        app.exception(Exception.class, (e, ctx) -> internal(ctx, e));
        app.error(404, ctx -> {
            if (ctx.result() == null) {
                error(ctx, new ApiError(404, null, "no endpoint " + ctx.method() + " " + ctx.path(),
                        "see /openapi.json for the endpoints"));
            }
        });

        app.get("/health/live", ctx -> json(ctx, 200, Map.of("status", "live")));
        app.get("/health/ready", this::ready);
        app.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.scrape()));
        app.get("/openapi.json", ctx -> {
            try (InputStream in = Beit3Server.class.getResourceAsStream("openapi.json")) {
                ctx.contentType(JSON).result(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        });
        app.get("/v1/models", ctx -> guarded(ctx, () -> json(ctx, 200, Map.of("models", describeAll()))));
        app.get("/v1/models/{name}", ctx -> guarded(ctx, () -> json(ctx, 200, describe(model(ctx, null)))));
        app.post("/v1/models/{name}/embed", ctx -> guarded(ctx, () -> embed(ctx)));
        app.post("/v1/models/{name}/similarity", ctx -> guarded(ctx, () -> similarity(ctx)));
        app.post("/v1/models/{name}/classify", ctx -> guarded(ctx, () -> classify(ctx)));
        app.post("/v1/models/{name}/vqa", ctx -> guarded(ctx, () -> vqa(ctx)));
        app.post("/v1/models/{name}/nlvr2", ctx -> guarded(ctx, () -> nlvr2(ctx)));
        app.post("/v1/models/{name}/caption", ctx -> guarded(ctx, () -> caption(ctx)));
    }

    private void authorize(Context ctx) {
        String h = ctx.header("Authorization");
        String given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
        // compare digests: constant time, and independent of the token's length
        if (given == null || !MessageDigest.isEqual(sha256(given), tokenDigest)) {
            ctx.header("WWW-Authenticate", "Bearer");
            throw new ApiError(401, "Authorization", given == null ? "this server needs a bearer token"
                    : "the bearer token is wrong", "send the header 'Authorization: Bearer <token>'");
        }
    }

    private void ready(Context ctx) {
        if (!accepting) {
            json(ctx, 503, Map.of("status", "shutting down"));
        } else if (loaded.getCount() > 0) {
            ctx.header("Retry-After", "1");
            json(ctx, 503, ordered("status", "loading", "loaded", models.size(), "models", specs.size()));
        } else if (loadFailure != null) {
            json(ctx, 503, ordered("status", "failed", "error", String.valueOf(loadFailure.getMessage())));
        } else {
            json(ctx, 200, ordered("status", "ready", "models", models.size()));
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    /** Counts the request as in flight, unless a shutdown began (then 503). */
    private void guarded(Context ctx, Body body) throws Exception {
        inFlight.incrementAndGet();
        try {
            if (!accepting) {
                throw new ApiError(503, null, "the server is shutting down", "retry on another instance", 1);
            }
            body.run();
        } finally {
            inFlight.decrementAndGet();
        }
    }

    // ------------------------------------------------------------------ endpoints

    private ServedModel model(Context ctx, String endpoint) {
        String name = ctx.pathParam("name");
        ServedModel m = models.get(name);
        if (m == null) {
            boolean known = specs.stream().anyMatch(s -> s.name().equals(name));
            if (known && loadFailure == null) {
                throw new ApiError(503, "name", "model '" + name + "' is still loading", "retry shortly", 1);
            }
            throw new ApiError(404, "name", "no model named '" + name + "'", "use one of "
                    + specs.stream().map(ModelSpec::name).toList() + " (GET /v1/models)");
        }
        if (endpoint != null && !m.endpoints().contains(endpoint)) {
            List<String> fit = new ArrayList<>();
            for (ServedModel o : models.values()) {
                if (o.endpoints().contains(endpoint)) {
                    fit.add(o.name);
                }
            }
            throw ApiError.badRequest("name", "model '" + name + "' has the " + m.model.headId() + " head, which does"
                    + " not serve /" + endpoint + " (it serves " + m.endpoints() + ")", fit.isEmpty()
                    ? "load a model with a " + headFor(endpoint) + " head"
                    : "use /v1/models/" + fit.get(0) + "/" + endpoint);
        }
        return m;
    }

    private static String headFor(String endpoint) {
        for (Map.Entry<String, List<String>> e : ServedModel.ENDPOINTS.entrySet()) {
            if (e.getValue().contains(endpoint)) {
                return e.getKey();
            }
        }
        return "matching";
    }

    private void embed(Context ctx) {
        ServedModel m = model(ctx, "embed");
        Requests.Body b = requests.read(ctx, m.model.imagePreprocessor(), Set.of("images", "texts"));
        boolean hasImages = b.has("images");
        boolean hasTexts = b.has("texts");
        if (!hasImages && !hasTexts) {
            throw ApiError.badRequest("images", "give 'images' or 'texts' (or both)",
                    "send {\"texts\": [\"a red circle\"]} or {\"images\": [\"<base64 of the file>\"]}");
        }
        refuseIfFull(m, hasImages ? m.imageEmbeddings : null, hasTexts ? m.textEmbeddings : null);
        long deadline = deadline();
        CompletableFuture<List<float[]>> fi;
        CompletableFuture<List<float[]>> ft;
        try (Batcher.Arrival ai = arrive(m.imageEmbeddings, hasImages);
                Batcher.Arrival at = arrive(m.textEmbeddings, hasTexts)) {
            List<RgbImage> images = hasImages ? b.images("images") : null;
            List<String> texts = hasTexts ? b.texts("texts") : null;
            fi = images == null ? null : submit(m, m.imageEmbeddings, "", images);
            ft = texts == null ? null : submit(m, m.textEmbeddings, "", texts);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        id(out, b);
        if (fi != null && ft != null) {
            out.put("image_embeddings", await(m, fi, deadline, "images"));
            out.put("text_embeddings", await(m, ft, deadline, "texts"));
        } else {
            out.put("embeddings", fi != null ? await(m, fi, deadline, "images") : await(m, ft, deadline, "texts"));
        }
        json(ctx, 200, out);
    }

    private void similarity(Context ctx) {
        ServedModel m = model(ctx, "similarity");
        refuseIfFull(m, m.imageEmbeddings, m.textEmbeddings);
        Requests.Body b = requests.read(ctx, m.model.imagePreprocessor(), Set.of("images", "texts"));
        long deadline = deadline();
        CompletableFuture<List<float[]>> fi;
        CompletableFuture<List<float[]>> ft;
        try (Batcher.Arrival ai = arrive(m.imageEmbeddings, true); Batcher.Arrival at = arrive(m.textEmbeddings, true)) {
            List<RgbImage> images = b.images("images");
            List<String> texts = b.texts("texts");
            fi = submit(m, m.imageEmbeddings, "", images);
            ft = submit(m, m.textEmbeddings, "", texts);
        }
        float[][] scores = Beit3.similarity(await(m, fi, deadline, "images").toArray(new float[0][]),
                await(m, ft, deadline, "texts").toArray(new float[0][]));
        Map<String, Object> out = new LinkedHashMap<>();
        id(out, b);
        out.put("scores", scores);
        json(ctx, 200, out);
    }

    private void classify(Context ctx) {
        ServedModel m = model(ctx, "classify");
        refuseIfFull(m, m.classes, null);
        Requests.Body b = requests.read(ctx, m.model.imagePreprocessor(), Set.of("images", "top_k"));
        int k = b.integer("top_k", 5, 1, Math.max(1, m.model.labels().isEmpty() ? 1000 : m.model.labels().size()));
        long deadline = deadline();
        CompletableFuture<List<Classification>> f;
        try (Batcher.Arrival a = arrive(m.classes, true)) {
            f = submit(m, m.classes, k, b.images("images"));
        }
        List<Classification> res = await(m, f, deadline, "images");
        List<Object> list = new ArrayList<>();
        for (Classification c : res) {
            list.add(ordered("label", c.top().get(0).label(), "top", labels(c.top(), "label")));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        id(out, b);
        out.put("classifications", list);
        json(ctx, 200, out);
    }

    private void vqa(Context ctx) {
        ServedModel m = model(ctx, "vqa");
        refuseIfFull(m, m.answers, null);
        Requests.Body b = requests.read(ctx, m.model.imagePreprocessor(), Set.of("image", "images", "question", "questions", "top_k"));
        long deadline = deadline();
        List<ServedModel.Question> items = new ArrayList<>();
        CompletableFuture<List<Answer>> f;
        try (Batcher.Arrival arrival = arrive(m.answers, true)) {
            if (b.has("images") && (b.has("image") || b.has("question")) || b.has("question") && b.has("questions")) {
                throw ApiError.badRequest(b.has("images") ? "images" : "question", "give either 'image' with"
                        + " 'question' or 'questions', or 'images' with 'questions'",
                        "send one of the two forms (see /openapi.json)");
            }
            if (b.has("image")) {
                RgbImage img = b.image("image");
                List<String> qs = b.has("questions") ? b.texts("questions") : List.of(b.text("question"));
                qs.forEach(q -> items.add(new ServedModel.Question(img, q)));
            } else {
                List<RgbImage> imgs = b.images("images");
                List<String> qs = b.texts("questions", false);
                if (imgs.size() != qs.size()) {
                    throw ApiError.badRequest("questions", imgs.size() + " images but " + qs.size() + " questions",
                            "give one question per image, or one 'image' with several 'questions'");
                }
                for (int i = 0; i < imgs.size(); i++) {
                    items.add(new ServedModel.Question(imgs.get(i), qs.get(i)));
                }
            }
            int k = b.integer("top_k", 5, 1,
                    Math.max(1, m.model.labels().isEmpty() ? 10_000 : m.model.labels().size()));
            f = submit(m, m.answers, k, items);
        }
        List<Answer> res = await(m, f, deadline, "questions");
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < res.size(); i++) {
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("question", items.get(i).question());
            a.put("answer", res.get(i).answer());
            a.put("top", labels(res.get(i).top(), "answer"));
            list.add(a);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        id(out, b);
        out.put("answers", list);
        json(ctx, 200, out);
    }

    private void nlvr2(Context ctx) {
        ServedModel m = model(ctx, "nlvr2");
        refuseIfFull(m, m.verdicts, null);
        Requests.Body b = requests.read(ctx, m.model.imagePreprocessor(), Set.of("left", "right", "sentences"));
        long deadline = deadline();
        List<String> sentences;
        CompletableFuture<List<Verdict>> f;
        try (Batcher.Arrival arrival = arrive(m.verdicts, true)) {
            List<RgbImage> left = b.images("left");
            List<RgbImage> right = b.images("right", false);
            sentences = b.texts("sentences", false);
            if (left.size() != right.size() || left.size() != sentences.size()) {
                throw ApiError.badRequest("sentences", left.size() + " left images, " + right.size()
                        + " right images and " + sentences.size() + " sentences", "give one left image, one right"
                        + " image and one sentence per pair");
            }
            List<ServedModel.Pair> items = new ArrayList<>();
            for (int i = 0; i < left.size(); i++) {
                items.add(new ServedModel.Pair(left.get(i), right.get(i), sentences.get(i)));
            }
            f = submit(m, m.verdicts, "", items);
        }
        List<Verdict> res = await(m, f, deadline, "sentences");
        List<Object> list = new ArrayList<>();
        for (int i = 0; i < res.size(); i++) {
            Map<String, Object> v = new LinkedHashMap<>();
            v.put("sentence", sentences.get(i));
            v.put("true", res.get(i).holds());
            v.put("probability_true", res.get(i).probabilityTrue());
            list.add(v);
        }
        Map<String, Object> out = new LinkedHashMap<>();
        id(out, b);
        out.put("verdicts", list);
        json(ctx, 200, out);
    }

    private void caption(Context ctx) {
        ServedModel m = model(ctx, "caption");
        refuseIfFull(m, m.captions, null);
        Requests.Body b = requests.read(ctx, m.model.imagePreprocessor(), Set.of("images", "beam_size", "max_length"));
        int beams = b.integer("beam_size", m.model.decoding().beams(), 1, 16);
        int max = b.integer("max_length", m.model.decoding().maxLength(), 3, m.model.maxTextLength());
        long deadline = deadline();
        CompletableFuture<List<Caption>> f;
        try (Batcher.Arrival arrival = arrive(m.captions, true)) {
            f = submit(m, m.captions, m.decoding(beams, max), b.images("images"));
        }
        List<Caption> res = await(m, f, deadline, "images");
        List<Object> list = new ArrayList<>();
        for (Caption c : res) {
            list.add(ordered("caption", c.text(), "score", c.score()));
        }
        Map<String, Object> out = new LinkedHashMap<>();
        id(out, b);
        out.put("captions", list);
        json(ctx, 200, out);
    }

    private static List<Object> labels(List<Label> top, String name) {
        List<Object> out = new ArrayList<>();
        for (Label l : top) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put(name, l.label());
            e.put("index", l.index());
            e.put("logit", l.logit());
            e.put("probability", l.probability());
            out.add(e);
        }
        return out;
    }

    private static void id(Map<String, Object> out, Requests.Body b) {
        String id = b.id();
        if (id != null) {
            out.put("id", id);
        }
    }

    // ------------------------------------------------------------------ batching and waiting

    /**
     * Refuses at once (429, or 503 when closing) when a queue the request needs is full, before its body is
     * read or its images decoded: under overload a refusal must cost almost nothing.
     */
    private void refuseIfFull(ServedModel m, Batcher<?, ?> a, Batcher<?, ?> b) {
        Batcher<?, ?> full = a != null && a.full() ? a : b != null && b.full() ? b : null;
        if (full != null) {
            boolean closing = !accepting;
            metrics.rejected(m.name, closing ? "shutting_down" : "queue_full");
            throw closing ? new ApiError(503, null, "the server is shutting down", "retry on another instance", 1)
                    : new ApiError(429, null, "the " + m.name + " queue is full (" + full.queued()
                    + " requests waiting)", "retry after the Retry-After seconds, or send fewer concurrent requests",
                    1);
        }
    }

    private static Batcher.Arrival arrive(Batcher<?, ?> b, boolean on) {
        return on ? b.arrive() : () -> {};
    }

    private long deadline() {
        return System.nanoTime() + settings.requestTimeout().toNanos();
    }

    private <I, R> CompletableFuture<List<R>> submit(ServedModel m, Batcher<I, R> b, Object key, List<I> items) {
        try {
            return b.submit(key, items);
        } catch (Batcher.Rejected e) {
            metrics.rejected(m.name, e.closing ? "shutting_down" : "queue_full");
            throw e.closing ? new ApiError(503, null, e.getMessage(), "retry on another instance", 1)
                    : new ApiError(429, null, e.getMessage(), "retry after the Retry-After seconds, or send fewer"
                    + " concurrent requests", 1);
        }
    }

    private <R> List<R> await(ServedModel m, CompletableFuture<List<R>> f, long deadline, String field) {
        try {
            return f.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(false);
            metrics.rejected(m.name, "timeout");
            throw new ApiError(503, null, "the request did not finish within " + settings.requestTimeout().toMillis()
                    + " ms", "retry later or with fewer items", 1);
        } catch (CancellationException e) {
            throw new ApiError(503, null, "the request was cancelled", "retry", 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiError(503, null, "the server was interrupted", "retry", 1);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof Batcher.Rejected r) {
                throw new ApiError(503, null, r.getMessage(), "retry on another instance", 1);
            }
            if (c instanceof ModelClosedException) {
                throw new ApiError(503, null, "the model is closed (the server is shutting down)", "retry", 1);
            }
            if (c instanceof InvalidInputException bad) {
                throw ApiError.badRequest(field, bad.getMessage(), "correct the " + field + " and send again");
            }
            throw new InternalError(c);
        }
    }

    /** A model failure the client did not cause; answered 500 with an id that is in the log. */
    private static final class InternalError extends RuntimeException {
        private static final long serialVersionUID = 1L;

        InternalError(Throwable cause) {
            super(cause);
        }
    }

    // ------------------------------------------------------------------ responses

    private Map<String, Object> describe(ServedModel m) {
        Beit3 b = m.model;
        Provenance p = b.provenance();
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("name", m.name);
        d.put("head", b.headId());
        d.put("endpoints", m.endpoints());
        d.put("source", m.source);
        d.put("image_size", b.config().imageSize());
        d.put("dim", b.config().dim());
        d.put("layers", b.config().layers());
        d.put("attention_heads", b.config().heads());
        d.put("max_text_length", b.maxTextLength());
        d.put("labels", b.labels().size());
        d.put("kernel_backend", backend);
        d.put("load_seconds", m.loadTime.toNanos() / 1e9);
        Map<String, Object> prov = new LinkedHashMap<>();
        prov.put("checkpoint", p.checkpoint());
        prov.put("sha256", p.checkpointSha256());
        prov.put("config", p.config());
        prov.put("head", p.head());
        prov.put("tokenizer", p.tokenizer());
        prov.put("notes", p.notes());
        prov.put("library_version", p.libraryVersion());
        d.put("provenance", prov);
        d.put("batching", ordered("max_batch", settings.maxBatch(), "max_delay_ms", settings.maxDelay().toMillis(),
                "workers", settings.workers(), "queue_capacity", settings.queueCapacity()));
        return d;
    }

    private List<Object> describeAll() {
        List<Object> out = new ArrayList<>();
        for (ModelSpec s : specs) {
            ServedModel m = models.get(s.name());
            if (m != null) {
                out.add(describe(m));
            } else {
                out.add(ordered("name", s.name(), "source", s.source(), "status", loadFailure != null ? "failed"
                        : "loading"));
            }
        }
        return out;
    }

    /** A JSON object with its keys in the given order. */
    private static Map<String, Object> ordered(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }

    private static void json(Context ctx, int status, Object body) {
        ctx.status(status).contentType(JSON).result(GSON.toJson(body));
    }

    private static void error(Context ctx, ApiError e) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", e.getMessage());
        if (e.field != null) {
            body.put("field", e.field);
        }
        if (e.fix != null) {
            body.put("fix", e.fix);
        }
        if (e.retryAfterSeconds != null) {
            ctx.header("Retry-After", String.valueOf(e.retryAfterSeconds));
        }
        json(ctx, e.status, body);
    }

    private static void internal(Context ctx, Exception e) {
        String id = UUID.randomUUID().toString();
        Throwable c = e instanceof InternalError && e.getCause() != null ? e.getCause() : e;
        LOG.error("internal error {} on {} {}", id, ctx.method(), ctx.path(), c);
        json(ctx, 500, ordered("error", "internal error", "id", id,
                "fix", "report it with this id; the server log has the details"));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ------------------------------------------------------------------ shutdown

    /**
     * Graceful shutdown: refuses new requests (503), waits up to {@link ServeSettings#drainTimeout()} for the
     * ones in flight, stops the HTTP server, then closes the models. Idempotent; safe from a shutdown hook.
     */
    @Override
    public void close() {
        synchronized (closeLock) {
            if (closed) {
                return;
            }
            accepting = false;
            long end = System.nanoTime() + settings.drainTimeout().toNanos();
            while (inFlight.get() > 0 && System.nanoTime() < end) {
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (inFlight.get() > 0) {
                LOG.warn("shutdown: {} requests still running after {}; stopping anyway", inFlight.get(),
                        settings.drainTimeout());
            }
            app.stop();
            try {
                loaded.await(settings.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            for (ServedModel m : models.values()) {
                m.drain(Duration.ofSeconds(5));
                m.close();
            }
            metrics.close();
            closed = true;
        }
    }

    /**
     * Whether {@link #close()} has finished.
     *
     * @return true once closed
     */
    public boolean isClosed() {
        return closed;
    }

    @Override
    public String toString() {
        return "Beit3Server[" + url() + ", models " + specs.stream().map(ModelSpec::name).toList() + ", " + settings
                + "]";
    }
}
