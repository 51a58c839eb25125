package dev.beit3.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/** The additive attention masks of captioning; blocked = −1e8, as in the reference. */
final class CaptioningMask {
    static final float BLOCKED = -1e8f;

    private CaptioningMask() {}

    /**
     * The captioning mask over [Nv image tokens, T text tokens]: image→image allowed, image→text blocked,
     * text→image allowed, text i→text j allowed iff j ≤ i.
     *
     * @param nv image tokens
     * @param t text tokens
     * @param scope owner
     * @return (Nv+T, Nv+T) float32
     */
    static NDArray full(int nv, int t, NDManager scope) {
        int n = nv + t;
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                boolean allowed = j < nv || i >= nv && j <= i;
                m[i * n + j] = allowed ? 0f : BLOCKED;
            }
        }
        return scope.create(m, new Shape(n, n));
    }

    /**
     * The mask of one decoding step feeding [last word, mask slot] after {@code keys − 2} cached tokens: both
     * see every cached token and the word, only the mask slot sees itself.
     *
     * @param keys cached tokens + 2
     * @param scope owner
     * @return (2, keys) float32
     */
    static NDArray step(long keys, NDManager scope) {
        float[] m = new float[(int) (2 * keys)];
        m[(int) (keys - 1)] = BLOCKED; // the word must not see the mask slot after it
        return scope.create(m, new Shape(2, keys));
    }
}
