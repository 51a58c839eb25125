package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.CheckpointException;
import dev.beit3.core.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The Hugging Face port's key layout: the rename both ways, reading such files, and the strict report. */
class HfLayoutTest {
    @TempDir
    Path dir;

    static Stream<Path> beit3Checkpoints() throws IOException {
        try (Stream<Path> s = Files.walk(Fixtures.root().resolve("models"))) {
            return s.filter(p -> p.toString().endsWith(".pth")).sorted().toList().stream()
                    .filter(p -> {
                        try {
                            return Checkpoint.open(p).tensors().containsKey("beit3.text_embed.weight");
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
        }
    }

    @Test
    void renamesAsThePortsConversionScriptDoes() {
        // hand-applied substitutions of the script's rename table
        assertThat(HfLayout.toHf("beit3.encoder.layers.3.self_attn.k_proj.A.weight"))
                .isEqualTo("beit3.encoder.layers.3.self_attn.key_proj.image.weight");
        assertThat(HfLayout.toHf("beit3.encoder.layers.0.self_attn_layer_norm.B.bias"))
                .isEqualTo("beit3.encoder.layers.0.self_attn_layer_norm.text.bias");
        assertThat(HfLayout.toHf("beit3.encoder.layers.0.final_layer_norm.A.weight"))
                .isEqualTo("beit3.encoder.layers.0.final_layer_norm.image.weight");
        assertThat(HfLayout.toHf("beit3.encoder.layer_norm.B.weight")).isEqualTo("beit3.encoder.fc_norm.text.weight");
        assertThat(HfLayout.toHf("beit3.vision_embed.proj.weight")).isEqualTo("beit3.vision_embedding.projection.weight");
        assertThat(HfLayout.toHf("beit3.text_embed.weight")).isEqualTo("beit3.text_embedding.weight");
        assertThat(HfLayout.toHf("beit3.encoder.layers.1.ffn.A.ffn_layernorm.weight"))
                .isEqualTo("beit3.encoder.layers.1.ffn.image.ffn_layernorm.weight");
        assertThat(HfLayout.toHf("head.3.weight")).isEqualTo("classifier.3.weight");
        assertThat(HfLayout.toHf("vision_head.weight")).isEqualTo("vision_classifier.weight");
        assertThat(HfLayout.toHf("pooler.dense.weight")).isEqualTo("beit3.pooler.dense.weight");
        assertThat(HfLayout.toHf("fc_norm.bias")).isEqualTo("fc_norm.bias");
        assertThat(HfLayout.toHf("logit_scale")).isEqualTo("logit_scale");
    }

    @ParameterizedTest
    @MethodSource("beit3Checkpoints")
    void everyFixtureKeyMapsToTheHfLayoutAndBack(Path file) throws IOException {
        Checkpoint c = Checkpoint.open(file);
        for (String k : c.tensors().keySet()) {
            String hf = HfLayout.toHf(k);
            assertThat(HfLayout.fromHf(hf)).as(k + " -> " + hf).isEqualTo(k);
        }
        assertThat(HfLayout.recognises(c.tensors().keySet())).isFalse();
        assertThat(HfLayout.recognises(HfLayout.toHf(c.tensors()).keySet())).isTrue();
    }

    @ParameterizedTest
    @MethodSource("beit3Checkpoints")
    void aFileInTheHfLayoutReadsBackBitIdentical(Path file) throws IOException {
        Checkpoint c = Checkpoint.read(file);
        Path hf = dir.resolve("model.safetensors");
        SafeTensors.write(hf, HfLayout.toHf(c.tensors()), Map.of("format", "pt"));
        for (Checkpoint back : List.of(Checkpoint.read(hf), Checkpoint.open(hf))) {
            assertThat(back.keyLayout()).isEqualTo(HfLayout.NAME);
            assertThat(back.tensors().keySet()).containsExactlyElementsOf(c.tensors().keySet());
            for (String k : c.tensors().keySet()) {
                assertThat(back.tensors().get(k)).as(k).isEqualTo(c.tensors().get(k));
                assertThat(back.shape(k)).hasValueSatisfying(s -> assertThat(s).containsExactly(c.shape(k).orElseThrow()));
            }
        }
        assertThat(c.keyLayout()).isEqualTo(HfLayout.UNILM);
    }

    @Test
    void aPartialHfFileIsRefusedNamingTheMissingKeys() throws IOException {
        Checkpoint c = Checkpoint.read(beit3Checkpoints().findFirst().orElseThrow());
        Map<String, TensorData> hf = new LinkedHashMap<>(HfLayout.toHf(c.tensors()));
        hf.remove("beit3.encoder.layers.1.self_attn.query_proj.text.weight");
        hf.remove("beit3.vision_embedding.projection.bias");
        Path f = dir.resolve("partial.safetensors");
        SafeTensors.write(f, hf, Map.of());
        assertThatThrownBy(() -> Checkpoint.open(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("Hugging Face")
                .hasMessageContaining("beit3.encoder.layers.1.self_attn.query_proj.text.weight")
                .hasMessageContaining("beit3.vision_embedding.projection.bias")
                .hasMessageContaining("2 of the");
    }

    @Test
    void aFileMixingBothLayoutsIsRefused() throws IOException {
        Checkpoint c = Checkpoint.read(beit3Checkpoints().findFirst().orElseThrow());
        Map<String, TensorData> hf = new LinkedHashMap<>(HfLayout.toHf(c.tensors()));
        TensorData t = c.tensors().get("beit3.text_embed.weight");
        hf.put("beit3.text_embed.weight", t);
        Path f = dir.resolve("mixed.safetensors");
        SafeTensors.write(f, hf, Map.of());
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("beit3.text_embed.weight").hasMessageContaining("mixes");
    }
}
