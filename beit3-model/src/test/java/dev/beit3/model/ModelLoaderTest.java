package dev.beit3.model;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.beit3.api.RgbImage;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointLayout;
import dev.beit3.core.checkpoint.SafeTensors;
import dev.beit3.core.checkpoint.TensorData;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one loader as the facade uses it: facts from the file, one open and one discovery per build. */
class ModelLoaderTest {
    private static final String TEXT_POSITIONS = "beit3.encoder.embed_positions.B.weight";

    @TempDir
    Path tmp;

    /** The project's demo captioning model (a particular file: its caption is compared with itself). */
    private static JsonObject captioning() {
        return Fixtures.json(Fixtures.projectDemo().resolve("models.json")).getAsJsonObject("models")
                .getAsJsonObject("captioning");
    }

    private static Path spm() {
        return Fixtures.projectDemo().resolve(Fixtures.json(Fixtures.projectDemo().resolve("models.json"))
                .getAsJsonObject("tokenizer").get("file").getAsString());
    }

    private static RgbImage picture(Beit3 m) {
        Path samples = Fixtures.projectDemo().resolve("samples");
        return m.readImage(samples.resolve(Fixtures.json(samples.resolve("samples.json")).getAsJsonArray("images")
                .get(0).getAsJsonObject().get("file").getAsString()));
    }

    @Test
    void theTextPositionsComeFromTheFile() throws Exception {
        JsonObject cap = captioning();
        Path original = Fixtures.projectDemo().resolve(cap.get("file").getAsString());
        int heads = cap.get("heads").getAsInt();
        int textLen = cap.get("text_max_len").getAsInt();
        // the same model with a shorter text position table: rows past the caption length are never read
        Map<String, TensorData> tensors = new LinkedHashMap<>(Checkpoint.read(original).tensors());
        TensorData table = tensors.get(TEXT_POSITIONS);
        long rows = textLen + 2;
        assertThat(rows).isLessThan(table.shape()[0]);
        long rowBytes = table.data().remaining() / table.shape()[0];
        tensors.put(TEXT_POSITIONS, new TensorData(TEXT_POSITIONS, table.dtype(), new long[] {rows, table.shape()[1]},
                table.data().slice(0, (int) (rows * rowBytes))));
        Path shorter = tmp.resolve("shorter.safetensors");
        SafeTensors.write(shorter, tensors, Map.of());

        assertThat(CheckpointLayout.read(original).textPositions()).isEqualTo(table.shape()[0]);
        assertThat(CheckpointLayout.read(shorter).textPositions()).isEqualTo(rows);
        try (Beit3 full = Beit3.builder().checkpoint(original).tokenizer(spm()).attentionHeads(heads)
                .maxTextLength(textLen).build();
                Beit3 cut = Beit3.builder().checkpoint(shorter).tokenizer(spm()).attentionHeads(heads)
                        .maxTextLength(textLen).build()) {
            assertThat(full.config().maxTextPositions()).isEqualTo(table.shape()[0]);
            assertThat(cut.config().maxTextPositions()).isEqualTo(rows);
            List<Caption> a = full.caption(List.of(picture(full)), full.decoding());
            List<Caption> b = cut.caption(List.of(picture(cut)), cut.decoding());
            System.out.printf("caption with %d text positions: '%s'; with %d: '%s'%n", table.shape()[0],
                    a.get(0).text(), rows, b.get(0).text());
            assertThat(b.get(0).ids()).containsExactly(a.get(0).ids());
        }
    }

    @Test
    void oneBuildOpensTheCheckpointOnceAndDiscoversOnce() {
        JsonObject cap = captioning();
        Path file = Fixtures.projectDemo().resolve(cap.get("file").getAsString());
        long opened = Checkpoint.filesOpened();
        long discovered = ProviderRegistry.discoveryRuns();
        try (Beit3 m = Beit3.builder().checkpoint(file).tokenizer(spm()).attentionHeads(cap.get("heads").getAsInt())
                .build()) {
            assertThat(m.headId()).isEqualTo("captioning"); // detected inside the load
            assertThat(Checkpoint.filesOpened() - opened).isEqualTo(1);
            assertThat(ProviderRegistry.discoveryRuns() - discovered).isEqualTo(1);
        }
        ProviderRegistry given = ProviderRegistry.discover();
        discovered = ProviderRegistry.discoveryRuns();
        try (Beit3 m = Beit3.builder().checkpoint(file).tokenizer(spm()).attentionHeads(cap.get("heads").getAsInt())
                .registry(given).build()) {
            assertThat(ProviderRegistry.discoveryRuns() - discovered).as("a given registry is used as it is").isZero();
        }
    }
}
