package dev.beit3.heads;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.EncoderOutput;
import dev.beit3.api.Modality;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.Beit3Encoders;
import dev.beit3.core.encoder.MultiwayEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The encoder reproduces the reference (torchscale 0.2.0) on every case of {@code models/encoder}
 * and on the encoder part of the {@code interp} cases: token embeddings, every hidden state, and the
 * output, within each manifest's tolerance.
 */
class EncoderParityTest {

    @TestFactory
    Stream<DynamicTest> encoderMatchesReferenceOnEveryCase() throws Exception {
        List<ParityCase> cases = new ArrayList<>(ParityCase.of("encoder"));
        for (String m : List.of("imageclassification", "vqa", "nlvr2", "captioning", "retrieval")) {
            cases.addAll(ParityCase.of(m));
        }
        assertThat(cases).as("encoder cases under the fixture root").isNotEmpty();
        return cases.stream().filter(c -> c.has("hidden_states") && !c.name().startsWith("captioning/generate"))
                .map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
    }

    static MultiwayEncoder load(ParityCase c, EncoderConfig cfg, NDManager weights) throws Exception {
        CheckpointWeights ws = Checkpoint.read(c.checkpoint()).weights(weights);
        MultiwayEncoder enc = Beit3Encoders.build(cfg, ws, Beit3Encoders.plan(cfg), TestProviders::expert,
                TestProviders::embedding);
        ws.report().throwIfIncomplete(c.name());
        return enc;
    }

    private void run(ParityCase c) throws Exception {
        EncoderConfig cfg = c.encoderConfig();
        try (NDManager weights = NDManager.newBaseManager(); NDManager call = weights.newSubManager()) {
            MultiwayEncoder enc = load(c, cfg, weights);
            if (c.has("vision_hidden_states")) { // retrieval: separate image-only and text-only passes
                EncoderInput full = input(c, call);
                check(c, "vision_", enc, EncoderInput.vision(full.image()), cfg, call);
                check(c, "text_", enc, EncoderInput.text(full.textIds(), full.textPaddingMask()), cfg, call);
            } else {
                check(c, "", enc, input(c, call), cfg, call);
            }
        }
    }

    private void check(ParityCase c, String prefix, MultiwayEncoder enc, EncoderInput input, EncoderConfig cfg,
            NDManager call) {
        {
            EncoderInput in = input.withAllHiddenStates(true);
            if (c.manifest.has("attention_mask")) { // captioning: the reference's uni-directional text mask
                int nv = cfg.numPatches() + 1;
                int t = (int) in.textIds().getShape().get(1);
                in = in.withAttentionMask(dev.beit3.heads.CaptioningMaskForTests.mask(nv, t, call));
            }
            EncoderOutput out = enc.encode(in, call);
            int layers = cfg.layers();
            assertThat(out.hiddenStates()).hasSize(layers + 1);
            float[] hs = new float[0];
            List<float[]> parts = new ArrayList<>();
            for (NDArray h : out.hiddenStates()) {
                parts.add(h.toFloatArray());
            }
            hs = concat(parts);
            c.check(prefix + "hidden_states", hs);
            c.check(prefix + "encoder_out", out.output().toFloatArray());
            if (c.has(prefix + "token_embeddings")) {
                c.check(prefix + "token_embeddings", tokenEmbeddings(enc, in, call));
            }
            if (c.has("interpolated_vision_pos_embed")) {
                assertThat(enc.embedding(Modality.VISION).provenance()).contains("interpolated");
            }
        }
    }

    static EncoderInput input(ParityCase c, NDManager m) {
        NDArray image = c.has("image") ? c.input("image", m) : null;
        String textName = c.has("text_ids") ? "text_ids" : c.has("question") ? "question"
                : c.has("text_description") ? "text_description" : c.has("language_tokens") ? "language_tokens" : null;
        NDArray ids = textName == null ? null : c.input(textName, m);
        NDArray pad = c.has("padding_mask") ? c.input("padding_mask", m) : null;
        if (c.has("image_a")) { // NLVR2: one pass over [all (a, text), all (b, text)]
            image = c.input("image_a", m).concat(c.input("image_b", m), 0);
            ids = ids.concat(ids, 0);
            pad = pad == null ? null : pad.concat(pad, 0);
        }
        EncoderInput in = new EncoderInput(image, ids, pad, null, null, false, java.util.Map.of());
        if (c.has("vision_masked_position")) {
            in = in.withVisionMask(c.input("vision_masked_position", m));
        }
        return in;
    }

    private static float[] tokenEmbeddings(MultiwayEncoder enc, EncoderInput in, NDManager m) {
        List<float[]> parts = new ArrayList<>();
        NDArray v = in.image() == null ? null : enc.embedding(Modality.VISION).embed(in);
        NDArray t = in.textIds() == null ? null : enc.embedding(Modality.LANGUAGE).embed(in);
        NDArray all = v == null ? t : t == null ? v : v.concat(t, 1);
        parts.add(all.toFloatArray());
        return concat(parts);
    }

    static float[] concat(List<float[]> parts) {
        int n = parts.stream().mapToInt(p -> p.length).sum();
        float[] out = new float[n];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }
}
