package dev.beit3.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The caption path of an official-style checkpoint ({@code beit3 caption --checkpoint FILE --spm FILE}) opens the
 * checkpoint once and discovers the providers once: the head is detected inside the one load. Counted with the
 * process-wide counters of {@link Checkpoint#filesOpened()} and {@link ProviderRegistry#discoveryRuns()}.
 */
class CaptionLoadCountTest {

    @Test
    void captionWithACheckpointOpensItOnceAndDiscoversOnce() {
        Path demo = Fixtures.demo();
        JsonObject models = Fixtures.json(demo.resolve("models.json"));
        JsonObject captioning = models.getAsJsonObject("models").getAsJsonObject("captioning");
        String checkpoint = demo.resolve(captioning.get("file").getAsString()).toString();
        String spm = demo.resolve(models.getAsJsonObject("tokenizer").get("file").getAsString()).toString();
        String image = demo.resolve("samples").resolve(Fixtures.json(demo.resolve("samples/samples.json"))
                .getAsJsonArray("images").get(0).getAsJsonObject().get("file").getAsString()).toString();

        long opened = Checkpoint.filesOpened();
        long discovered = ProviderRegistry.discoveryRuns();
        CliTasksTest.Run r = CliTasksTest.run("caption", "--checkpoint", checkpoint, "--spm", spm, "--heads",
                captioning.get("heads").getAsString(), image);
        long opens = Checkpoint.filesOpened() - opened;
        long discoveries = ProviderRegistry.discoveryRuns() - discovered;
        System.out.printf("caption --checkpoint: %d checkpoint open(s), %d provider discovery run(s)%n", opens,
                discoveries);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).as("a caption is printed").isNotBlank();
        assertThat(opens).as("checkpoint files opened by one caption call").isEqualTo(1);
        assertThat(discoveries).as("provider discovery runs of one caption call").isEqualTo(1);
    }
}
