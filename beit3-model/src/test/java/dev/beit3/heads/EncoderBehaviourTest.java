package dev.beit3.heads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.SafeTensors;
import dev.beit3.core.checkpoint.TensorData;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.model.Beit3;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Batching, routing-plan printing and strict loading of the Multiway encoder. */
class EncoderBehaviourTest {

    private static ParityCase visionText() throws Exception {
        return ParityCase.of("encoder").stream().filter(c -> c.name().endsWith("vision_text")).findFirst().orElseThrow();
    }

    @Test
    void aPaddedBatchGivesRowByRowTheResultOfSingleCalls() throws Exception {
        ParityCase c = visionText();
        EncoderConfig cfg = c.encoderConfig();
        int[] lengths = {3, 7, 5, 12};
        int t = 12;
        try (NDManager weights = NDManager.newBaseManager(); NDManager call = weights.newSubManager()) {
            MultiwayEncoder enc = EncoderParityTest.load(c, cfg, weights);
            NDArray images = call.randomNormal(new Shape(4, 3, cfg.imageSize(), cfg.imageSize()));
            long[] ids = new long[4 * t];
            long[] pad = new long[4 * t];
            for (int r = 0; r < 4; r++) {
                for (int j = 0; j < t; j++) {
                    ids[r * t + j] = j < lengths[r] ? 4 + (r * 31 + j * 7) % 900 : 1;
                    pad[r * t + j] = j < lengths[r] ? 0 : 1;
                }
            }
            NDArray batchOut = enc.encode(EncoderInput.fused(images, call.create(ids, new Shape(4, t)),
                    call.create(pad, new Shape(4, t))), call).output(); // (4, Nv + 12, D)
            long nv = cfg.numPatches() + 1;
            double max = 0;
            for (int r = 0; r < 4; r++) {
                long[] single = java.util.Arrays.copyOfRange(ids, r * t, r * t + lengths[r]);
                NDArray one = enc.encode(EncoderInput.fused(images.get("{}:{}", r, r + 1),
                        call.create(single, new Shape(1, lengths[r])), null), call).output(); // (1, Nv + len, D)
                float[] expected = one.toFloatArray();
                float[] actual = batchOut.get("{}:{}, :{}", r, r + 1, nv + lengths[r]).toFloatArray();
                Fixtures.Closeness cl = Fixtures.compare(actual, expected, 1e-5, 0);
                max = Math.max(max, cl.maxAbsDiff());
                assertThat(cl.withinTolerance()).as("row %d (max diff %s)", r, cl.maxAbsDiff()).isTrue();
            }
            System.out.printf(Locale.ROOT, "batch of 4 (text lengths 3, 7, 5, 12) vs single calls: max|diff| %.3e%n", max);
        }
    }

    @Test
    void printingTheRoutingPlanShowsEveryLayersExperts() throws Exception {
        ParityCase c = visionText();
        try (NDManager weights = NDManager.newBaseManager()) {
            MultiwayEncoder enc = EncoderParityTest.load(c, c.encoderConfig(), weights);
            String printed = enc.toString();
            assertThat(printed).contains("FUSED input:", "VISION input:", "LANGUAGE input:");
            for (int i = 0; i < c.encoderConfig().layers(); i++) {
                assertThat(printed).contains(String.format("layer %-2d", i));
            }
            assertThat(printed).contains("VISION_PART→beit3-vision", "LANGUAGE_PART→beit3-language", "FINAL_NORM");
        }
    }

    @Test
    void aCheckpointOfAnotherSizeFailsAtLoadWithTheStrictReport() throws Exception {
        ParityCase c = visionText();
        EncoderConfig cfg = c.encoderConfig();
        EncoderConfig wider = new EncoderConfig(ModelFamily.BEIT3, cfg.dim() * 2, cfg.heads(), cfg.layers(),
                cfg.ffnDim(), cfg.patchSize(), cfg.imageSize(), cfg.vocabSize(), cfg.maxTextPositions(),
                cfg.layerNormEps(), true, cfg.layers());
        try (NDManager weights = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> EncoderParityTest.load(c, wider, weights))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("beit3.encoder.layers.0.self_attn.q_proj.A.weight")
                    .hasMessageContaining("[" + cfg.dim() + ", " + cfg.dim() + "]");
        }
    }

    @Test
    void aCheckpointMissingATensorFailsAtLoadNamingIt(@TempDir Path tmp) throws Exception {
        ParityCase c = ParityCase.of("retrieval").get(0);
        Map<String, TensorData> tensors = new LinkedHashMap<>(Checkpoint.read(c.checkpoint()).tensors());
        String gone = "beit3.encoder.layers.1.ffn.B.fc2.weight";
        assertThat(tensors.remove(gone)).isNotNull();
        Path file = tmp.resolve("broken.safetensors");
        SafeTensors.write(file, tensors, Map.of());
        assertThatThrownBy(() -> Beit3.builder().checkpoint(file).attentionHeads(c.encoderConfig().heads())
                .head("retrieval").build()).isInstanceOf(CheckpointException.class).hasMessageContaining(gone);
    }

    @Test
    void askingForAHeadTheCheckpointLacksNamesTheMissingKeysAndTheSupportedHeads() throws Exception {
        Path vqa = ParityCase.of("vqa").get(0).checkpoint();
        assertThatThrownBy(() -> Beit3.builder().checkpoint(vqa).attentionHeads(8).head("captioning").build())
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("missing [mlm_head.weight]")
                .hasMessageContaining("supports: [vqa]");
    }

    @Test
    void withoutAHeadNameTheLoaderPicksItFromTheKeysAndSaysSo() throws Exception {
        ParityCase c = ParityCase.of("nlvr2").get(0);
        try (Beit3 m = Beit3.builder().checkpoint(c.checkpoint()).attentionHeads(c.encoderConfig().heads()).build()) {
            assertThat(m.headId()).isEqualTo("nlvr2");
            dev.beit3.core.plugin.ProviderRegistry reg = dev.beit3.core.plugin.ProviderRegistry.discover();
            assertThat(dev.beit3.core.checkpoint.CheckpointLayout.of(Checkpoint.open(c.checkpoint()), reg)
                    .detectHead(reg)).isEqualTo("nlvr2"); // from the keys alone
            assertThat(m.provenance().head()).contains("detected from the checkpoint keys");
        }
    }

    @Test
    void aVlmoCheckpointGivenToTheBeit3LoaderIsRefusedAtLoad() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(
                java.nio.file.Files.isDirectory(Fixtures.root().resolve("models/vlmo_vqa")), "no vlmo_vqa fixture");
        Path vlmo = Fixtures.checkpoint(Fixtures.root(), "vlmo_vqa");
        assertThatThrownBy(() -> Beit3.builder().checkpoint(vlmo).build())
                .isInstanceOf(CheckpointException.class).hasMessageContaining("VLMo");
    }
}
