package dev.beit3.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.AttentionKernel;

/**
 * The one scaled dot-product attention over the joint sequence that every modality shares.
 *
 * <p>Shapes: B batch, T joint tokens, H heads, d head width, D = H·d.
 */
final class SharedAttention {
    private SharedAttention() {}

    /**
     * softmax(q·kᵀ + bias) · v per head, over all tokens, on the kernel backend's attention when it has one.
     *
     * @param kernel the backend's attention, or null for the DJL reference
     * @param q (B, Tq, D), already scaled by d^−½
     * @param k (B, Tk, D)
     * @param v (B, Tk, D)
     * @param heads H
     * @param bias additive score bias broadcastable to (B, H, Tq, Tk), or null
     * @return (B, Tq, D) concatenated heads
     */
    static NDArray attend(AttentionKernel kernel, NDArray q, NDArray k, NDArray v, int heads, NDArray bias) {
        return kernel != null ? kernel.attend(q, k, v, heads, bias) : attend(q, k, v, heads, bias);
    }

    /**
     * softmax(q·kᵀ + bias) · v per head, over all tokens, with DJL: the reference.
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
        Shape s = q.getShape();
        long b = s.get(0);
        long t = s.get(1);
        long tk = k.getShape().get(1);
        long dim = s.get(2);
        long d = dim / heads;
        NDArray qh = q.reshape(b, t, heads, d).transpose(0, 2, 1, 3); // (B, H, Tq, d)
        NDArray kh = k.reshape(b, tk, heads, d).transpose(0, 2, 3, 1); // (B, H, d, Tk)
        NDArray vh = v.reshape(b, tk, heads, d).transpose(0, 2, 1, 3); // (B, H, Tk, d)
        NDArray o;
        if (b * heads * t * tk <= CHUNK_SCORES) {
            o = weighted(qh, kh, vh, bias); // (B, H, Tq, d)
        } else {
            // in chunks of sequences × head groups whose (g, Tq, Tk) scores stay in cache between the score
            // GEMM, the softmax and the weighted sum (8 × 577 tokens at D = 768: 115 → 68 ms)
            long group = Math.max(1, Math.min(heads, CHUNK_SCORES / (t * tk)));
            NDArray b4 = bias;
            while (b4 != null && b4.getShape().dimension() < 4) {
                b4 = b4.expandDims(0); // broadcastable (B|1, H|1, Tq|1, Tk)
            }
            NDList rows = new NDList();
            for (long i = 0; i < b; i++) {
                NDList groups = new NDList();
                for (long h = 0; h < heads; h += group) {
                    long h1 = Math.min(heads, h + group);
                    String ix = i + ":" + (i + 1) + "," + h + ":" + h1;
                    NDArray bi = null;
                    if (b4 != null) {
                        Shape bs = b4.getShape();
                        bi = b4.get((bs.get(0) > 1 ? i + ":" + (i + 1) : ":") + "," + (bs.get(1) > 1 ? h + ":" + h1 : ":"));
                    }
                    groups.add(weighted(qh.get(ix), kh.get(ix), vh.get(ix), bi)); // (1, g, Tq, d)
                }
                rows.add(groups.size() == 1 ? groups.get(0) : NDArrays.concat(groups, 1)); // (1, H, Tq, d)
            }
            o = rows.size() == 1 ? rows.get(0) : NDArrays.concat(rows, 0); // (B, H, Tq, d)
        }
        return o.transpose(0, 2, 1, 3).reshape(b, t, dim); // (B, Tq, D)
    }

    /** Score elements (B·H·Tq·Tk, float32) above which attention runs in cache-sized chunks. */
    private static final long CHUNK_SCORES = 4L << 20;

    /** softmax(q·kᵀ + bias)·v for (B', g, Tq, d) queries, (B', g, d, Tk) keys, (B', g, Tk, d) values. */
    private static NDArray weighted(NDArray qh, NDArray kh, NDArray vh, NDArray bias) {
        NDArray scores = qh.matMul(kh); // (B', g, Tq, Tk)
        if (bias != null) {
            scores = scores.addi(bias);
        }
        return scores.softmax(-1).matMul(vh); // (B', g, Tq, d), softmax in float32
    }
}
