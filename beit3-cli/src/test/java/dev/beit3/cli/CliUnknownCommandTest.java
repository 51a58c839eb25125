package dev.beit3.cli;

import static dev.beit3.cli.CliTasksTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * An unknown command (or option) is bad input whatever follows it: exit 2 with picocli's suggestion, and no usage
 * on stdout that would make {@code beit3 nosuch --help} look like a valid call.
 */
class CliUnknownCommandTest {
    private static void print(String what, CliTasksTest.Run r) {
        System.out.println(what + ": exit " + r.code() + ", stderr: " + r.err().strip().replace('\n', ' '));
    }

    @Test
    void unknownCommandWithHelpIsBadInput() {
        CliTasksTest.Run r = run("nosuch", "--help");
        print("beit3 nosuch --help", r);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("'nosuch'");
        assertThat(r.out()).doesNotContain("Usage: beit3");
    }

    @Test
    void misspelledCommandGetsTheSuggestionWhateverOptionsFollow() {
        for (String[] args : new String[][] {{"clasify"}, {"clasify", "--help"}, {"clasify", "--version"},
            {"clasify", "-h", "x.png"}}) {
            CliTasksTest.Run r = run(args);
            print("beit3 " + String.join(" ", args), r);
            assertThat(r.code()).isEqualTo(2);
            assertThat(r.err()).contains("'clasify'").contains("Did you mean").contains("classify");
        }
    }

    @Test
    void unknownOptionOfACommandWithHelpIsBadInput() {
        CliTasksTest.Run r = run("classify", "--no-such-option", "--help");
        print("beit3 classify --no-such-option --help", r);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--no-such-option");
    }

    @Test
    void helpOfKnownCommandsStillSucceeds() {
        assertThat(run("--help").code()).isZero();
        assertThat(run("--help").out()).contains("Usage: beit3", "classify");
        assertThat(run("classify", "--help").out()).contains("Usage: beit3 classify");
        assertThat(run("classify", "--help").code()).isZero();
        assertThat(run("help", "classify").code()).isZero();
        assertThat(run("--version").code()).isZero();
    }
}
