package dev.beit3.serve;

import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ImageLimits;
import java.time.Duration;

/**
 * How the server listens, batches and limits requests.
 *
 * @param host the address to bind ({@code 127.0.0.1} by default: loopback only)
 * @param port the port, 0 for any free one
 * @param maxBatch items per model call at most (dynamic batching)
 * @param workers model calls running at once per model and task (threads taking batches from one queue)
 * @param maxDelay how long a batch waits for more requests after its first
 * @param queueCapacity requests waiting per model and task at most; more are refused with 429
 * @param requestTimeout how long one request may wait and run before it is answered 503
 * @param maxBodyBytes request bodies larger than this are refused with 413
 * @param maxItems images, texts or pairs per request at most
 * @param maxTextChars characters per text at most
 * @param maxImagePixels pixels per image at most, checked before decoding (the library's limit by default)
 * @param token the bearer token every {@code /v1} and {@code /metrics} request must carry, or null for none
 * @param drainTimeout how long a shutdown waits for in-flight requests
 */
public record ServeSettings(String host, int port, int maxBatch, int workers, Duration maxDelay, int queueCapacity,
        Duration requestTimeout, long maxBodyBytes, int maxItems, int maxTextChars, long maxImagePixels, String token,
        Duration drainTimeout) {

    /** Default items per model call: see the README's batching measurements. */
    public static final int DEFAULT_MAX_BATCH = 16;
    /** Default wait for more requests after the first of a batch, in milliseconds. */
    public static final int DEFAULT_MAX_DELAY_MS = 5;

    /** Validates. */
    public ServeSettings {
        positive(maxBatch, "maxBatch");
        positive(workers, "workers");
        positive(queueCapacity, "queueCapacity");
        positive(maxItems, "maxItems");
        positive(maxTextChars, "maxTextChars");
        if (port < 0 || port > 65535) {
            throw new InvalidInputException("port must be 0 (any free port) to 65535, got " + port);
        }
        if (maxDelay.isNegative() || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new InvalidInputException("maxDelay must be ≥ 0 and requestTimeout > 0");
        }
        if (maxBodyBytes < 1 || maxImagePixels < 1) {
            throw new InvalidInputException("maxBodyBytes and maxImagePixels must be positive");
        }
        if (token != null && token.isBlank()) {
            throw new InvalidInputException("the bearer token is empty; give a non-empty token or none");
        }
    }

    /**
     * The defaults: loopback, any free port, batches of up to 16 items with a 5 ms delay, one worker, 64 queued
     * requests, 30 s per request, 16 MiB bodies, 64 items per request, 10,000 characters per text, the library's pixel
     * limit, no token, 30 s to drain.
     *
     * @return the defaults
     */
    public static ServeSettings defaults() {
        return new ServeSettings("127.0.0.1", 0, DEFAULT_MAX_BATCH, 1, Duration.ofMillis(DEFAULT_MAX_DELAY_MS), 64,
                Duration.ofSeconds(30), 16L << 20, 64, 10_000, ImageLimits.DEFAULT_MAX_PIXELS, null,
                Duration.ofSeconds(30));
    }

    /**
     * A copy listening elsewhere.
     *
     * @param h host
     * @param p port
     * @return the copy
     */
    public ServeSettings withAddress(String h, int p) {
        return new ServeSettings(h, p, maxBatch, workers, maxDelay, queueCapacity, requestTimeout, maxBodyBytes, maxItems,
                maxTextChars, maxImagePixels, token, drainTimeout);
    }

    /**
     * A copy with other batching settings.
     *
     * @param batch maxBatch
     * @param delay maxDelay
     * @param capacity queueCapacity
     * @return the copy
     */
    public ServeSettings withBatching(int batch, Duration delay, int capacity) {
        return new ServeSettings(host, port, batch, workers, delay, capacity, requestTimeout, maxBodyBytes, maxItems,
                maxTextChars, maxImagePixels, token, drainTimeout);
    }

    /**
     * A copy with another number of workers per model and task.
     *
     * @param n workers
     * @return the copy
     */
    public ServeSettings withWorkers(int n) {
        return new ServeSettings(host, port, maxBatch, n, maxDelay, queueCapacity, requestTimeout, maxBodyBytes,
                maxItems, maxTextChars, maxImagePixels, token, drainTimeout);
    }

    /**
     * A copy with other limits.
     *
     * @param timeout requestTimeout
     * @param bodyBytes maxBodyBytes
     * @param items maxItems
     * @param textChars maxTextChars
     * @param pixels maxImagePixels
     * @return the copy
     */
    public ServeSettings withLimits(Duration timeout, long bodyBytes, int items, int textChars, long pixels) {
        return new ServeSettings(host, port, maxBatch, workers, maxDelay, queueCapacity, timeout, bodyBytes, items, textChars,
                pixels, token, drainTimeout);
    }

    /**
     * A copy with a bearer token (or none).
     *
     * @param t the token or null
     * @return the copy
     */
    public ServeSettings withToken(String t) {
        return new ServeSettings(host, port, maxBatch, workers, maxDelay, queueCapacity, requestTimeout, maxBodyBytes, maxItems,
                maxTextChars, maxImagePixels, t, drainTimeout);
    }

    private static void positive(int v, String name) {
        if (v < 1) {
            throw new InvalidInputException(name + " must be at least 1, got " + v);
        }
    }

    @Override
    public String toString() {
        return "ServeSettings[host=" + host + ", port=" + port + ", maxBatch=" + maxBatch + ", workers=" + workers + ", maxDelay=" + maxDelay
                + ", queueCapacity=" + queueCapacity + ", requestTimeout=" + requestTimeout + ", maxBodyBytes="
                + maxBodyBytes + ", maxItems=" + maxItems + ", maxTextChars=" + maxTextChars + ", maxImagePixels="
                + maxImagePixels + ", token=" + (token == null ? "none" : "set") + ", drainTimeout=" + drainTimeout
                + "]";
    }
}
