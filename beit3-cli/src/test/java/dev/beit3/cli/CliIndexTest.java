package dev.beit3.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code beit3 index} end to end on the project's own demo models and samples: {@code index search} ranks as
 * {@code beit3 search} (brute force over freshly embedded images) does; a re-run skips, stats and verify report.
 */
class CliIndexTest {
    private static final Path DEMO = Path.of("..", "models", "demo").toAbsolutePath().normalize();
    private static final Path IMAGES = DEMO.resolve("samples/images");

    record Run(int code, String out, String err) {}

    static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = Beit3Cli.commandLine(); // as main runs it: unknown words refused, messages escaped
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void indexSearchRanksAsBeit3Search(@TempDir Path tmp) throws IOException {
        String idx = tmp.resolve("idx").toString();
        Run add = run("index", "add", IMAGES.toString(), "--index", idx, "--models", DEMO.toString());
        assertThat(add.code()).as(add.err()).isZero();
        assertThat(add.out()).contains("12 added, 0 replaced, 0 unchanged");
        int n;
        try (Stream<Path> s = Files.list(IMAGES)) {
            n = (int) s.filter(p -> p.toString().endsWith(".png")).count();
        }
        for (String q : List.of("a red circle", "two circles", "a small orange triangle in the center")) {
            Run brute = run("search", "--json", "--query", q, "--images", IMAGES.toString(), "-k", Integer.toString(n),
                    "--models", DEMO.toString());
            Run indexed = run("index", "search", "--json", "--index", idx, "--query", q, "-k", Integer.toString(n),
                    "--models", DEMO.toString());
            assertThat(brute.code()).as(brute.err()).isZero();
            assertThat(indexed.code()).as(indexed.err()).isZero();
            JsonArray want = JsonParser.parseString(brute.out().strip()).getAsJsonObject().getAsJsonArray("ranking");
            JsonArray got = JsonParser.parseString(indexed.out().strip()).getAsJsonObject().getAsJsonArray("hits");
            assertThat(got.size()).isEqualTo(want.size()).isEqualTo(n);
            double maxDiff = 0;
            for (int i = 0; i < n; i++) {
                JsonObject w = want.get(i).getAsJsonObject();
                JsonObject g = got.get(i).getAsJsonObject();
                assertThat(g.get("id").getAsString()).as("%s rank %d", q, i + 1)
                        .isEqualTo(Path.of(w.get("image").getAsString()).toAbsolutePath().normalize().toString());
                maxDiff = Math.max(maxDiff, Math.abs(g.get("score").getAsDouble() - w.get("score").getAsDouble()));
            }
            assertThat(maxDiff).isLessThan(1e-5);
            System.out.printf(Locale.ROOT, "index search = beit3 search for \"%s\": all %d in the same order, max score"
                    + " diff %.2e%n", q, n, maxDiff);
        }
        Run again = run("index", "add", IMAGES.toString(), "--index", idx, "--models", DEMO.toString());
        assertThat(again.out()).contains("0 added, 0 replaced, 12 unchanged");
        Run stats = run("index", "stats", "--json", "--index", idx);
        JsonObject s = JsonParser.parseString(stats.out().strip()).getAsJsonObject();
        assertThat(s.get("documents").getAsInt()).isEqualTo(n);
        assertThat(s.getAsJsonObject("model").get("head").getAsString()).isEqualTo("retrieval");
        Run verify = run("index", "verify", "--index", idx);
        assertThat(verify.code()).isZero();
        assertThat(verify.out()).contains("OK").contains("CheckIndex: clean").contains("vectors: " + n + " checked");
    }

    @Test
    void errorsExitWithTwoAndNameTheFix(@TempDir Path tmp) throws IOException {
        Run none = run("index", "search", "--index", tmp.resolve("nothing").toString(), "--query", "x",
                "--models", DEMO.toString());
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err()).contains("no index at").contains("beit3 index add");
        Path notEmpty = Files.createDirectories(tmp.resolve("photos"));
        Files.writeString(notEmpty.resolve("a.txt"), "x");
        Run refused = run("index", "add", IMAGES.toString(), "--index", notEmpty.toString(), "--models", DEMO.toString());
        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("is not empty");
        Run badQuantize = run("index", "add", IMAGES.toString(), "--index", tmp.resolve("q").toString(),
                "--quantize", "int3", "--models", DEMO.toString());
        assertThat(badQuantize.code()).isEqualTo(2);
        assertThat(badQuantize.err()).contains("--quantize must be none, int7 or int4");
    }
}
