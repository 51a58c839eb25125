package dev.beit3.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.beit3.api.Precision;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --compare-pytorch} without Python: a fake interpreter (a shell script that ignores the worker script it is
 * given and speaks the worker's line protocol) proves the command line, the alternation with our runs, the parsing
 * of the worker's times, the errors of a broken worker, and the ratio in both reports.
 */
class OfficialPyTorchTest {
    private static final OfficialPyTorch.Timeouts SHORT = new OfficialPyTorch.Timeouts(Duration.ofSeconds(20),
            Duration.ofSeconds(20), Duration.ofSeconds(20));

    @TempDir
    Path tmp;

    private final ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
    private final PrintStream log = new PrintStream(logBytes, true, StandardCharsets.UTF_8);

    /**
     * A fake python: logs its arguments and every request to {@code events}, answers {@code ready}, {@code ok 0.1}
     * to prepare, and {@code ok <n/10> 123.5} to the n-th run; {@code onRun} replaces the run answer when given.
     */
    private Path fake(String onStart, String onRun) throws IOException {
        Path events = tmp.resolve("events");
        Path script = tmp.resolve("fake-python");
        Files.writeString(script, """
                #!/bin/sh
                log='%s'
                echo "args $*" >> "$log"
                %s
                i=0
                while read cmd arg; do
                  echo "$cmd $arg" >> "$log"
                  case "$cmd" in
                    prepare) echo "ok 0.1" ;;
                    run) i=$((i + 1)); %s ;;
                    quit) echo bye; exit 0 ;;
                    *) echo "error unknown request" ;;
                  esac
                done
                """.formatted(events, onStart, onRun == null ? "echo \"ok 0.$i 123.5\"" : onRun));
        assertThat(script.toFile().setExecutable(true)).isTrue();
        return script;
    }

    private Path torchscale() throws IOException {
        return Files.createDirectories(tmp.resolve("torchscale"));
    }

    private OfficialPyTorch start(Path python) throws Exception {
        return OfficialPyTorch.start(new Benchmark.Official(python.toString(), torchscale(), 2), "base", SHORT, log);
    }

    private List<String> events() throws IOException {
        return Files.readAllLines(tmp.resolve("events"));
    }

    @Test
    void theOfficialModelRunsLastInEachRoundOfOursAndItsRowCarriesTheWorkersOwnTimes() throws Exception {
        Path python = fake("echo 'ready torch=9.9 threads=2 blas=libopenblasp.so shims=einops'", null);
        Variant ours = new Variant("djl", Precision.FP32, null);
        Runnable body = () -> {
            try {
                Files.writeString(tmp.resolve("events"), "ours\n", StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        List<Benchmark.Result> r;
        try (OfficialPyTorch official = start(python)) {
            assertThat(official.description()).contains("torch=9.9", "threads=2", "blas=libopenblasp.so",
                    "shims=einops", "base");
            r = official.timeWith(new Rounds(3, 1, log), "vision224_b8", List.of(ours), List.of(body), 2.0e9, 8,
                    "image-only pass");
        }
        List<String> e = events();
        assertThat(e.get(0)).startsWith("args ").contains(".py --torchscale " + tmp.resolve("torchscale"))
                .endsWith("--threads 2 --size base");
        assertThat(e.subList(1, e.size())).as("prepared once, then warm-up and 3 rounds of ours, then official")
                .containsExactly("prepare vision224_b8", "ours", "run vision224_b8", "ours", "run vision224_b8",
                        "ours", "run vision224_b8", "ours", "run vision224_b8", "quit ");
        assertThat(r).extracting(Benchmark.Result::backend).containsExactly("djl", "official-pytorch");
        Benchmark.Result o = r.get(1);
        // the worker answered 0.1 s to the warm-up, then 0.2, 0.3, 0.4 s: median 300 ms, min 200 ms
        assertThat(o.medianMs()).isCloseTo(300, within(1e-9));
        assertThat(o.minMs()).isCloseTo(200, within(1e-9));
        assertThat(o.itemsPerSecond()).isCloseTo(8 / 0.3, within(1e-9));
        assertThat(o.gflops()).isCloseTo(2.0 / 0.3, within(1e-9));
        assertThat(o.precision()).isEqualTo("fp32");
        assertThat(o.peakRssMb()).as("the worker's own peak, not the JVM's").isEqualTo(123.5);
        assertThat(o.note()).contains("torchscale BEiT3 base", "torch=9.9", "image-only pass", "timed in the worker");
    }

    @Test
    void oursDividedByOfficialIsPrintedOnOurRowsOfTheWorkloadsItRanInTheTableAndTheJson() {
        Benchmark.Result gemm = new Benchmark.Result("gemm", "onednn", "fp32", 10, 9, Double.NaN, 1, 100, 1, 500,
                "");
        Benchmark.Result ours = new Benchmark.Result("vision224_b8", "onednn", "fp32", 1000, 900, 6, 281, 281, 0.9,
                4000, "image-only pass");
        Benchmark.Result bf16 = new Benchmark.Result("vision224_b8", "onednn", "bf16", 800, 700, 10, 281, 351, 1.1,
                4000, "");
        Benchmark.Result official = new Benchmark.Result("vision224_b8", "official-pytorch", "fp32", 2000, 1900, 4,
                281, 140, 0.45, 1100, "torchscale");
        List<Benchmark.Result> all = List.of(gemm, ours, bf16, official);
        assertThat(OfficialPyTorch.vsOfficial(ours, all)).isEqualTo(1.5);
        assertThat(OfficialPyTorch.vsOfficial(bf16, all)).isEqualTo(2.5);
        assertThat(OfficialPyTorch.vsOfficial(official, all)).isNaN();
        assertThat(OfficialPyTorch.vsOfficial(gemm, all)).isNaN();

        List<String> lines = Benchmark.table(all).lines().toList();
        assertThat(lines.get(0).split(" +")).endsWith("eff", "peak", "MB", "÷official");
        assertThat(lines.get(1).split(" +")).as("no official gemm row: no ratio").hasSize(10);
        assertThat(lines.get(2).split(" +")).startsWith("vision224_b8", "onednn", "fp32").endsWith("4000", "1.50×");
        assertThat(lines.get(3).split(" +")).endsWith("2.50×");
        assertThat(lines.get(4).split(" +")).startsWith("vision224_b8", "official-pytorch", "fp32").endsWith("1100");

        JsonArray a = JsonParser.parseString(Benchmark.json(all)).getAsJsonArray();
        JsonObject o = a.get(1).getAsJsonObject();
        assertThat(o.keySet()).containsExactly("workload", "backend", "precision", "median_ms", "min_ms",
                "items_per_s", "gflop", "gflops", "efficiency", "peak_rss_mb", "note", "vs_official");
        assertThat(o.get("vs_official").getAsDouble()).isEqualTo(1.5);
        assertThat(a.get(3).getAsJsonObject().has("vs_official")).isFalse();
        assertThat(a.get(3).getAsJsonObject().get("backend").getAsString()).isEqualTo("official-pytorch");
        assertThat(Benchmark.table(List.of(gemm, ours))).as("no comparison: no column").doesNotContain("official");
    }

    @Test
    void aTorchOnTheReferenceBlasIsWarnedAboutWithTheFix() throws Exception {
        Path python = fake("echo 'ready torch=1.13 threads=2 blas=reference:/usr/lib/x86_64-linux-gnu/blas/libblas.so.3'",
                null);
        try (OfficialPyTorch official = start(python)) {
            assertThat(official.description()).contains("blas=reference:");
        }
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("warning: the official model multiplies with"
                + " Debian's reference BLAS").contains("apt-get install -y libopenblas0-pthread");
    }

    @Test
    void anInterpreterWithoutTorchIsUnavailableWithTheInstallCommand() throws Exception {
        Path python = fake("echo 'error missing-module torch'; exit 2", null);
        assertThatThrownBy(() -> start(python)).isInstanceOf(OfficialPyTorch.Unavailable.class)
                .hasMessageContaining("no torch").hasMessageContaining("apt-get install -y python3-torch")
                .hasMessageContaining("--python /usr/bin/python3");
    }

    @Test
    void aMissingModuleOfTorchscaleIsNamedWithHowToInstallIt() {
        assertThat(OfficialPyTorch.explain("missing-module torchscale")).contains("--torchscale",
                "torchscale/model/BEiT3.py", "git clone");
        assertThat(OfficialPyTorch.explain("missing-module sentencepiece")).contains("'sentencepiece'",
                "pip install sentencepiece");
        assertThat(OfficialPyTorch.explain("torchscale from /x does not import: SyntaxError: bad"))
                .contains("SyntaxError: bad");
    }

    @Test
    void noCheckoutOrNoInterpreterIsUnavailableWithTheFlagsThatFixIt() throws Exception {
        Path python = fake("echo ready", null);
        assertThatThrownBy(() -> OfficialPyTorch.start(new Benchmark.Official(python.toString(), null, 2), "base",
                SHORT, log)).isInstanceOf(OfficialPyTorch.Unavailable.class)
                .hasMessageContaining("--torchscale DIR or BEIT3_TORCHSCALE");
        assertThatThrownBy(() -> OfficialPyTorch.start(new Benchmark.Official(python.toString(),
                tmp.resolve("absent"), 2), "base", SHORT, log)).isInstanceOf(OfficialPyTorch.Unavailable.class)
                .hasMessageContaining("is not a folder");
        assertThatThrownBy(() -> start(tmp.resolve("no-such-python"))).isInstanceOf(OfficialPyTorch.Unavailable.class)
                .hasMessageContaining("cannot start the interpreter").hasMessageContaining("--python PATH");
    }

    @Test
    void aWorkerThatDiesDuringARunFailsWithItsExitCodeAndLastMessages() throws Exception {
        Path python = fake("echo ready", "echo 'Killed: out of memory' >&2; exit 3");
        try (OfficialPyTorch official = start(python)) {
            official.prepare("vision384_b8");
            assertThatThrownBy(() -> official.run("vision384_b8")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("exited with code 3").hasMessageContaining("run vision384_b8")
                    .hasMessageContaining("its last messages: Killed: out of memory");
        }
        assertThat(logBytes.toString(StandardCharsets.UTF_8)).contains("official-pytorch: Killed: out of memory");
    }

    @Test
    void anAnswerThatIsNotATimeOrARefusalIsAnError() throws Exception {
        try (OfficialPyTorch official = start(fake("echo ready", "echo 'ok banana'"))) {
            official.prepare("text64_b32");
            assertThatThrownBy(() -> official.run("text64_b32")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("'ok banana'").hasMessageContaining("expected 'ok <seconds>");
        }
        try (OfficialPyTorch official = start(fake("echo ready", "echo 'error ValueError: not prepared'"))) {
            assertThatThrownBy(() -> official.run("text64_b32")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("refused 'run text64_b32': error ValueError: not prepared");
        }
    }

    @Test
    void aWorkerThatDoesNotAnswerInTimeIsEndedAndSaysSo() throws Exception {
        Path python = fake("echo ready", "exec sleep 60");
        OfficialPyTorch.Timeouts quick = new OfficialPyTorch.Timeouts(Duration.ofSeconds(20), Duration.ofSeconds(20),
                Duration.ofMillis(300));
        try (OfficialPyTorch official = OfficialPyTorch.start(new Benchmark.Official(python.toString(), torchscale(),
                1), "base", quick, log)) {
            assertThatThrownBy(() -> official.run("vision224_b1")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("did not answer 'run vision224_b1'").hasMessageContaining("it was ended");
        }
    }

    @Test
    void aWorkerThatStartsWithSomethingElseThanReadyIsUnavailable() throws Exception {
        assertThatThrownBy(() -> start(fake("echo 'Segmentation fault'", null)))
                .isInstanceOf(OfficialPyTorch.Unavailable.class).hasMessageContaining("'Segmentation fault'");
    }
}
