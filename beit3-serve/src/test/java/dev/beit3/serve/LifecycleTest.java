package dev.beit3.serve;

import static dev.beit3.serve.Http.b64;
import static dev.beit3.serve.Http.floats;
import static dev.beit3.serve.Http.maxDiff;
import static dev.beit3.serve.Http.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonArray;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import dev.beit3.model.Verdict;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness, authentication, graceful shutdown and the model configuration file. */
class LifecycleTest {
    /** The project's own fixtures: these tests need one small NLVR2 checkpoint, not the set parity reads. */
    static final Path FIXTURES = Path.of("../testdata/fixtures");
    final Gate gate = new Gate();
    final Gate loading = new Gate();
    Beit3Server server;

    @AfterEach
    void stop() {
        gate.open();
        loading.open();
        if (server != null) {
            server.close();
        }
    }

    @Test
    void readyOnlyOnceTheModelsAreLoaded() throws Exception {
        loading.arm();
        server = Beit3Server.start(ServeSettings.defaults(), ModelSpec.fromPackage(Http.DEMO),
                new Beit3Server.Hooks(loading, () -> {}));
        Http http = new Http(server.url());
        loading.awaitEntered();
        assertThat(http.get("/health/live").status()).isEqualTo(200);
        Http.Reply notYet = http.get("/health/ready");
        assertThat(notYet.status()).isEqualTo(503);
        assertThat(notYet.json().get("status").getAsString()).isEqualTo("loading");
        Http.Reply early = http.post("/v1/models/retrieval/embed", "{\"texts\": [\"a red circle\"]}");
        assertThat(early.status()).isEqualTo(503);
        assertThat(early.header("Retry-After")).isEqualTo("1");
        assertThat(server.isReady()).isFalse();
        loading.open();
        server.awaitReady(Duration.ofMinutes(2));
        assertThat(server.isReady()).isTrue();
        assertThat(http.get("/health/ready").status()).isEqualTo(200);
        assertThat(http.post("/v1/models/retrieval/embed", "{\"texts\": [\"a red circle\"]}").status())
                .isEqualTo(200);
    }

    @Test
    void aBearerTokenGuardsTheApiAndTheMetricsButNotHealth() {
        server = Beit3Server.start(ServeSettings.defaults().withToken("s3cret-token"),
                ModelSpec.fromPackage(Http.DEMO));
        server.awaitReady(Duration.ofMinutes(2));
        Http none = new Http(server.url());
        Http wrong = new Http(server.url(), "s3cret-tokem");
        Http right = new Http(server.url(), "s3cret-token");
        String body = "{\"texts\": [\"a red circle\"]}";
        Http.Reply r = none.post("/v1/models/retrieval/embed", body);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
        assertThat(r.json().get("field").getAsString()).isEqualTo("Authorization");
        assertThat(wrong.post("/v1/models/retrieval/embed", body).status()).isEqualTo(401);
        assertThat(none.get("/v1/models").status()).isEqualTo(401);
        assertThat(none.get("/metrics").status()).isEqualTo(401);
        assertThat(right.post("/v1/models/retrieval/embed", body).status()).isEqualTo(200);
        assertThat(right.get("/metrics").status()).isEqualTo(200);
        assertThat(none.get("/health/live").status()).isEqualTo(200);
        assertThat(none.get("/health/ready").status()).isEqualTo(200);
    }

    @Test
    void withoutATokenTheApiIsOpenAndItListensOnLoopbackOnly() {
        server = Beit3Server.start(ServeSettings.defaults(), ModelSpec.fromPackage(Http.DEMO));
        server.awaitReady(Duration.ofMinutes(2));
        assertThat(server.url()).startsWith("http://127.0.0.1:");
        Http.Reply r = new Http(server.url()).post("/v1/models/retrieval/embed", "{\"texts\": [\"a red circle\"]}");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Access-Control-Allow-Origin")).isNull();
    }

    @Test
    void shutdownRefusesNewRequestsAndFinishesTheOnesInFlight() throws Exception {
        server = Beit3Server.start(ServeSettings.defaults(), ModelSpec.fromPackage(Http.DEMO),
                new Beit3Server.Hooks(() -> {}, gate));
        server.awaitReady(Duration.ofMinutes(2));
        Http http = new Http(server.url());
        gate.arm();
        CompletableFuture<Http.Reply> inFlight = http.postAsync("/v1/models/retrieval/embed",
                "{\"texts\": [\"a red circle\"]}");
        gate.awaitEntered();
        Beit3Server s = server;
        CompletableFuture<Void> closing = CompletableFuture.runAsync(s::close);
        Gate.waitFor(() -> !s.accepting());
        Http.Reply refused = http.post("/v1/models/retrieval/embed", "{\"texts\": [\"too late\"]}");
        assertThat(refused.status()).isEqualTo(503);
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(http.get("/health/ready").status()).isEqualTo(503);
        assertThat(closing).isNotDone();
        assertThat(s.isClosed()).isFalse();
        gate.open();
        Http.Reply done = inFlight.get();
        assertThat(done.status()).as(done.body()).isEqualTo(200);
        closing.get();
        assertThat(s.isClosed()).isTrue();
        try (Beit3 lib = ModelPackage.open(Http.DEMO).builder("retrieval").build()) {
            assertThat(maxDiff(floats(done.json().getAsJsonArray("embeddings").get(0)),
                    lib.embedTexts(List.of("a red circle"))[0])).isLessThan(1e-5);
        }
        assertThatThrownBy(() -> http.get("/health/live")).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void aYamlConfigurationServesSeveralNamedModelsIncludingNlvr2(@TempDir Path dir) throws Exception {
        Path nlvr2 = FIXTURES.resolve("models/nlvr2/nlvr2.pth").toAbsolutePath();
        Path spm = Path.of("../models/demo/shapes.spm").toAbsolutePath(); // 102 ids: fits the fixture's 1000 rows
        Path config = dir.resolve("models.yaml");
        Files.writeString(config, "models:\n"
                + "  - name: shapes-search\n    package: " + Http.DEMO.toAbsolutePath() + "\n    task: retrieval\n"
                + "  - name: tiny-nlvr2\n    checkpoint: " + nlvr2 + "\n    tokenizer: " + spm
                + "\n    attention_heads: 4\n    max_text_length: 16\n");
        server = Beit3Server.start(ServeSettings.defaults(), ModelConfig.read(config));
        server.awaitReady(Duration.ofMinutes(2));
        Http http = new Http(server.url());
        assertThat(http.get("/v1/models").json().getAsJsonArray("models")).hasSize(2);
        assertThat(http.post("/v1/models/shapes-search/embed", "{\"texts\": [\"a red circle\"]}").status())
                .isEqualTo(200);
        List<String> sentences = List.of("There is a red circle.", "two shapes");
        Http.Reply r = http.post("/v1/models/tiny-nlvr2/nlvr2", "{\"left\": [\"" + b64(sample(0)) + "\", \""
                + b64(sample(6)) + "\"], \"right\": [\"" + b64(sample(1)) + "\", \"" + b64(sample(7))
                + "\"], \"sentences\": [\"" + sentences.get(0) + "\", \"" + sentences.get(1) + "\"]}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonArray verdicts = r.json().getAsJsonArray("verdicts");
        try (Beit3 lib = Beit3.builder().checkpoint(nlvr2).tokenizer(spm).attentionHeads(4).maxTextLength(16)
                .build()) {
            List<Verdict> want = lib.verify(
                    List.of(lib.readImage(Http.IMAGES.resolve(sample(0))), lib.readImage(Http.IMAGES.resolve(sample(6)))),
                    List.of(lib.readImage(Http.IMAGES.resolve(sample(1))), lib.readImage(Http.IMAGES.resolve(sample(7)))),
                    sentences);
            for (int i = 0; i < 2; i++) {
                double p = verdicts.get(i).getAsJsonObject().get("probability_true").getAsDouble();
                System.out.printf("nlvr2 %s: %s p=%.6f, library %.6f%n", sentences.get(i),
                        verdicts.get(i).getAsJsonObject().get("true"), p, want.get(i).probabilityTrue());
                assertThat(verdicts.get(i).getAsJsonObject().get("true").getAsBoolean()).isEqualTo(want.get(i).holds());
                assertThat(p).isCloseTo(want.get(i).probabilityTrue(), org.assertj.core.data.Offset.offset(1e-6));
            }
        }
    }

    @Test
    void aBadConfigurationNamesTheEntryAndTheFix(@TempDir Path dir) throws Exception {
        Path config = dir.resolve("models.json");
        Files.writeString(config, "{\"models\": [{\"name\": \"x\", \"task\": \"retrieval\"}]}");
        assertThatThrownBy(() -> ModelConfig.read(config)).hasMessageContaining("models[0]")
                .hasMessageContaining("exactly one of 'package'");
        Files.writeString(config, "{\"models\": [{\"name\": \"x\", \"package\": \"" + Http.DEMO.toAbsolutePath()
                + "\", \"tsak\": \"retrieval\"}]}");
        assertThatThrownBy(() -> ModelConfig.read(config)).hasMessageContaining("unknown key 'tsak'");
        // a model that fails to load: never ready, the failure is reported
        Files.writeString(config, "{\"models\": [{\"name\": \"x\", \"checkpoint\": \""
                + FIXTURES.resolve("models/nlvr2/nlvr2.pth").toAbsolutePath() + "\", \"tokenizer\": \""
                + FIXTURES.resolve("tokenizer/test_unigram_nfkc.spm").toAbsolutePath() + "\"}]}");
        server = Beit3Server.start(ServeSettings.defaults(), ModelConfig.read(config));
        assertThatThrownBy(() -> server.awaitReady(Duration.ofMinutes(2))).hasMessageContaining("1502 ids");
        Http.Reply r = new Http(server.url()).get("/health/ready");
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.json().get("status").getAsString()).isEqualTo("failed");
        assertThat(server.isReady()).isFalse();
    }
}
