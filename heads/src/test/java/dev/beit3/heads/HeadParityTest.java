package dev.beit3.heads;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import dev.beit3.api.CaptioningHead;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.Beit3Encoders;
import dev.beit3.core.encoder.MultiwayEncoder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every task head reproduces the reference fine-tuning models ({@code modeling_finetune.py}) on the
 * golden cases: classification, VQA, NLVR2, retrieval, captioning masked LM and beam search.
 */
class HeadParityTest {

    @TestFactory
    Stream<DynamicTest> headsMatchReferenceOnEveryCase() throws Exception {
        List<DynamicTest> tests = new ArrayList<>();
        for (String model : List.of("imageclassification", "vqa", "nlvr2", "retrieval", "captioning")) {
            for (ParityCase c : ParityCase.of(model)) {
                tests.add(DynamicTest.dynamicTest(c.name(), () -> run(model, c)));
            }
        }
        assertThat(tests).as("head cases under the fixture root").isNotEmpty();
        return tests.stream();
    }

    private static HeadProvider provider(String id) {
        return ServiceLoader.load(HeadProvider.class).stream().map(ServiceLoader.Provider::get)
                .filter(p -> p.id().equals(id)).findFirst().orElseThrow();
    }

    private void run(String model, ParityCase c) throws Exception {
        EncoderConfig cfg = c.encoderConfig();
        try (NDManager weights = NDManager.newBaseManager(); NDManager call = weights.newSubManager()) {
            CheckpointWeights ws = Checkpoint.read(c.checkpoint()).weights(weights);
            MultiwayEncoder enc = Beit3Encoders.build(cfg, ws, Beit3Encoders.plan(cfg), TestProviders::expert,
                    TestProviders::embedding);
            HeadProvider hp = provider(model);
            TaskHead head = hp.create(new HeadSpec(cfg, hp.preset(), Map.of()), ws);
            ws.report().throwIfIncomplete(c.name());
            switch (model) {
                case "imageclassification" -> {
                    NDList out = head.forward(enc, new HeadInput(c.input("image", call), null, null, null, Map.of()),
                            call);
                    c.check("logits", out.get(0).toFloatArray());
                    c.check("pooled", out.get(1).toFloatArray());
                }
                case "vqa" -> {
                    NDList out = head.forward(enc, new HeadInput(c.input("image", call), null,
                            c.input("question", call), c.input("padding_mask", call), Map.of()), call);
                    c.check("logits", out.get(0).toFloatArray());
                    c.check("pooled", out.get(1).toFloatArray());
                }
                case "nlvr2" -> {
                    NDList out = head.forward(enc, new HeadInput(c.input("image_a", call), c.input("image_b", call),
                            c.input("text_description", call), c.input("padding_mask", call), Map.of()), call);
                    c.check("logits", out.get(0).toFloatArray());
                    c.check("cls_rep", out.get(1).toFloatArray());
                }
                case "retrieval" -> {
                    NDList out = head.forward(enc, new HeadInput(c.input("image", call), null,
                            c.input("text_description", call), c.input("padding_mask", call), Map.of()), call);
                    c.check("vision_cls", out.get(0).toFloatArray());
                    c.check("language_cls", out.get(1).toFloatArray());
                    c.check("scores", out.get(2).toFloatArray());
                }
                case "captioning" -> captioning(c, (CaptioningHead) head, enc, call);
                default -> throw new AssertionError(model);
            }
        }
    }

    private void captioning(ParityCase c, CaptioningHead head, MultiwayEncoder enc, NDManager call) {
        if (c.has("language_masked_pos")) {
            NDArray logits = head.maskedLm(enc, c.input("image", call), c.input("text_ids", call),
                    c.input("padding_mask", call), c.input("language_masked_pos", call), call);
            c.check("logits", logits.toFloatArray());
            return;
        }
        JsonObject g = c.manifest.getAsJsonObject("generation");
        CaptioningHead.Decoding d = CaptioningHead.Decoding.builder(g.get("mask_id").getAsInt())
                .beams(g.get("num_beams").getAsInt()).maxLength(g.get("max_len").getAsInt())
                .lengthPenalty(g.get("length_penalty").getAsDouble())
                .specialIds(g.get("cls_id").getAsInt(), g.get("pad_id").getAsInt(), g.get("eos_id").getAsInt()).build();
        for (boolean cache : new boolean[] {true, false}) {
            generation(c, head, enc, call, d.withCache(cache), cache ? "cached" : "recomputed");
        }
    }

    private void generation(ParityCase c, CaptioningHead head, MultiwayEncoder enc, NDManager call,
            CaptioningHead.Decoding d, String how) {
        CaptioningHead.Generation gen = head.generate(enc, c.input("image", call), d, true, call);
        long[] expected = c.npy("decoded_ids").longs();
        long[] actual = Arrays.stream(gen.decodedIds()).flatMapToLong(Arrays::stream).toArray();
        System.out.printf("parity %-34s decoded_ids (%s) %s (expected %s)%n", c.name(), how,
                Arrays.toString(actual), Arrays.toString(expected));
        assertThat(actual).as("decoded ids").containsExactly(expected);
        // every step we computed matches the reference's logits and inputs on the rows of unfinished images
        float[] refLogits = c.npy("step_logits").floats();
        long[] refInputs = c.npy("step_input_ids").longs();
        long[] shape = c.npy("step_logits").shape(); // (steps, B·K, V)
        int rows = (int) shape[1];
        int vocab = (int) shape[2];
        double max = 0;
        int compared = 0;
        for (int s = 0; s < gen.steps().size(); s++) {
            CaptioningHead.Step step = gen.steps().get(s);
            for (int r = 0; r < rows; r++) {
                if (step.logits()[r] == null) {
                    continue;
                }
                int off = (s * rows + r) * vocab;
                float[] exp = Arrays.copyOfRange(refLogits, off, off + vocab);
                var cl = dev.beit3.core.testing.Fixtures.compare(step.logits()[r], exp, c.atol, c.rtol);
                assertThat(cl.withinTolerance()).as("step %d row %d logits (max diff %s)", s, r, cl.maxAbsDiff())
                        .isTrue();
                assertThat(step.inputIds()[r]).as("step %d row %d inputs", s, r)
                        .containsExactly(refInputs[(s * rows + r) * 2], refInputs[(s * rows + r) * 2 + 1]);
                max = Math.max(max, cl.maxAbsDiff());
                compared++;
            }
        }
        System.out.printf("parity %-34s %-30s max|diff| %.3e (%d step rows)%n", c.name(), "step_logits " + how, max,
                compared);
        assertThat(compared).isPositive();
    }
}
