package dev.beit3.cli;

import static dev.beit3.cli.CliTasksTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.core.testing.Fixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beit3 serve} refuses bad settings before it listens: exit code 2 and a line naming the problem (the
 * server itself is tested in beit3-serve).
 */
class CliServeTest {
    @TempDir
    Path tmp;

    @Test
    void modelsAndConfigTogetherAreRefused() throws Exception {
        Path config = Files.writeString(tmp.resolve("m.yaml"), "models: []\n");
        CliTasksTest.Run r = run("serve", "--port", "0", "--models", Fixtures.demo().toString(), "--config",
                config.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--models DIR or --config FILE, not both");
        assertThat(r.out()).doesNotContain("listening");
    }

    @Test
    void aBadConfigurationNamesTheFix() throws Exception {
        Path config = Files.writeString(tmp.resolve("m.yaml"), "models: []\n");
        CliTasksTest.Run r = run("serve", "--port", "0", "--config", config.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("needs a non-empty list 'models'");
        CliTasksTest.Run missing = run("serve", "--port", "0", "--config", tmp.resolve("nope.json").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err()).contains("cannot read the model configuration");
    }

    @Test
    void anEmptyTokenFileIsRefused() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "  \n");
        CliTasksTest.Run r = run("serve", "--port", "0", "--models", Fixtures.demo().toString(), "--token-file",
                token.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("is empty");
    }
}
