package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.CheckpointException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Numerical guard at load: NaN and infinities in weights are refused naming the key, element and value. */
class NonFiniteWeightsTest {
    private static TensorData f32(String name, float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return new TensorData(name, DType.FLOAT32, new long[] {v.length}, b.flip());
    }

    private static TensorData bits16(String name, DType dt, int... v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int x : v) {
            b.putShort((short) x);
        }
        return new TensorData(name, dt, new long[] {v.length}, b.flip());
    }

    @Test
    void firstNonFiniteFindsNanAndInfinitiesInEveryFloatType() {
        assertThat(f32("a", 1, 2, 3).firstNonFinite()).isEqualTo(-1);
        assertThat(f32("a", 1, Float.NaN, 3).firstNonFinite()).isEqualTo(1);
        assertThat(f32("a", 1, 2, Float.NEGATIVE_INFINITY).firstNonFinite()).isEqualTo(2);
        assertThat(f32("a", Float.MAX_VALUE, -Float.MIN_VALUE).firstNonFinite()).isEqualTo(-1);
        assertThat(bits16("h", DType.FLOAT16, 0x3c00, 0x7c00).firstNonFinite()).isEqualTo(1); // +inf half
        assertThat(bits16("h", DType.FLOAT16, 0x7bff, 0xfe00).firstNonFinite()).isEqualTo(1); // max half, NaN
        assertThat(bits16("b", DType.BFLOAT16, 0x3f80, 0xff80).firstNonFinite()).isEqualTo(1); // -inf bf16
        assertThat(bits16("b", DType.BFLOAT16, 0x7f7f).firstNonFinite()).isEqualTo(-1);
        ByteBuffer ints = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(-1);
        assertThat(new TensorData("i", DType.INT64, new long[] {1}, ints.flip()).firstNonFinite()).isEqualTo(-1);
    }

    @Test
    void requireAndOptionalRefuseNonFiniteWeightsNamingThem() {
        try (NDManager m = NDManager.newBaseManager()) {
            CheckpointWeights ws = CheckpointWeights.of(Map.of(
                    "enc.w", f32("enc.w", 0.5f, Float.NaN, 1f),
                    "enc.b", f32("enc.b", Float.POSITIVE_INFINITY),
                    "enc.ok", f32("enc.ok", 1f, 2f)), m);
            assertThatThrownBy(() -> ws.under("enc.").require("w", new Shape(3), "query projection"))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("enc.w").hasMessageContaining("NaN").hasMessageContaining("element 1")
                    .hasMessageContaining("query projection");
            assertThatThrownBy(() -> ws.optional("enc.b", new Shape(1), "bias"))
                    .isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("enc.b").hasMessageContaining("+Infinity");
            assertThat(ws.require("enc.ok", new Shape(2), "fine").toFloatArray()).containsExactly(1f, 2f);
        }
    }
}
