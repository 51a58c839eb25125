package dev.beit3.serve;

import static dev.beit3.serve.Http.b64;
import static dev.beit3.serve.Http.floats;
import static dev.beit3.serve.Http.maxDiff;
import static dev.beit3.serve.Http.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.beit3.api.RgbImage;
import dev.beit3.model.Answer;
import dev.beit3.model.Beit3;
import dev.beit3.model.Caption;
import dev.beit3.model.Classification;
import dev.beit3.model.ModelPackage;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every endpoint on the demo models, against the library's own results (the same models loaded in this
 * JVM through the facade) and the reference predictions of {@code models/demo}.
 */
class EndpointsTest {
    static Beit3Server server;
    static Http http;
    static ModelPackage pkg;
    static JsonObject reference;

    @BeforeAll
    static void start() throws Exception {
        server = Beit3Server.start(ServeSettings.defaults(), ModelSpec.fromPackage(Http.DEMO));
        server.awaitReady(Duration.ofMinutes(2));
        http = new Http(server.url());
        pkg = ModelPackage.open(Http.DEMO);
        reference = JsonParser.parseString(Files.readString(Http.DEMO.resolve("reference_predictions.json")))
                .getAsJsonObject();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static String images(List<String> samples) {
        return samples.stream().map(s -> "\"" + b64(s) + "\"").collect(Collectors.joining(",", "[", "]"));
    }

    static String strings(List<String> texts) {
        return texts.stream().map(t -> "\"" + t + "\"").collect(Collectors.joining(",", "[", "]"));
    }

    static List<String> gallery() {
        List<String> out = new ArrayList<>();
        for (JsonElement e : reference.getAsJsonObject("retrieval").getAsJsonArray("gallery")) {
            out.add(e.getAsString().replace("images/", ""));
        }
        return out;
    }

    static List<String> queries() {
        List<String> out = new ArrayList<>();
        for (JsonElement e : reference.getAsJsonObject("retrieval").getAsJsonArray("queries")) {
            out.add(e.getAsJsonObject().get("text").getAsString());
        }
        return out;
    }

    @Test
    void embedTextsEqualsTheLibraryAndTheReference() {
        List<String> texts = queries();
        Http.Reply r = http.post("/v1/models/retrieval/embed", "{\"texts\": " + strings(texts) + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonArray got = r.json().getAsJsonArray("embeddings");
        assertThat(got).hasSize(texts.size());
        JsonArray ref = reference.getAsJsonObject("retrieval").getAsJsonArray("text_embeddings");
        try (Beit3 lib = pkg.builder("retrieval").build()) {
            float[][] want = lib.embedTexts(texts);
            for (int i = 0; i < texts.size(); i++) {
                float[] v = floats(got.get(i));
                double dLib = maxDiff(v, want[i]);
                double dRef = maxDiff(v, floats(ref.get(i)));
                System.out.printf("embed text %-70s max diff library %.2e reference %.2e%n", texts.get(i), dLib, dRef);
                assertThat(dLib).isLessThan(1e-5);
                assertThat(dRef).isLessThan(1e-4);
            }
        }
    }

    @Test
    void embedImagesEqualsTheLibraryAndTheReference() {
        List<String> g = gallery();
        Http.Reply r = http.post("/v1/models/retrieval/embed", "{\"images\": " + images(g) + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonArray got = r.json().getAsJsonArray("embeddings");
        assertThat(got).hasSize(g.size());
        JsonArray ref = reference.getAsJsonObject("retrieval").getAsJsonArray("image_embeddings");
        try (Beit3 lib = pkg.builder("retrieval").build()) {
            List<RgbImage> imgs = g.stream().map(s -> lib.readImage(Http.IMAGES.resolve(s))).toList();
            float[][] want = lib.embedImages(imgs);
            for (int i = 0; i < g.size(); i++) {
                float[] v = floats(got.get(i));
                double norm = 0;
                for (float x : v) {
                    norm += x * x;
                }
                double dLib = maxDiff(v, want[i]);
                double dRef = maxDiff(v, floats(ref.get(i)));
                System.out.printf("embed image %s max diff library %.2e reference %.2e, |v| %.6f%n", g.get(i), dLib,
                        dRef, Math.sqrt(norm));
                assertThat(dLib).isLessThan(1e-5);
                assertThat(dRef).isLessThan(1e-4);
                assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
            }
        }
    }

    @Test
    void embedWithImagesAndTextsAnswersBothInOrder() {
        Http.Reply r = http.post("/v1/models/retrieval/embed", "{\"images\": " + images(List.of(sample(3), sample(0)))
                + ", \"texts\": [\"a red circle\"], \"id\": \"both-1\"}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonObject o = r.json();
        assertThat(o.get("id").getAsString()).isEqualTo("both-1");
        try (Beit3 lib = pkg.builder("retrieval").build()) {
            float[][] wi = lib.embedImages(List.of(lib.readImage(Http.IMAGES.resolve(sample(3))),
                    lib.readImage(Http.IMAGES.resolve(sample(0)))));
            float[][] wt = lib.embedTexts(List.of("a red circle"));
            assertThat(maxDiff(floats(o.getAsJsonArray("image_embeddings").get(0)), wi[0])).isLessThan(1e-5);
            assertThat(maxDiff(floats(o.getAsJsonArray("image_embeddings").get(1)), wi[1])).isLessThan(1e-5);
            assertThat(maxDiff(floats(o.getAsJsonArray("text_embeddings").get(0)), wt[0])).isLessThan(1e-5);
        }
    }

    @Test
    void similarityEqualsTheReferenceScores() {
        List<String> g = gallery();
        List<String> q = queries();
        Http.Reply r = http.post("/v1/models/retrieval/similarity", "{\"images\": " + images(g) + ", \"texts\": "
                + strings(q) + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonArray scores = r.json().getAsJsonArray("scores");
        JsonArray ref = reference.getAsJsonObject("retrieval").getAsJsonArray("scores");
        assertThat(scores).hasSize(g.size());
        double max = 0;
        for (int i = 0; i < g.size(); i++) {
            max = Math.max(max, maxDiff(floats(scores.get(i)), floats(ref.get(i))));
        }
        System.out.printf("similarity %d x %d max diff reference %.2e%n", g.size(), q.size(), max);
        assertThat(max).isLessThan(1e-4);
    }

    @Test
    void classifyEqualsTheLibraryAndTheReference() {
        JsonArray preds = reference.getAsJsonObject("imageclassification").getAsJsonArray("predictions");
        List<String> files = new ArrayList<>();
        preds.forEach(p -> files.add(p.getAsJsonObject().get("image").getAsString().replace("images/", "")));
        Http.Reply r = http.post("/v1/models/imageclassification/classify", "{\"images\": " + images(files)
                + ", \"top_k\": 3}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonArray got = r.json().getAsJsonArray("classifications");
        try (Beit3 lib = pkg.builder("imageclassification").build()) {
            List<Classification> want = lib.classifyFiles(files.stream().map(Http.IMAGES::resolve).toList(), 3);
            for (int i = 0; i < files.size(); i++) {
                JsonObject c = got.get(i).getAsJsonObject();
                JsonObject p = preds.get(i).getAsJsonObject();
                JsonObject top = c.getAsJsonArray("top").get(0).getAsJsonObject();
                double dp = Math.abs(top.get("probability").getAsDouble()
                        - p.getAsJsonArray("top3").get(0).getAsJsonObject().get("probability").getAsDouble());
                System.out.printf("classify %s %s p=%.4f diff reference %.2e%n", files.get(i), c.get("label"),
                        top.get("probability").getAsDouble(), dp);
                assertThat(c.get("label").getAsString()).isEqualTo(p.get("label").getAsString())
                        .isEqualTo(want.get(i).top().get(0).label());
                assertThat(c.getAsJsonArray("top")).hasSize(3);
                assertThat(top.get("probability").getAsDouble())
                        .isCloseTo(want.get(i).top().get(0).probability(), org.assertj.core.data.Offset.offset(1e-6));
                assertThat(dp).isLessThan(1e-4);
            }
        }
    }

    @Test
    void vqaEqualsTheLibraryAndTheReference() {
        JsonArray preds = reference.getAsJsonObject("vqa").getAsJsonArray("predictions");
        List<String> files = new ArrayList<>();
        List<String> questions = new ArrayList<>();
        preds.forEach(p -> {
            files.add(p.getAsJsonObject().get("image").getAsString().replace("images/", ""));
            questions.add(p.getAsJsonObject().get("question").getAsString());
        });
        Http.Reply r = http.post("/v1/models/vqa/vqa", "{\"images\": " + images(files) + ", \"questions\": "
                + strings(questions) + "}");
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        JsonArray got = r.json().getAsJsonArray("answers");
        assertThat(got).hasSize(preds.size());
        try (Beit3 lib = pkg.builder("vqa").build()) {
            List<RgbImage> imgs = files.stream().map(s -> lib.readImage(Http.IMAGES.resolve(s))).toList();
            List<Answer> want = lib.answer(imgs, questions, 5);
            for (int i = 0; i < files.size(); i++) {
                JsonObject a = got.get(i).getAsJsonObject();
                assertThat(a.get("answer").getAsString()).as(questions.get(i))
                        .isEqualTo(preds.get(i).getAsJsonObject().get("answer").getAsString())
                        .isEqualTo(want.get(i).answer());
                assertThat(a.getAsJsonArray("top").get(0).getAsJsonObject().get("logit").getAsFloat())
                        .isCloseTo(want.get(i).top().get(0).logit(), org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
        System.out.printf("vqa %d questions: every answer equals the library's and the reference's%n", files.size());
        // one image, several questions
        Http.Reply one = http.post("/v1/models/vqa/vqa", "{\"image\": \"" + b64(sample(2))
                + "\", \"questions\": [\"what color is the triangle?\", \"where is the green triangle?\"]}");
        assertThat(one.status()).as(one.body()).isEqualTo(200);
        assertThat(one.json().getAsJsonArray("answers").get(0).getAsJsonObject().get("answer").getAsString())
                .isEqualTo("green");
        assertThat(one.json().getAsJsonArray("answers").get(1).getAsJsonObject().get("answer").getAsString())
                .isEqualTo("right");
    }

    @Test
    void captionEqualsTheReferenceForThreeBeamsAndForGreedy() {
        JsonArray preds = reference.getAsJsonObject("captioning").getAsJsonArray("predictions");
        List<String> files = new ArrayList<>();
        preds.forEach(p -> files.add(p.getAsJsonObject().get("image").getAsString().replace("images/", "")));
        Http.Reply r3 = http.post("/v1/models/captioning/caption", "{\"images\": " + images(files)
                + ", \"beam_size\": 3}");
        Http.Reply r1 = http.post("/v1/models/captioning/caption", "{\"images\": " + images(files)
                + ", \"beam_size\": 1, \"max_length\": 20}");
        assertThat(r3.status()).as(r3.body()).isEqualTo(200);
        assertThat(r1.status()).as(r1.body()).isEqualTo(200);
        try (Beit3 lib = pkg.builder("captioning").build()) {
            List<RgbImage> imgs = files.stream().map(s -> lib.readImage(Http.IMAGES.resolve(s))).toList();
            List<Caption> want = lib.caption(imgs, lib.decoding());
            for (int i = 0; i < files.size(); i++) {
                JsonObject p = preds.get(i).getAsJsonObject();
                JsonObject c3 = r3.json().getAsJsonArray("captions").get(i).getAsJsonObject();
                JsonObject c1 = r1.json().getAsJsonArray("captions").get(i).getAsJsonObject();
                System.out.printf("caption %s beams 3: %s | beam 1: %s%n", files.get(i), c3.get("caption"),
                        c1.get("caption"));
                assertThat(c3.get("caption").getAsString()).isEqualTo(p.get("caption").getAsString())
                        .isEqualTo(want.get(i).text());
                assertThat(c3.get("score").getAsDouble()).isCloseTo(want.get(i).score(),
                        org.assertj.core.data.Offset.offset(1e-5));
                assertThat(c1.get("caption").getAsString()).isEqualTo(p.get("caption_beam1").getAsString());
            }
        }
    }

    @Test
    void modelsListsEveryDemoModelWithItsHeadSizesAndProvenance() throws Exception {
        Http.Reply r = http.get("/v1/models");
        assertThat(r.status()).isEqualTo(200);
        JsonObject index = JsonParser.parseString(Files.readString(Http.DEMO.resolve("models.json"))).getAsJsonObject()
                .getAsJsonObject("models");
        JsonArray models = r.json().getAsJsonArray("models");
        assertThat(models).hasSize(index.size());
        for (JsonElement e : models) {
            JsonObject m = e.getAsJsonObject();
            String name = m.get("name").getAsString();
            JsonObject want = index.getAsJsonObject(name);
            assertThat(m.get("head").getAsString()).isEqualTo(name);
            assertThat(m.get("image_size").getAsInt()).isEqualTo(want.get("img_size").getAsInt());
            assertThat(m.get("dim").getAsInt()).isEqualTo(want.get("embed_dim").getAsInt());
            assertThat(m.get("layers").getAsInt()).isEqualTo(want.get("layers").getAsInt());
            assertThat(m.getAsJsonObject("provenance").get("sha256").getAsString())
                    .isEqualTo(want.get("sha256").getAsString());
            assertThat(m.get("kernel_backend").getAsString()).contains("PyTorch");
        }
        assertThat(http.get("/v1/models/vqa").json().get("endpoints").toString()).isEqualTo("[\"vqa\"]");
    }

    @Test
    void healthAndOpenApiDescribeEveryRoute() {
        assertThat(http.get("/health/live").status()).isEqualTo(200);
        assertThat(http.get("/health/ready").status()).isEqualTo(200);
        Http.Reply r = http.get("/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        JsonObject doc = r.json();
        assertThat(doc.get("openapi").getAsString()).startsWith("3.");
        assertThat(doc.getAsJsonObject("paths").keySet()).containsExactlyInAnyOrder("/v1/models", "/v1/models/{name}",
                "/v1/models/{name}/embed", "/v1/models/{name}/similarity", "/v1/models/{name}/classify",
                "/v1/models/{name}/vqa", "/v1/models/{name}/nlvr2", "/v1/models/{name}/caption", "/health/live",
                "/health/ready", "/metrics", "/openapi.json");
    }

    @Test
    void metricsCountRequestsBatchesAndModelLoads() {
        http.post("/v1/models/retrieval/embed", "{\"texts\": [\"a red circle\"]}");
        http.post("/v1/models/nope/embed", "{\"texts\": [\"a red circle\"]}");
        Http.Reply r = http.get("/metrics");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.header("Content-Type")).startsWith("text/plain");
        assertThat(r.body())
                .contains("beit3_http_requests_seconds_bucket{endpoint=\"/v1/models/{name}/embed\",method=\"POST\","
                        + "status=\"200\"")
                .contains("status=\"404\"")
                .contains("beit3_batch_size_items_bucket{model=\"retrieval\",task=\"embed-text\"")
                .contains("beit3_queue_depth{model=\"retrieval\",task=\"embed-text\"}")
                .contains("beit3_model_load_seconds{head=\"vqa\",model=\"vqa\"}");
    }
}
