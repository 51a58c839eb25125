package dev.beit3.serve;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The server's meters in one Micrometer registry, scraped in Prometheus text format at {@code /metrics}:
 * {@code beit3_http_requests_seconds} (a latency histogram per endpoint, method and status; its
 * {@code _count} is the request count), {@code beit3_queue_depth}, {@code beit3_batch_size} (a histogram
 * per model and task), {@code beit3_rejected_requests_total} (per reason) and
 * {@code beit3_model_load_seconds}.
 */
final class Metrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    /** Queue depth and batch sizes of one batcher. */
    final class BatcherMeters {
        private final String model;
        private final String task;
        private final DistributionSummary batchSize;

        BatcherMeters(String model, String task) {
            this.model = model;
            this.task = task;
            this.batchSize = DistributionSummary.builder("beit3.batch.size")
                    .description("items per model call after dynamic batching")
                    .baseUnit("items").tags("model", model, "task", task)
                    .serviceLevelObjectives(1, 2, 4, 8, 16, 32, 64, 128).register(registry);
        }

        void queueDepth(Supplier<Number> depth) {
            Gauge.builder("beit3.queue.depth", depth).description("requests waiting for the batcher")
                    .tags("model", model, "task", task).register(registry);
        }

        void batch(int items) {
            batchSize.record(items);
        }
    }

    BatcherMeters batcher(String model, String task) {
        return new BatcherMeters(model, task);
    }

    void request(String method, String endpoint, int status, long nanos) {
        Timer.builder("beit3.http.requests").description("HTTP requests by endpoint and status")
                .tags("method", method, "endpoint", endpoint, "status", String.valueOf(status))
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60)).register(registry).record(Duration.ofNanos(nanos));
    }

    void rejected(String model, String reason) {
        Counter.builder("beit3.rejected.requests").description("requests refused: queue full, timeout, shutting down")
                .tags("model", model, "reason", reason).register(registry).increment();
    }

    void modelLoaded(String model, String head, Duration took) {
        Gauge.builder("beit3.model.load", () -> took.toNanos() / 1e9).baseUnit("seconds")
                .description("time to load the model").tags("model", model, "head", head).register(registry);
    }

    String scrape() {
        return registry.scrape();
    }

    void close() {
        registry.close();
    }
}
