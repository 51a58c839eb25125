package dev.beit3.heads;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonObject;
import dev.beit3.api.AttentionExpert;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.LayerSlot;
import dev.beit3.api.Modality;
import dev.beit3.api.EncoderOutput;
import dev.beit3.api.InputLayout;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.core.nn.LinearWeights;
import dev.beit3.vlmo.VlmoBlocks;
import dev.beit3.vlmo.VlmoEncoders;
import dev.beit3.vlmo.VlmoLayout;
import dev.beit3.vlmo.VlmoRelativePositionBias;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * VLMo checkpoints run through the same framework reproduce the reference ({@code unilm/vlmo}) on
 * every case under {@code models/vlmo_*} of the fixture root: hidden states of every layer, the VL
 * branch, features, the relative position index and bias, and every head output, within each
 * manifest's tolerance. Sizes, s, T and M come from the checkpoint (heads from the manifest's config
 * when it states them), never from constants, so another fixture set laid out the same way runs as is.
 */
class VlmoParityTest {

    @TestFactory
    Stream<DynamicTest> vlmoMatchesReferenceOnEveryCase() throws Exception {
        Path models = Fixtures.root().resolve("models");
        List<ParityCase> cases = new ArrayList<>();
        try (Stream<Path> s = Files.list(models)) {
            for (Path m : s.filter(p -> p.getFileName().toString().startsWith("vlmo_")).sorted().toList()) {
                cases.addAll(ParityCase.of(m.getFileName().toString()));
            }
        }
        assertThat(cases).as("vlmo_* cases under %s", models).isNotEmpty();
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> run(c)));
    }

    /** The layout of a case's checkpoint; H from the manifest when stated (models without a bias table). */
    static VlmoLayout layout(ParityCase c, Checkpoint ck) {
        JsonObject cfg = c.config();
        int heads = cfg != null && cfg.has("num_heads") ? cfg.get("num_heads").getAsInt() : 0;
        return VlmoLayout.of(ck, heads, 0);
    }

    /** The text padding mask (1 = padding) from VLMo's text_masks (1 = real token). */
    static NDArray padding(ParityCase c, NDManager m) {
        return c.input("text_masks", m).toType(DataType.FLOAT32, false).neg().add(1f);
    }

    private void run(ParityCase c) throws Exception {
        Checkpoint ck = Checkpoint.read(c.checkpoint());
        VlmoLayout layout = layout(c, ck);
        try (NDManager weights = NDManager.newBaseManager(); NDManager call = weights.newSubManager()) {
            CheckpointWeights ws = ck.weights(weights);
            MultiwayEncoder enc = VlmoEncoders.build(layout, ws, TestProviders::expert, TestProviders::embedding);
            VlmoHeadsForTests heads = new VlmoHeadsForTests(layout, ws);
            ws.report().throwIfIncomplete(c.name());
            if (c.has("relative_position_index")) {
                checkRelativePosition(c, layout, ws, call);
            }
            if (c.has("pass1_hidden_states")) { // NLVR2: two fused passes, image token types 1 and 2
                NDArray ids = c.input("text_ids", call);
                NDArray pad = padding(c, call);
                for (int pass = 1; pass <= 2; pass++) {
                    EncoderInput in = EncoderInput.fused(c.input("image_" + (pass - 1), call), ids, pad)
                            .withOption(VlmoEncoders.IMAGE_TOKEN_TYPE, Integer.toString(pass))
                            .withAllHiddenStates(true);
                    EncoderOutput out = enc.encode(in, call);
                    c.check("pass" + pass + "_hidden_states", hidden(out));
                    checkAttention(c, "pass" + pass + "_layer0_attn_out", layout, ws, enc, out, call);
                }
                heads.nlvr2(c, enc, call);
            } else if (c.has("image_cls_feats")) { // retrieval
                heads.retrieval(c, enc, call);
            } else if (c.has("hidden_states")) {
                EncoderInput in = input(c, call).withAllHiddenStates(true);
                EncoderOutput out = enc.encode(in, call);
                c.check("hidden_states", hidden(out));
                checkAttention(c, "layer0_attn_out", layout, ws, enc, out, call);
                int t = in.textIds() == null ? 0 : (int) in.textIds().getShape().get(1);
                if (in.layout() == InputLayout.FUSED) {
                    checkSlice(c, "text_feats", out.output().get(":, 0:{}", t));
                    checkSlice(c, "image_feats", out.output().get(":, {}:", t));
                } else {
                    c.check(in.layout() == InputLayout.VISION ? "image_feats" : "text_feats",
                            out.output().toFloatArray());
                }
                if (c.has("vlffn_hidden_states")) {
                    EncoderOutput vl = enc.runBranch(VlmoEncoders.BRANCH_VL, out, layout.vlStartLayer(), call);
                    c.check("vlffn_hidden_states", concat(vl.hiddenStates()));
                    c.check("vlffn_feats", vl.output().toFloatArray());
                }
                heads.single(c, enc, in, call);
            }
        }
        // inputs echoed as outputs (the checkpoint's logit scales) are read by the heads, not computed
        List<String> left = c.uncheckedOutputs().stream().filter(n -> !n.startsWith("logit_")).toList();
        System.out.printf("parity %-34s %-30s %s%n", c.name(), "(outputs not compared)", left.isEmpty() ? "none" : left);
        assertThat(left).as("outputs of %s without a comparison", c.name()).isEmpty();
    }

    /**
     * Layer 0's attention branch {@code proj(MHA(norm1(x)))} (before γ1), recomputed from the pass's
     * embeddings with the shared attention expert's q/k/v, the relative position bias and the key mask.
     */
    private static void checkAttention(ParityCase c, String name, VlmoLayout layout, CheckpointWeights ws,
            MultiwayEncoder enc, EncoderOutput out, NDManager call) {
        if (!c.has(name)) {
            return;
        }
        EncoderConfig cfg = enc.config();
        AttentionExpert att = VlmoBlocks.sharedAttention(
                new ExpertSpec(cfg, 0, LayerSlot.ATTENTION, Modality.of("shared"), Map.of()), ws.under("transformer."));
        NDArray x = out.hiddenStates().get(0); // (B, n, D)
        long b = x.getShape().get(0);
        long n = x.getShape().get(1);
        int h = cfg.heads();
        long d = cfg.headDim();
        NDList qkv = att.projectQkv(x); // 3 × (B, n, D), q scaled
        NDArray q = qkv.get(0).reshape(b, n, h, d).transpose(0, 2, 1, 3); // (B, H, n, d)
        NDArray k = qkv.get(1).reshape(b, n, h, d).transpose(0, 2, 3, 1); // (B, H, d, n)
        NDArray v = qkv.get(2).reshape(b, n, h, d).transpose(0, 2, 1, 3); // (B, H, n, d)
        NDArray scores = q.matMul(k); // (B, H, n, n)
        if (layout.relativePosition()) {
            int t = out.layout() == InputLayout.VISION ? 0 : out.layout() == InputLayout.LANGUAGE ? (int) n
                    : out.splitPosition();
            scores = scores.add(VlmoRelativePositionBias.load(layout, ws).bias(out.layout(), 0, t, call));
        }
        NDArray keyMask = out.paddingMask().mul(-1e30f).reshape(b, 1, 1, n); // (B, 1, 1, n)
        NDArray o = scores.add(keyMask).softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, n, h * d); // (B, n, D)
        LinearWeights proj = LinearWeights.load(ws.under("transformer.blocks.0."), "attn.proj", h * d, h * d, true,
                "test");
        c.check(name, proj.apply(o).toFloatArray());
    }

    private static void checkSlice(ParityCase c, String name, NDArray a) {
        if (c.has(name)) {
            c.check(name, a.toFloatArray());
        }
    }

    static EncoderInput input(ParityCase c, NDManager m) {
        NDArray image = c.has("image") ? c.input("image", m) : null;
        NDArray ids = c.has("text_ids") ? c.input("text_ids", m) : null;
        NDArray pad = ids == null ? null : padding(c, m);
        return new EncoderInput(image, ids, pad, null, null, false, Map.of());
    }

    private static void checkRelativePosition(ParityCase c, VlmoLayout layout, CheckpointWeights ws, NDManager call) {
        VlmoRelativePositionBias b = VlmoRelativePositionBias.load(layout, ws);
        long[] expected = c.npy("relative_position_index").longs();
        long n = c.npy("relative_position_index").shape()[0];
        InputLayout l = c.has("image") && c.has("text_ids") ? InputLayout.FUSED
                : c.has("image") ? InputLayout.VISION : InputLayout.LANGUAGE;
        int t = c.has("text_ids") ? (int) c.npy("text_ids").shape()[1] : 0;
        long[] actual = b.index(l, t);
        System.out.printf("parity %-34s %-30s %s (%d x %d)%n", c.name(), "relative_position_index",
                Arrays.equals(actual, expected) ? "exact" : "DIFFERS", n, n);
        assertThat(actual).as("relative position index of %s", c.name()).containsExactly(expected);
        c.checked.add("relative_position_index");
        c.check("layer0_relative_position_bias", b.bias(l, 0, t, call).toFloatArray());
    }

    static float[] hidden(EncoderOutput out) {
        return concat(out.hiddenStates());
    }

    static float[] concat(NDList list) {
        List<float[]> parts = new ArrayList<>();
        for (NDArray h : list) {
            parts.add(h.toFloatArray());
        }
        return EncoderParityTest.concat(parts);
    }
}
