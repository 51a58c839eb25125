package dev.beit3.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The job's command line without a Spark session: exit codes (0 help, 2 bad input) and messages that name the
 * offending option or command and say how to fix it. Bad input is refused before any session starts.
 */
class Beit3SparkJobCommandLineTest {
    private record Run(int code, String out, String err) {}

    private static Run execute(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Beit3SparkJob.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        Run r = new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("exit " + r.code() + " for " + String.join(" ", args) + ": " + r.err().strip());
        return r;
    }

    @Test
    void unknownOptionIsBadInputNamingIt() {
        Run r = execute("embed-texts", "--package", "models", "--input", "t.txt", "--output", "o", "--bacth-size", "8");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--bacth-size").contains("--batch-size").contains("embed-texts --help");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void malformedNumberIsBadInputNamingTheOption() {
        Run r = execute("search", "--queries", "q", "--query-id", "text", "--table", "t", "--id", "path",
                "--output", "o", "--k", "ten");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--k").contains("ten");
    }

    @Test
    void optionWithoutItsValueIsBadInputNamingIt() {
        Run r = execute("search", "--queries", "q", "--query-id", "text", "--table", "t", "--id", "path",
                "--output", "o", "--k");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("option --k needs a value");
    }

    @Test
    void missingRequiredOptionIsBadInputNamingIt() {
        Run r = execute("search", "--queries", "q", "--query-id", "text", "--table", "t", "--id", "path");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--output");
    }

    @Test
    void valueOutOfRangeIsBadInput() {
        Run r = execute("search", "--queries", "q", "--query-id", "text", "--table", "t", "--id", "path",
                "--output", "o", "--k", "0");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--k must be at least 1");
    }

    @Test
    void embeddingWithoutAModelIsBadInput() {
        Run r = execute("embed-images", "--input", "imgs", "--output", "o");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("no model given", "--package", "--checkpoint");
    }

    @Test
    void unknownCommandIsBadInputWithASuggestionEvenWithHelp() {
        Run r = execute("embed-text", "--help");
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("unknown command 'embed-text'").contains("embed-texts");
        assertThat(r.out()).isEmpty();
        assertThat(execute().code()).isEqualTo(2);
    }

    @Test
    void helpListsTheCommandsAndTheirOptions() {
        Run top = execute("--help");
        assertThat(top.code()).isZero();
        assertThat(top.out()).contains("embed-images", "embed-texts", "search");
        Run sub = execute("search", "--help");
        assertThat(sub.code()).isZero();
        assertThat(sub.out()).contains("--queries", "--query-id", "--vector-col", "--overwrite", "--master");
        assertThat(execute("embed-images", "--help").out()).contains("--package", "--checkpoint", "--glob",
                "--batch-size", "--partitions");
    }
}
