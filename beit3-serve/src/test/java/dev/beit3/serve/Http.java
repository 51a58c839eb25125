package dev.beit3.serve;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;

/** A JDK HttpClient for the tests, plus the demo paths. */
final class Http {
    static final Path DEMO = Path.of(System.getProperty("beit3.demo", "../models/demo"));
    static final Path IMAGES = DEMO.resolve("samples/images");

    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final String token;

    Http(String base) {
        this(base, null);
    }

    Http(String base, String token) {
        this.base = base;
        this.token = token;
    }

    /** A response: status, headers and body. */
    record Reply(int status, String body, HttpResponse<String> raw) {
        JsonObject json() {
            JsonElement e = JsonParser.parseString(body);
            return e.getAsJsonObject();
        }

        String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }
    }

    Reply get(String path) {
        return send(request(path).GET().build());
    }

    Reply post(String path, String body) {
        return send(postRequest(path, body));
    }

    CompletableFuture<Reply> postAsync(String path, String body) {
        return client.sendAsync(postRequest(path, body), HttpResponse.BodyHandlers.ofString())
                .thenApply(r -> new Reply(r.statusCode(), r.body(), r));
    }

    private HttpRequest postRequest(String path, String body) {
        return request(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private HttpRequest.Builder request(String path) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return b;
    }

    private Reply send(HttpRequest r) {
        try {
            HttpResponse<String> resp = client.send(r, HttpResponse.BodyHandlers.ofString());
            return new Reply(resp.statusCode(), resp.body(), resp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static String b64(String sample) {
        try {
            return Base64.getEncoder().encodeToString(Files.readAllBytes(IMAGES.resolve(sample)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The {@code i}-th sample image of the demo set read ({@code -Dbeit3.demo}), in its {@code samples.json} order
     * (wrapping round a set with fewer samples), as a file name under {@link #IMAGES}.
     */
    static String sample(int i) {
        try {
            var images = JsonParser.parseString(Files.readString(DEMO.resolve("samples/samples.json")))
                    .getAsJsonObject().getAsJsonArray("images");
            String file = images.get(i % images.size()).getAsJsonObject().get("file").getAsString();
            return IMAGES.getParent().resolve(file).getFileName().toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] floats(JsonElement e) {
        var a = e.getAsJsonArray();
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    static double maxDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            return Double.POSITIVE_INFINITY;
        }
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            m = Math.max(m, Math.abs(a[i] - b[i]));
        }
        return m;
    }
}
