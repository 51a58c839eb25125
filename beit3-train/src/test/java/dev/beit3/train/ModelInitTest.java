package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.api.EncoderConfig;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.TensorData;
import dev.beit3.core.testing.Fixtures;
import java.util.ArrayList;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A model trained from scratch starts with the reference's layout and initialisation. */
class ModelInitTest {
    /** The demo models' dimensions (models/demo/README.md). */
    static final EncoderConfig DEMO = new EncoderConfig(ModelFamily.BEIT3, 96, 4, 4, 384, 16, 64, 102, 1024, 1e-5,
            true, 4);

    @Test
    void freshCaptioningModelHasTheKeysShapesAndOrderOfTheReferenceCheckpoint() throws Exception {
        Map<String, TensorData> reference = Checkpoint.read(Fixtures.projectDemo().resolve("captioning.pth")).tensors();
        Map<String, TensorData> fresh = HeadInit.forTask(ModelInit.scratch(DEMO, 1), "captioning", 0, 0, 1);
        assertThat(new ArrayList<>(fresh.keySet())).containsExactlyElementsOf(reference.keySet());
        for (String k : reference.keySet()) {
            assertThat(fresh.get(k).shape()).as(k).containsExactly(reference.get(k).shape());
        }
        Map<String, TensorData> vqa = HeadInit.forTask(ModelInit.scratch(DEMO, 1), "vqa", 21, 0, 1);
        assertThat(vqa.keySet()).containsExactlyElementsOf(
                Checkpoint.read(Fixtures.projectDemo().resolve("vqa.pth")).tensors().keySet());
    }

    @Test
    void initialisationFollowsTheReferenceModuleByModule() {
        Map<String, TensorData> t = ModelInit.scratch(DEMO, 7);
        // Linear: trunc_normal(std 0.02) cut at ±std → all |w| ≤ 0.02, std of the cut normal = 0.02 · 0.5396
        float[] q = t.get("beit3.encoder.layers.2.self_attn.q_proj.B.weight").toFloats();
        assertThat(maxAbs(q)).isLessThanOrEqualTo(0.02f).isGreaterThan(0.019f);
        assertThat(std(q)).isCloseTo(0.02 * 0.5396, org.assertj.core.data.Offset.offset(0.0003));
        assertThat(maxAbs(t.get("beit3.encoder.layers.0.ffn.A.fc1.bias").toFloats())).isZero();
        // LayerNorms 1 / 0
        assertThat(t.get("beit3.encoder.layers.1.ffn.B.ffn_layernorm.weight").toFloats()).containsOnly(1f);
        assertThat(t.get("beit3.encoder.layer_norm.A.bias").toFloats()).containsOnly(0f);
        // text embedding N(0, D^-1/2), positions N(0, 1), conv uniform ±1/√(3·P²), tokens zero
        assertThat(std(t.get("beit3.text_embed.weight").toFloats())).isCloseTo(1 / Math.sqrt(96),
                org.assertj.core.data.Offset.offset(0.004));
        assertThat(std(t.get("beit3.encoder.embed_positions.B.weight").toFloats())).isCloseTo(1.0,
                org.assertj.core.data.Offset.offset(0.02));
        float[] conv = t.get("beit3.vision_embed.proj.weight").toFloats();
        assertThat(maxAbs(conv)).isLessThanOrEqualTo((float) (1 / Math.sqrt(768)));
        assertThat(std(conv)).isCloseTo(1 / Math.sqrt(768) / Math.sqrt(3), org.assertj.core.data.Offset.offset(0.0005));
        assertThat(t.get("beit3.vision_embed.cls_token").toFloats()).containsOnly(0f);
        assertThat(t.get("beit3.vision_embed.mask_token").toFloats()).containsOnly(0f);
        // experts A and B start different (the wrapper re-initialises every Linear on its own)
        assertThat(t.get("beit3.encoder.layers.0.self_attn.k_proj.A.weight").toFloats())
                .isNotEqualTo(t.get("beit3.encoder.layers.0.self_attn.k_proj.B.weight").toFloats());
        // seeded
        assertThat(ModelInit.scratch(DEMO, 7).get("beit3.text_embed.weight").toFloats())
                .isEqualTo(t.get("beit3.text_embed.weight").toFloats());
        assertThat(ModelInit.scratch(DEMO, 8).get("beit3.text_embed.weight").toFloats())
                .isNotEqualTo(t.get("beit3.text_embed.weight").toFloats());
    }

    @Test
    void headsUseTheSameCutNormal() {
        Map<String, TensorData> vqa = HeadInit.forTask(ModelInit.scratch(DEMO, 3), "vqa", 21, 0, 3);
        float[] w = vqa.get("head.0.weight").toFloats();
        assertThat(maxAbs(w)).isLessThanOrEqualTo(0.02f);
        assertThat(std(w)).isCloseTo(0.02 * 0.5396, org.assertj.core.data.Offset.offset(0.0005));
    }

    private static float maxAbs(float[] v) {
        float m = 0;
        for (float x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    private static double std(float[] v) {
        double s = 0;
        double s2 = 0;
        for (float x : v) {
            s += x;
            s2 += (double) x * x;
        }
        double mean = s / v.length;
        return Math.sqrt(s2 / v.length - mean * mean);
    }

}
