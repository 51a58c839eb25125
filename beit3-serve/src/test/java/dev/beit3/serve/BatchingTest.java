package dev.beit3.serve;

import static dev.beit3.serve.Http.b64;
import static dev.beit3.serve.Http.floats;
import static dev.beit3.serve.Http.maxDiff;
import static dev.beit3.serve.Http.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.beit3.model.Beit3;
import dev.beit3.model.Caption;
import dev.beit3.model.ModelPackage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Dynamic batching and backpressure, made deterministic by holding the worker at a gate: requests that
 * share a batch get what single calls give; a full queue answers 429; a slow request 503; a failure 500.
 */
class BatchingTest {
    final Gate gate = new Gate();
    Beit3Server server;
    Http http;

    void start(ServeSettings s) {
        server = Beit3Server.start(s, ModelSpec.fromPackage(Http.DEMO), new Beit3Server.Hooks(() -> {}, gate));
        server.awaitReady(Duration.ofMinutes(2));
        http = new Http(server.url());
    }

    @AfterEach
    void stop() {
        gate.open();
        if (server != null) {
            server.close();
        }
    }

    static double metric(String scrape, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + " (\\S+)$").matcher(scrape);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    @Test
    void textsOfDifferentLengthsBatchedTogetherEqualSingleCalls() throws Exception {
        start(ServeSettings.defaults().withBatching(64, Duration.ofMillis(50), 64));
        List<String> texts = List.of("a red circle", "two", "a small blue triangle in the center and a large red"
                + " triangle on the right", "a large yellow square on the left and a small green circle at the top and"
                + " more words than the twenty token slots of the demo model can hold", "squares", "a shape on the"
                + " right", "A purple square at the bottom", "circle circle circle");
        gate.arm();
        CompletableFuture<Http.Reply> first = http.postAsync("/v1/models/retrieval/embed", "{\"texts\": [\"first\"]}");
        gate.awaitEntered();
        List<CompletableFuture<Http.Reply>> replies = new ArrayList<>();
        for (String t : texts) {
            replies.add(http.postAsync("/v1/models/retrieval/embed", "{\"texts\": [\"" + t + "\"]}"));
        }
        Gate.waitFor(() -> server.queued("retrieval", "embed-text") == texts.size());
        gate.open();
        assertThat(first.get().status()).isEqualTo(200);
        try (Beit3 lib = ModelPackage.open(Http.DEMO).builder("retrieval").build()) {
            for (int i = 0; i < texts.size(); i++) {
                Http.Reply r = replies.get(i).get();
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                float[] single = lib.embedTexts(List.of(texts.get(i)))[0];
                double d = maxDiff(floats(r.json().getAsJsonArray("embeddings").get(0)), single);
                System.out.printf("batched text %-60.60s vs single call: max diff %.2e%n", texts.get(i), d);
                assertThat(d).isLessThan(1e-5);
            }
        }
        String scrape = http.get("/metrics").body();
        // two model calls: the first request alone, then the eight queued ones as one batch of 8
        assertThat(metric(scrape, "beit3_batch_size_items_count{model=\"retrieval\",task=\"embed-text\"}"))
                .isEqualTo(2.0);
        assertThat(metric(scrape, "beit3_batch_size_items_sum{model=\"retrieval\",task=\"embed-text\"}"))
                .isEqualTo(1.0 + texts.size());
    }

    @Test
    void captionsWithDifferentBeamSizesShareABatchAndEqualSingleCalls() throws Exception {
        start(ServeSettings.defaults().withBatching(64, Duration.ofMillis(50), 64));
        gate.arm();
        CompletableFuture<Http.Reply> first = http.postAsync("/v1/models/captioning/caption", "{\"images\": [\""
                + b64(sample(0)) + "\"]}");
        gate.awaitEntered();
        int[] beams = {1, 3, 1, 3, 2, 3};
        List<CompletableFuture<Http.Reply>> replies = new ArrayList<>();
        for (int i = 0; i < beams.length; i++) {
            replies.add(http.postAsync("/v1/models/captioning/caption", "{\"images\": [\"" + b64(sample(i + 6))
                    + "\"], \"beam_size\": " + beams[i] + "}"));
        }
        Gate.waitFor(() -> server.queued("captioning", "caption") == beams.length);
        gate.open();
        assertThat(first.get().status()).isEqualTo(200);
        try (Beit3 lib = ModelPackage.open(Http.DEMO).builder("captioning").build()) {
            for (int i = 0; i < beams.length; i++) {
                Http.Reply r = replies.get(i).get();
                assertThat(r.status()).as(r.body()).isEqualTo(200);
                var d = lib.decoding();
                Caption want = lib.caption(List.of(lib.readImage(Http.IMAGES.resolve(sample(i + 6)))),
                        new dev.beit3.api.CaptioningHead.Decoding(beams[i], d.maxLength(), d.lengthPenalty(),
                                d.maskId(), d.clsId(), d.padId(), d.eosId())).get(0);
                JsonObject c = r.json().getAsJsonArray("captions").get(0).getAsJsonObject();
                System.out.printf("batched caption %s beams %d: %s (score diff %.2e)%n", sample(i + 6), beams[i],
                        c.get("caption").getAsString(), Math.abs(c.get("score").getAsDouble() - want.score()));
                assertThat(c.get("caption").getAsString()).isEqualTo(want.text());
                assertThat(c.get("score").getAsDouble()).isCloseTo(want.score(),
                        org.assertj.core.data.Offset.offset(1e-5));
            }
        }
        String scrape = http.get("/metrics").body();
        // the first alone, then one call per beam size (1, 3, 2) of the six batched requests
        assertThat(metric(scrape, "beit3_batch_size_items_count{model=\"captioning\",task=\"caption\"}"))
                .isEqualTo(4.0);
    }

    @Test
    void aFullQueueAnswers429WithRetryAfterAndNothingIsLost() throws Exception {
        start(ServeSettings.defaults().withBatching(1, Duration.ZERO, 2));
        gate.arm();
        CompletableFuture<Http.Reply> running = http.postAsync("/v1/models/retrieval/embed",
                "{\"texts\": [\"running\"]}");
        gate.awaitEntered();
        CompletableFuture<Http.Reply> q1 = http.postAsync("/v1/models/retrieval/embed", "{\"texts\": [\"queued 1\"]}");
        CompletableFuture<Http.Reply> q2 = http.postAsync("/v1/models/retrieval/embed", "{\"texts\": [\"queued 2\"]}");
        Gate.waitFor(() -> server.queued("retrieval", "embed-text") == 2);
        Http.Reply refused = http.post("/v1/models/retrieval/embed", "{\"texts\": [\"one too many\"]}");
        System.out.println(refused.status() + " Retry-After: " + refused.header("Retry-After") + " " + refused.body());
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(refused.json().get("error").getAsString()).contains("queue is full");
        // other tasks have their own queue
        assertThat(http.post("/v1/models/vqa/vqa", "{\"image\": \"" + b64(sample(0))
                + "\", \"question\": \"what shape is it?\"}").status()).isEqualTo(200);
        gate.open();
        assertThat(running.get().status()).isEqualTo(200);
        assertThat(q1.get().status()).isEqualTo(200);
        assertThat(q2.get().status()).isEqualTo(200);
        assertThat(metric(http.get("/metrics").body(),
                "beit3_rejected_requests_total{model=\"retrieval\",reason=\"queue_full\"}")).isEqualTo(1.0);
    }

    @Test
    void aRequestOverItsTimeoutAnswers503AndIsDropped() throws Exception {
        start(ServeSettings.defaults().withBatching(1, Duration.ZERO, 8)
                .withLimits(Duration.ofMillis(300), 16L << 20, 64, 10_000, 89_478_485L));
        gate.arm();
        CompletableFuture<Http.Reply> stuck = http.postAsync("/v1/models/retrieval/embed", "{\"texts\": [\"stuck\"]}");
        gate.awaitEntered();
        Http.Reply waiting = http.post("/v1/models/retrieval/embed", "{\"texts\": [\"waiting\"]}");
        assertThat(waiting.status()).isEqualTo(503);
        assertThat(waiting.header("Retry-After")).isEqualTo("1");
        assertThat(stuck.get().status()).isEqualTo(503);
        gate.open();
        Http.Reply after = http.post("/v1/models/retrieval/embed", "{\"texts\": [\"after\"]}");
        assertThat(after.status()).isEqualTo(200);
        // the worker skipped the timed-out queued request: one call for "stuck" (answered late), one for "after"
        Gate.waitFor(() -> metric(http.get("/metrics").body(),
                "beit3_batch_size_items_count{model=\"retrieval\",task=\"embed-text\"}") == 2.0);
    }

    @Test
    void aModelFailureIs500WithAnIdThatIsInTheLog() throws Exception {
        start(ServeSettings.defaults());
        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Http.Reply r;
        gate.fail = new IllegalStateException("simulated native failure");
        System.setErr(new PrintStream(log, true, "UTF-8"));
        try {
            r = http.post("/v1/models/retrieval/embed", "{\"texts\": [\"a red circle\"]}");
        } finally {
            System.setErr(err);
            gate.fail = null;
        }
        System.out.println(r.status() + " " + r.body());
        assertThat(r.status()).isEqualTo(500);
        String id = r.json().get("id").getAsString();
        assertThat(r.body()).doesNotContain("simulated").doesNotContain("IllegalStateException");
        assertThat(log.toString("UTF-8")).contains("internal error " + id).contains("simulated native failure");
        assertThat(http.post("/v1/models/retrieval/embed", "{\"texts\": [\"a red circle\"]}").status()).isEqualTo(200);
    }
}
