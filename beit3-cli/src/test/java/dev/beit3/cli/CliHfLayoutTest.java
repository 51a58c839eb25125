package dev.beit3.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import dev.beit3.api.HeadInput;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.HfLayout;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.model.Beit3;
import dev.beit3.train.CheckpointWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code beit3 convert --to hf} writes a fixture checkpoint in the Hugging Face port's layout; read back (as
 * safetensors and as a {@code pytorch_model.bin}) it is bit-identical and the model gives the same outputs.
 */
class CliHfLayoutTest {
    @TempDir
    Path dir;

    private static Map<String, float[]> outputs(Path checkpoint, Path caseDir) {
        JsonObject m = Fixtures.json(caseDir.resolve("manifest.json"));
        JsonObject cfg = m.getAsJsonObject("config");
        try (Beit3 model = Beit3.builder().checkpoint(checkpoint).head("retrieval")
                .attentionHeads(cfg.get("encoder_attention_heads").getAsInt()).build()) {
            return model.run(s -> new HeadInput(Fixtures.npy(caseDir.resolve("image.npy")).toNDArray(s), null,
                    Fixtures.npy(caseDir.resolve("text_description.npy")).toNDArray(s),
                    Fixtures.npy(caseDir.resolve("padding_mask.npy")).toNDArray(s), Map.of()));
        }
    }

    @Test
    void aCheckpointConvertedToHfLoadsBackBitIdenticalWithTheSameOutputs() throws Exception {
        Path caseDir = CliExportTest.firstCase("retrieval");
        Path original = CliExportTest.checkpointOf(caseDir);
        Path hf = dir.resolve("model.safetensors");
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("convert", "--to", "hf", original.toString(),
                hf.toString());
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("Hugging Face");
        Checkpoint a = Checkpoint.read(original);
        Checkpoint b = Checkpoint.read(hf);
        assertThat(b.keyLayout()).isEqualTo(HfLayout.NAME);
        assertThat(b.tensors()).isEqualTo(a.tensors());
        // the same tensors in a torch.save zip named pytorch_model.bin (our writer nests them under 'model'; the
        // reader takes a bare state dict, as transformers writes it, the same way)
        Path bin = dir.resolve("pytorch_model.bin");
        CheckpointWriter.writePth(bin, HfLayout.toHf(a.tensors()));
        assertThat(Checkpoint.read(bin).tensors()).isEqualTo(a.tensors());

        Map<String, float[]> expected = outputs(original, caseDir);
        for (Path f : new Path[] {hf, bin}) {
            Map<String, float[]> actual = outputs(f, caseDir);
            assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
            expected.forEach((k, v) -> assertThat(actual.get(k)).as(f.getFileName() + " " + k).containsExactly(v));
            System.out.printf("hf layout %s: %d outputs bit-identical to the unilm checkpoint's%n", f.getFileName(),
                    expected.size());
        }

        CliCheckpointCommandsTest.Run inspect = CliCheckpointCommandsTest.run("inspect", hf.toString());
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.out()).contains("key layout:  " + HfLayout.NAME).contains("retrieval head");
    }

    @Test
    void refusesToRenameAVlmoCheckpoint() throws Exception {
        Path vlmo = CliExportTest.checkpointOf(CliExportTest.firstCase("vlmo_pretrain"));
        CliCheckpointCommandsTest.Run r = CliCheckpointCommandsTest.run("convert", "--to", "hf", vlmo.toString(),
                dir.resolve("x.safetensors").toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("not a BEiT-3 checkpoint");
    }
}
