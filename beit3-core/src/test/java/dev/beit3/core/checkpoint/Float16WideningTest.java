package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

/**
 * float16 tensors widen to float32 exactly (through DJL's {@code Float16Utils}): every one of the 65,536 halves,
 * against a hand decoding of the IEEE 754 binary16 fields (sign, 5-bit exponent with bias 15, 10-bit fraction).
 */
class Float16WideningTest {
    private static float decode(int bits) {
        boolean negative = (bits & 0x8000) != 0;
        int exp = (bits >>> 10) & 0x1F;
        int frac = bits & 0x3FF;
        if (exp == 0x1F) { // infinities, and NaNs keeping their payload in the top fraction bits
            return Float.intBitsToFloat((negative ? 0x80000000 : 0) | 0x7F800000 | (frac << 13));
        }
        float magnitude = exp == 0 ? Math.scalb((float) frac, -24) : Math.scalb((float) (1024 + frac), exp - 25);
        return negative ? -magnitude : magnitude;
    }

    @Test
    void everyHalfWidensExactly() {
        ByteBuffer b = ByteBuffer.allocate(2 * 65536).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 65536; i++) {
            b.putShort((short) i);
        }
        b.flip();
        float[] got = new TensorData("all_halves", DType.FLOAT16, new long[] {65536}, b).toFloats();
        int differ = 0;
        for (int i = 0; i < 65536; i++) {
            if (Float.floatToRawIntBits(got[i]) != Float.floatToRawIntBits(decode(i))) {
                differ++;
            }
        }
        System.out.println("float16 -> float32 widening: 65536 halves, " + differ + " differ from the hand decoding"
                + " (max|diff| 0 when none)");
        assertThat(differ).isZero();
        assertThat(got[0x3C00]).isEqualTo(1f);
        assertThat(got[0xC000]).isEqualTo(-2f);
        assertThat(got[0x0001]).isEqualTo(0x1.0p-24f);
        assertThat(got[0x7BFF]).isEqualTo(65504f);
        assertThat(got[0xFC00]).isEqualTo(Float.NEGATIVE_INFINITY);
    }
}
