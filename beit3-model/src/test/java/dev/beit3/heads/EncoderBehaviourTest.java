package dev.beit3.heads;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.DecodingSession;
import dev.beit3.api.Encoder;
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

    /**
     * A decoding session fed the prompt and then one token at a time gives, at every new token, the output a full
     * pass over the whole sequence gives there under the captioning (causal text) mask; its bookkeeping refuses
     * misuse.
     */
    @Test
    void aDecodingSessionStepGivesTheFullPassOutputAtTheNewToken() throws Exception {
        ParityCase c = visionText();
        EncoderConfig cfg = c.encoderConfig();
        int t = 6;
        long[] ids = {0, 17, 230, 41, 95, 8};
        try (NDManager weights = NDManager.newBaseManager(); NDManager call = weights.newSubManager()) {
            Encoder enc = EncoderParityTest.load(c, cfg, weights);
            int nv = cfg.numPatches() + 1;
            NDArray image = call.randomNormal(new Shape(2, 3, cfg.imageSize(), cfg.imageSize()));
            NDArray text = call.create(ids, new Shape(1, t)).repeat(0, 2); // (2, T)
            NDArray full = enc.encode(EncoderInput.fused(image, text, null)
                    .withAttentionMask(CaptioningMaskForTests.mask(nv, t, call)), call).output(); // (2, Nv + T, D)
            double max = 0;
            try (DecodingSession s = enc.startDecoding(call).orElseThrow()) {
                assertThatThrownBy(() -> s.step(text.get(":, 0:1"), null, call))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("start(");
                NDArray first = s.start(EncoderInput.fused(image, text.get(":, 0:2"), null)
                        .withAttentionMask(CaptioningMaskForTests.mask(nv, 2, call)), call).output(); // (2, Nv + 2, D)
                assertThat(s.textLength()).isEqualTo(2);
                assertThat(s.length()).isEqualTo(nv + 2);
                Fixtures.Closeness cl = Fixtures.compare(first.get(":, -1").toFloatArray(),
                        full.get(":, {}", nv + 1).toFloatArray(), 1e-5, 0);
                assertThat(cl.withinTolerance()).as("prompt (max diff %s)", cl.maxAbsDiff()).isTrue();
                max = cl.maxAbsDiff();
                for (int j = 2; j < t; j++) {
                    NDArray out = s.step(text.get(":, {}:{}", j, j + 1), null, call).output(); // (2, 1, D)
                    cl = Fixtures.compare(out.toFloatArray(), full.get(":, {}", nv + j).toFloatArray(), 1e-5, 0);
                    assertThat(cl.withinTolerance()).as("token %d (max diff %s)", j, cl.maxAbsDiff()).isTrue();
                    max = Math.max(max, cl.maxAbsDiff());
                }
                assertThat(s.textLength()).isEqualTo(t);
                assertThatThrownBy(() -> s.start(EncoderInput.fused(image, text, null), call))
                        .isInstanceOf(IllegalStateException.class).hasMessageContaining("already started");
                assertThatThrownBy(() -> s.dropLast(t + 1)).isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("holds " + t + " text tokens");
                s.dropLast(1);
                s.reorder(new long[] {1, 1});
                assertThat(s.textLength()).isEqualTo(t - 1);
                assertThat(s.length()).isEqualTo(nv + t - 1);
                NDArray again = s.step(text.get(":, {}:{}", t - 1, t), null, call).output(); // row 1's cache, twice
                cl = Fixtures.compare(again.get("0").toFloatArray(), full.get("1, {}", nv + t - 1).toFloatArray(),
                        1e-5, 0);
                assertThat(cl.withinTolerance()).as("after drop and reorder (max diff %s)", cl.maxAbsDiff()).isTrue();
            }
            System.out.printf(Locale.ROOT, "decoding session vs full causal pass, %d tokens: max|diff| %.3e%n", t, max);
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
