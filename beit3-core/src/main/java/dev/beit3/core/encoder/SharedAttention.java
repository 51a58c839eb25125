package dev.beit3.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;

/**
 * The one scaled dot-product attention over the joint sequence that every modality shares.
 *
 * <p>Shapes: B batch, T joint tokens, H heads, d head width, D = H·d.
 */
final class SharedAttention {
    private SharedAttention() {}

    /**
     * softmax(q·kᵀ + bias) · v per head, over all tokens.
     *
     * @param q (B, Tq, D), already scaled by d^−½
     * @param k (B, Tk, D) (Tk = Tq, or more when earlier keys come from a cache)
     * @param v (B, Tk, D)
     * @param heads H
     * @param bias additive score bias broadcastable to (B, H, Tq, Tk) (−∞ at padded keys, −1e8 where an
     *     attention mask blocks, relative position bias), or null
     * @return (B, Tq, D) concatenated heads
     */
    static NDArray attend(NDArray q, NDArray k, NDArray v, int heads, NDArray bias) {
        long b = q.getShape().get(0);
        long scores = b * heads * q.getShape().get(1) * k.getShape().get(1);
        if (b == 1 || scores <= CHUNK_SCORES) {
            return attendBatch(q, k, v, heads, bias);
        }
        // one sequence at a time: its (H, Tq, Tk) scores stay in cache between the score GEMM, the
        // softmax and the weighted sum (measured 115 → 68 ms for 8 × 577 tokens at D = 768)
        NDList outs = new NDList();
        boolean perRowBias = bias != null && bias.getShape().dimension() == 4 && bias.getShape().get(0) == b;
        for (long i = 0; i < b; i++) {
            NDArray bi = perRowBias ? bias.get("{}:{}", i, i + 1) : bias;
            outs.add(attendBatch(q.get("{}:{}", i, i + 1), k.get("{}:{}", i, i + 1), v.get("{}:{}", i, i + 1), heads,
                    bi)); // (1, Tq, D)
        }
        return NDArrays.concat(outs, 0); // (B, Tq, D)
    }

    /** Score elements (B·H·Tq·Tk) above which the batch is processed one sequence at a time. */
    private static final long CHUNK_SCORES = 1L << 20;

    private static NDArray attendBatch(NDArray q, NDArray k, NDArray v, int heads, NDArray bias) {
        Shape s = q.getShape();
        long b = s.get(0);
        long t = s.get(1);
        long tk = k.getShape().get(1);
        long dim = s.get(2);
        long d = dim / heads;
        NDArray qh = q.reshape(b, t, heads, d).transpose(0, 2, 1, 3); // (B, H, Tq, d)
        NDArray kh = k.reshape(b, tk, heads, d).transpose(0, 2, 3, 1); // (B, H, d, Tk)
        NDArray vh = v.reshape(b, tk, heads, d).transpose(0, 2, 1, 3); // (B, H, Tk, d)
        NDArray scores = qh.matMul(kh); // (B, H, Tq, Tk)
        if (bias != null) {
            scores = scores.addi(bias);
        }
        NDArray weights = scores.softmax(-1); // (B, H, Tq, Tk), float32
        NDArray o = weights.matMul(vh); // (B, H, Tq, d)
        return o.transpose(0, 2, 1, 3).reshape(b, t, dim); // (B, T, D)
    }
}
