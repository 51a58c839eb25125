package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.api.CheckpointException;
import dev.beit3.core.testing.Fixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Collecting-mode semantics of {@link CheckpointWeights} and the {@link LoadReport}. */
class CheckpointWeightsTest {
    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    private static TensorData floats(String name, long[] shape, float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return new TensorData(name, DType.FLOAT32, shape, b.flip());
    }

    private CheckpointWeights sample() {
        Map<String, TensorData> m = new LinkedHashMap<>();
        m.put("enc.layers.0.w", floats("enc.layers.0.w", new long[] {2, 2}, 1, 2, 3, 4));
        m.put("enc.layers.0.b", floats("enc.layers.0.b", new long[] {2}, 5, 6));
        m.put("enc.scale", floats("enc.scale", new long[] {}, 7));
        m.put("text.unused", floats("text.unused", new long[] {1}, 8));
        return CheckpointWeights.of(m, manager);
    }

    @Test
    void requireLoadsPresentTensors() {
        CheckpointWeights w = sample();
        NDArray a = w.require("enc.layers.0.w", new Shape(2, 2), "layer 0 weight");
        assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(a.getShape()).isEqualTo(new Shape(2, 2));
        assertThat(a.toFloatArray()).containsExactly(1, 2, 3, 4);
        assertThat(a.getManager()).isSameAs(manager);
        NDArray again = w.require("enc.layers.0.w", new Shape(2, 2), "again");
        assertThat(again.toFloatArray()).containsExactly(a.toFloatArray());
        NDArray s = w.require("enc.scale", new Shape(), "scale");
        assertThat(s.getShape()).isEqualTo(new Shape());
        assertThat(s.getFloat()).isEqualTo(7f);
        LoadReport r = w.report();
        assertThat(r.used()).isEqualTo(2);
        assertThat(r.complete()).isTrue();
        assertThat(r.unexpected()).containsExactly("enc.layers.0.b", "text.unused");
    }

    @Test
    void missingAndMisshapenKeysAreCollected() {
        CheckpointWeights w = sample();
        NDArray missing = w.require("enc.layers.1.w", new Shape(2, 2), "layer 1 vision expert");
        assertThat(missing.getShape()).isEqualTo(new Shape(2, 2));
        assertThat(missing.toFloatArray()).containsOnly(0f);
        NDArray wrong = w.require("enc.layers.0.b", new Shape(3), "layer 0 bias");
        assertThat(wrong.getShape()).isEqualTo(new Shape(3));
        assertThat(wrong.toFloatArray()).containsOnly(0f);

        LoadReport r = w.report();
        assertThat(r.complete()).isFalse();
        assertThat(r.missing()).containsExactly("enc.layers.1.w");
        assertThat(r.purposes()).containsEntry("enc.layers.1.w", "layer 1 vision expert");
        assertThat(r.mismatches()).singleElement().satisfies(m -> {
            assertThat(m.key()).isEqualTo("enc.layers.0.b");
            assertThat(m.expected()).containsExactly(3);
            assertThat(m.found()).containsExactly(2);
            assertThat(m.purpose()).isEqualTo("layer 0 bias");
        });
        assertThat(r.unexpected()).containsExactly("enc.layers.0.w", "enc.scale", "text.unused");
        assertThat(r.used()).isZero();
        assertThat(r.summary()).contains("1 missing", "1 shape mismatches", "3 unexpected");

        assertThatThrownBy(() -> r.throwIfIncomplete("loading sample into test model"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("loading sample into test model")
                .hasMessageContaining("missing enc.layers.1.w (layer 1 vision expert)")
                .hasMessageContaining("enc.layers.0.b: expected [3], found [2] (layer 0 bias)")
                .hasMessageContaining("hint:")
                .hasMessageContaining("text.unused");
    }

    @Test
    void optionalDoesNotRecordAbsentKeys() {
        CheckpointWeights w = sample();
        assertThat(w.optional("enc.layer_norm.w", new Shape(2), "final norm")).isEmpty();
        assertThat(w.optional("enc.layers.0.b", new Shape(2), "bias")).hasValueSatisfying(
                a -> assertThat(a.toFloatArray()).containsExactly(5, 6));
        assertThat(w.report().complete()).isTrue();
        assertThat(w.report().missing()).isEmpty();
        assertThat(w.optional("enc.scale", new Shape(1), "scale")).hasValueSatisfying(
                a -> assertThat(a.getShape()).isEqualTo(new Shape(1)));
        assertThat(w.report().mismatches()).extracting(LoadReport.ShapeMismatch::key).containsExactly("enc.scale");
    }

    @Test
    void viewsUseRelativeKeysAndShareTheReport() {
        CheckpointWeights root = sample();
        CheckpointWeights enc = root.under("enc.");
        CheckpointWeights layer = enc.under("layers.0.");
        assertThat(layer.prefix()).isEqualTo("enc.layers.0.");
        assertThat(layer.keys()).containsExactly("w", "b");
        assertThat(enc.keys()).containsExactly("layers.0.w", "layers.0.b", "scale");
        assertThat(layer.contains("w")).isTrue();
        assertThat(layer.contains("enc.layers.0.w")).isFalse();
        assertThat(layer.shape("w")).contains(new Shape(2, 2));
        assertThat(layer.shape("nope")).isEmpty();
        assertThat(layer.manager()).isSameAs(manager);
        layer.require("w", new Shape(2, 2), "w");
        layer.require("gamma", new Shape(2), "layer scale");
        LoadReport r = root.report();
        assertThat(r.missing()).containsExactly("enc.layers.0.gamma");
        assertThat(r.used()).isEqualTo(1);
        assertThat(r.unexpected()).doesNotContain("enc.layers.0.w");
        assertThat(enc.report()).isEqualTo(r);
    }

    @Test
    void dtypesAreConvertedForDjl() {
        Map<String, TensorData> m = new LinkedHashMap<>();
        m.put("bf", new TensorData("bf", DType.BFLOAT16, new long[] {2},
                ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3FC0).putShort((short) 0xC2F7).flip()));
        m.put("h", new TensorData("h", DType.FLOAT16, new long[] {1},
                ByteBuffer.allocate(2).order(ByteOrder.LITTLE_ENDIAN).putShort((short) 0x3555).flip()));
        m.put("ids", new TensorData("ids", DType.INT64, new long[] {1, 3},
                ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(0).putLong(1).putLong(2).flip()));
        m.put("mask", new TensorData("mask", DType.BOOL, new long[] {2}, ByteBuffer.wrap(new byte[] {1, 0})));
        CheckpointWeights w = CheckpointWeights.of(m, manager);
        NDArray bf = w.require("bf", new Shape(2), "bf16");
        assertThat(bf.getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(bf.toFloatArray()).containsExactly(1.5f, -123.5f);
        assertThat(w.require("h", new Shape(1), "half").toFloatArray()).containsExactly(0.33325195f);
        NDArray ids = w.require("ids", new Shape(1, 3), "ids");
        assertThat(ids.getDataType()).isEqualTo(DataType.INT64);
        assertThat(ids.toLongArray()).containsExactly(0, 1, 2);
        NDArray mask = w.require("mask", new Shape(2), "mask");
        assertThat(mask.getDataType()).isEqualTo(DataType.BOOLEAN);
        assertThat(mask.toBooleanArray()).containsExactly(true, false);
    }

    @Test
    void fixtureCheckpointLoadsCompletely() throws Exception {
        Checkpoint c = Checkpoint.read(Fixtures.checkpoint(Fixtures.root(), "encoder"));
        CheckpointWeights w = c.weights(manager);
        for (Map.Entry<String, TensorData> e : c.tensors().entrySet()) {
            NDArray a = w.require(e.getKey(), e.getValue().djlShape(), "all");
            assertThat(a.toFloatArray()).containsExactly(e.getValue().toFloats());
        }
        LoadReport r = w.report();
        assertThat(r.complete()).isTrue();
        assertThat(r.used()).isEqualTo(c.tensors().size());
        assertThat(r.unexpected()).isEmpty();
        r.throwIfIncomplete("encoder");
    }

    @Test
    void vlmoCheckpointInBeit3ModelGetsAHint() throws Exception {
        Checkpoint c = Checkpoint.read(Fixtures.checkpoint(Fixtures.root(), "vlmo_vqa"));
        // the expected shapes and dtype come from the set's checkpoint.json
        JsonObject info = Fixtures.json(Fixtures.checkpointJson(Fixtures.root(), "vlmo_vqa"));
        JsonObject cfg = info.getAsJsonObject("config");
        JsonArray positions = null;
        for (JsonElement k : info.getAsJsonArray("state_dict_keys")) {
            if (k.getAsJsonArray().get(0).getAsString().equals("text_embeddings.position_ids")) {
                positions = k.getAsJsonArray();
            }
        }
        assertThat(positions).as("text_embeddings.position_ids in the VLMo checkpoint.json").isNotNull();
        long[] posShape = new long[positions.get(1).getAsJsonArray().size()];
        for (int i = 0; i < posShape.length; i++) {
            posShape[i] = positions.get(1).getAsJsonArray().get(i).getAsLong();
        }
        DataType posType = DataType.valueOf(positions.get(2).getAsString().toUpperCase(java.util.Locale.ROOT));
        CheckpointWeights w = c.weights(manager);
        w.under("beit3.").require("text_embed.weight",
                new Shape(cfg.get("vocab_size").getAsLong(), cfg.get("embed_dim").getAsLong()), "text embedding");
        assertThatThrownBy(() -> w.report().throwIfIncomplete("building BEiT-3"))
                .isInstanceOf(CheckpointException.class)
                .hasMessageContaining("missing beit3.text_embed.weight (text embedding)")
                .hasMessageContaining("VLMo checkpoint");
        NDArray pos = w.require("text_embeddings.position_ids", new Shape(posShape), "positions");
        assertThat(pos.getDataType()).isEqualTo(posType);
        long[] ids = pos.toLongArray();
        for (int i = 0; i < ids.length; i++) {
            assertThat(ids[i]).isEqualTo(i);
        }
    }
}
