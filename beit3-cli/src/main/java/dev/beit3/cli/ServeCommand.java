package dev.beit3.cli;

import dev.beit3.api.InvalidInputException;
import dev.beit3.serve.Beit3Server;
import dev.beit3.serve.ModelSpec;
import dev.beit3.serve.ServeSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code beit3 serve [--port N] [--models DIR | --config FILE] …}: every task over HTTP (module
 * {@code beit3-serve}), until SIGTERM or Ctrl-C, which shut it down gracefully.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the models over HTTP: POST /v1/models/NAME/{embed,similarity,classify,vqa,nlvr2,caption},",
            "GET /v1/models, /health/live, /health/ready, /metrics (Prometheus), /openapi.json.",
            "Requests are batched dynamically per model and task; a full queue answers 429 with Retry-After.",
            "Default: the demo models, each under its task name (retrieval, vqa, captioning, imageclassification).",
            "SIGTERM or Ctrl-C: stop accepting, finish the requests in flight, exit."})
final class ServeCommand implements Callable<Integer> {
    /** The environment variable that may hold the bearer token. */
    static final String TOKEN_ENV = "BEIT3_SERVE_TOKEN";

    @Spec
    CommandSpec spec;

    @Option(names = "--host", paramLabel = "ADDR", defaultValue = "127.0.0.1",
            description = "address to bind (default: ${DEFAULT-VALUE}, loopback only; 0.0.0.0 for every interface)")
    String host;

    @Option(names = "--port", paramLabel = "N", defaultValue = "8080",
            description = "port (default: ${DEFAULT-VALUE}; 0 = any free port)")
    int port;

    @Option(names = "--models", paramLabel = "DIR",
            description = "a model package (models.json); each task's model is served under its task name"
                    + " (default: the demo models)")
    Path models;

    @Option(names = "--config", paramLabel = "FILE",
            description = "a JSON or YAML file naming several models (package+task or checkpoint+tokenizer each);"
                    + " see the README")
    Path config;

    @Option(names = "--max-batch", paramLabel = "N", defaultValue = "" + ServeSettings.DEFAULT_MAX_BATCH,
            description = "items per model call at most (default: ${DEFAULT-VALUE})")
    int maxBatch;

    @Option(names = "--max-delay-ms", paramLabel = "MS", defaultValue = "" + ServeSettings.DEFAULT_MAX_DELAY_MS,
            description = "how long a batch waits for more requests after its first (default: ${DEFAULT-VALUE})")
    int maxDelayMs;

    @Option(names = "--workers", paramLabel = "N", defaultValue = "1",
            description = "model calls at once per model and task (default: ${DEFAULT-VALUE})")
    int workers;

    @Option(names = "--queue", paramLabel = "N", defaultValue = "64",
            description = "requests waiting per model and task at most; more get 429 (default: ${DEFAULT-VALUE})")
    int queue;

    @Option(names = "--timeout-ms", paramLabel = "MS", defaultValue = "30000",
            description = "per-request timeout; later answers are 503 (default: ${DEFAULT-VALUE})")
    long timeoutMs;

    @Option(names = "--max-body", paramLabel = "BYTES", defaultValue = "16777216",
            description = "largest request body (default: ${DEFAULT-VALUE}, 16 MiB)")
    long maxBody;

    @Option(names = "--max-items", paramLabel = "N", defaultValue = "64",
            description = "images, texts or pairs per request at most (default: ${DEFAULT-VALUE})")
    int maxItems;

    @Option(names = "--max-text-chars", paramLabel = "N", defaultValue = "10000",
            description = "characters per text at most (default: ${DEFAULT-VALUE})")
    int maxTextChars;

    @Option(names = "--max-pixels", paramLabel = "N", defaultValue = "89478485",
            description = "pixels per image at most, checked before decoding (default: ${DEFAULT-VALUE}, PIL's limit)")
    long maxPixels;

    @Option(names = "--token-file", paramLabel = "FILE",
            description = "require 'Authorization: Bearer <token>' on /v1 and /metrics, the token read from FILE"
                    + " (or set " + TOKEN_ENV + ")")
    Path tokenFile;

    @Option(names = "--threads", paramLabel = "N",
            description = "PyTorch intra-op threads per model call (default: 1 for the demo models, all cores otherwise)")
    Integer threads;

    ServeCommand() {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return CliErrors.run(err, () -> {
            if (models != null && config != null) {
                throw new InvalidInputException("give --models DIR or --config FILE, not both");
            }
            if (threads != null) {
                Checks.positive(threads, "--threads");
                System.setProperty(CommonOptions.THREADS_PROPERTY, String.valueOf(threads));
            } else if (config == null && System.getProperty(CommonOptions.THREADS_PROPERTY) == null) {
                System.setProperty(CommonOptions.THREADS_PROPERTY, "1"); // the demo models are tiny
            }
            List<ModelSpec> specs = config != null ? ModelSpec.fromConfig(config)
                    : ModelSpec.fromPackage(ModelOptions.openPackage(models).directory());
            ServeSettings settings = new ServeSettings(host, port, maxBatch, workers, Duration.ofMillis(maxDelayMs),
                    queue, Duration.ofMillis(timeoutMs), maxBody, maxItems, maxTextChars, maxPixels, token(),
                    Duration.ofSeconds(30));
            Beit3Server server = Beit3Server.start(settings, specs);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                err.println("beit3 serve: shutting down: finishing the requests in flight ...");
                err.flush();
                server.close();
                err.println("beit3 serve: stopped");
                err.flush();
                stopped.countDown();
            }, "beit3-serve-shutdown"));
            try {
                server.awaitReady(Duration.ofMinutes(30));
            } catch (RuntimeException e) {
                server.close();
                throw e;
            }
            err.println("beit3 serve: " + specs.size() + " models ready: " + specs.stream().map(ModelSpec::name)
                    .toList() + (settings.token() != null ? " (bearer token required)" : ""));
            err.flush();
            out.println("listening on " + server.url());
            out.flush();
            stopped.await();
            return CliErrors.OK;
        });
    }

    private String token() throws IOException {
        if (tokenFile != null) {
            if (!Files.isRegularFile(tokenFile)) {
                throw new InvalidInputException("--token-file " + tokenFile + " is not a file");
            }
            String t = Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
            if (t.isEmpty()) {
                throw new InvalidInputException("--token-file " + tokenFile + " is empty; put the token in it");
            }
            return t;
        }
        String env = System.getenv(TOKEN_ENV);
        return env == null || env.isBlank() ? null : env.strip();
    }
}
