package dev.beit3.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real worker script ({@code official_beit3_worker.py}), where the machine allows: its refusal on an
 * interpreter without torch, and, when {@code BEIT3_PYTHON} (default {@code python3}) has torch and
 * {@code BEIT3_TORCHSCALE} names a torchscale checkout, the official model at the worker's tiny test size
 * (D 64, 2 layers) answering the protocol. Skipped otherwise, saying what is absent.
 */
class OfficialWorkerScriptTest {
    private static final OfficialPyTorch.Timeouts TIMEOUTS = new OfficialPyTorch.Timeouts(Duration.ofMinutes(2),
            Duration.ofMinutes(2), Duration.ofMinutes(2));

    @TempDir
    Path tmp;

    private final PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    /** Whether {@code python -c CODE} runs and exits 0; false when the interpreter does not start. */
    private static boolean succeeds(String python, String code) {
        try {
            Process p = new ProcessBuilder(python, "-c", code).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String python() {
        String p = System.getenv("BEIT3_PYTHON");
        return p == null || p.isBlank() ? "python3" : p;
    }

    @Test
    void onAnInterpreterWithoutTorchTheWorkerSaysTorchIsMissing() throws IOException {
        assumeTrue(succeeds("python3", "pass"), "no python3 on PATH: the worker script cannot be run here");
        assumeTrue(!succeeds("python3", "import torch"), "python3 has torch: nothing is missing to report");
        assertThatThrownBy(() -> OfficialPyTorch.start(new Benchmark.Official("python3",
                Files.createDirectories(tmp.resolve("torchscale")), 1), "tiny", TIMEOUTS, log))
                .isInstanceOf(OfficialPyTorch.Unavailable.class).hasMessageContaining("no torch")
                .hasMessageContaining("apt-get install -y python3-torch");
    }

    @Test
    void withTorchAndATorchscaleCheckoutTheOfficialModelAnswersTheProtocol() throws Exception {
        String python = python();
        String checkout = System.getenv("BEIT3_TORCHSCALE");
        assumeTrue(succeeds(python, "import torch"), python + " has no torch (set BEIT3_PYTHON to one that has,"
                + " e.g. /usr/bin/python3 after apt-get install -y python3-torch)");
        assumeTrue(checkout != null && Files.isRegularFile(Path.of(checkout, "torchscale", "model", "BEiT3.py")),
                "BEIT3_TORCHSCALE does not name a torchscale checkout");
        try (OfficialPyTorch official = OfficialPyTorch.start(new Benchmark.Official(python, Path.of(checkout), 1),
                "tiny", TIMEOUTS, log)) {
            assertThat(official.description()).contains("torchscale BEiT3 tiny", "torch=", "threads=1", "blas=", "omp_wait_policy=",
                    "shims=");
            official.prepare("vision224_b1");
            assertThat(official.run("vision224_b1")).isPositive();
            assertThat(official.peakRssMb()).isPositive();
            official.prepare("text64_b32");
            assertThat(official.run("text64_b32")).isPositive();
            assertThatThrownBy(() -> official.run("vision384_b8")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("was not prepared");
            assertThatThrownBy(() -> official.prepare("audio1_b1")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("unknown workload");
        }
    }
}
