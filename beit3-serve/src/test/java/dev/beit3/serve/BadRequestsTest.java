package dev.beit3.serve;

import static dev.beit3.serve.Http.b64;
import static dev.beit3.serve.Http.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Refusals: each is a JSON error naming the field and the fix, never a stack trace. */
class BadRequestsTest {
    static Beit3Server server;
    static Http http;

    @BeforeAll
    static void start() {
        // small limits so that a test can exceed them: 64 KiB bodies, 4 items, 200 characters, 64x64 pixels
        ServeSettings s = ServeSettings.defaults().withLimits(Duration.ofSeconds(30), 64 * 1024, 4, 200, 64 * 64);
        server = Beit3Server.start(s, ModelSpec.fromPackage(Http.DEMO));
        server.awaitReady(Duration.ofMinutes(2));
        http = new Http(server.url());
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static JsonObject refused(Http.Reply r, int status, String field) {
        System.out.println(r.status() + " " + r.body());
        assertThat(r.status()).as(r.body()).isEqualTo(status);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        JsonObject o = r.json();
        assertThat(o.get("error").getAsString()).isNotBlank().doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(o.get("fix").getAsString()).isNotBlank();
        if (field != null) {
            assertThat(o.get("field").getAsString()).isEqualTo(field);
        }
        return o;
    }

    @Test
    void malformedJson() {
        refused(http.post("/v1/models/retrieval/embed", "{\"texts\": [\"a\" "), 400, "body");
        refused(http.post("/v1/models/retrieval/embed", "{texts: ['a red circle']}"), 400, "body");
        refused(http.post("/v1/models/retrieval/embed", "{\"texts\": [\"a\"]} trailing"), 400, "body");
        refused(http.post("/v1/models/retrieval/embed", "[\"a red circle\"]"), 400, "body");
        refused(http.post("/v1/models/retrieval/embed", ""), 400, "body");
    }

    @Test
    void wrongTypes() {
        refused(http.post("/v1/models/retrieval/embed", "{\"texts\": \"a red circle\"}"), 400, "texts");
        refused(http.post("/v1/models/retrieval/embed", "{\"texts\": [\"a\", 3]}"), 400, "texts[1]");
        refused(http.post("/v1/models/retrieval/embed", "{\"images\": [{\"path\": \"/etc/passwd\"}]}"), 400,
                "images[0]");
        refused(http.post("/v1/models/captioning/caption", "{\"images\": [\"" + b64(sample(0))
                + "\"], \"beam_size\": \"three\"}"), 400, "beam_size");
        refused(http.post("/v1/models/captioning/caption", "{\"images\": [\"" + b64(sample(0))
                + "\"], \"beam_size\": 0}"), 400, "beam_size");
        refused(http.post("/v1/models/retrieval/embed", "{\"txts\": [\"a red circle\"]}"), 400, "txts");
        refused(http.post("/v1/models/retrieval/embed", "{}"), 400, "images");
        refused(http.post("/v1/models/retrieval/embed", "{\"texts\": [\"   \"]}"), 400, "texts[0]");
        refused(http.post("/v1/models/retrieval/embed", "{\"texts\": []}"), 400, "texts");
        refused(http.post("/v1/models/vqa/vqa", "{\"images\": [\"" + b64(sample(0)) + "\"], \"questions\": []}"), 400,
                "questions");
    }

    @Test
    void limitsOnItemsAndTextLength() {
        refused(http.post("/v1/models/retrieval/embed", "{\"texts\": [\"a\",\"b\",\"c\",\"d\",\"e\"]}"), 400, "texts");
        refused(http.post("/v1/models/retrieval/embed", "{\"texts\": [\"" + "a".repeat(201) + "\"]}"), 400,
                "texts[0]");
    }

    @Test
    void oversizedBody() {
        String big = "{\"texts\": [\"" + "a ".repeat(40_000) + "\"]}";
        refused(http.post("/v1/models/retrieval/embed", big), 413, "body");
    }

    @Test
    void badImages() {
        String notImage = Base64.getEncoder().encodeToString("hello, not an image".getBytes());
        JsonObject o = refused(http.post("/v1/models/retrieval/embed", "{\"images\": [\"" + b64(sample(0)) + "\", \""
                + notImage + "\"]}"), 400, "images[1]");
        assertThat(o.get("error").getAsString()).contains("not an image");
        refused(http.post("/v1/models/retrieval/embed", "{\"images\": [\"@@not base64@@\"]}"), 400, "images[0]");
        // a 65 x 65 PNG has more pixels than this server's 64 x 64 limit
        java.awt.image.BufferedImage img = new java.awt.image.BufferedImage(65, 65,
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        try {
            javax.imageio.ImageIO.write(img, "png", png);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        JsonObject big = refused(http.post("/v1/models/imageclassification/classify", "{\"images\": [\""
                + Base64.getEncoder().encodeToString(png.toByteArray()) + "\"]}"), 400, "images[0]");
        assertThat(big.get("error").getAsString()).contains("4225");
    }

    @Test
    void unknownModelWrongHeadAndUnknownRoute() {
        JsonObject o = refused(http.post("/v1/models/nope/embed", "{\"texts\": [\"a red circle\"]}"), 404, "name");
        assertThat(o.get("fix").getAsString()).contains("retrieval");
        JsonObject w = refused(http.post("/v1/models/vqa/embed", "{\"texts\": [\"a red circle\"]}"), 400, "name");
        assertThat(w.get("fix").getAsString()).contains("/v1/models/retrieval/embed");
        refused(http.post("/v1/models/retrieval/nlvr2", "{}"), 400, "name");
        refused(http.get("/v2/anything"), 404, null);
    }

    @Test
    void captionLengthOverTheModelsSlots() {
        // the demo captioner has 20 text slots
        refused(http.post("/v1/models/captioning/caption", "{\"images\": [\"" + b64(sample(0))
                + "\"], \"max_length\": 21}"), 400, "max_length");
    }
}
