package dev.beit3.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.DecodingSession;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderInput;
import dev.beit3.core.nn.LinearWeights;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the beam search gets the logits at the mask slot of every active row: by re-encoding the whole sequence
 * ({@link Recomputed}) or through an encoder's {@link DecodingSession} that keeps earlier keys and values
 * ({@link Cached}). Shapes: R = B·K rows, n active rows, Nv image tokens, V vocabulary.
 */
interface CaptioningSteps extends AutoCloseable {
    /**
     * The logits at the mask slot after [cls, w1 … w(cur−2)] of every active row.
     *
     * @param decoding the rows' ids so far (R, Lmax)
     * @param active the rows to compute, in order
     * @param cur the slot of the mask
     * @param scope manager of the step
     * @return (n, V)
     */
    NDArray logits(long[][] decoding, List<Integer> active, int cur, NDManager scope);

    /**
     * The search kept {@code nextRows}, row r continuing row {@code nextSource[r]}.
     *
     * @param computed the rows this step computed
     * @param nextRows the rows the next step computes, in order
     * @param nextSource for each row, the row it continues
     */
    void next(List<Integer> computed, List<Integer> nextRows, int[] nextSource);

    @Override
    void close();

    /** Re-encodes [cls, w1 … w(cur−2), mask] with the image for every active row. */
    final class Recomputed implements CaptioningSteps {
        private final Encoder encoder;
        private final NDArray images;
        private final LinearWeights mlm;
        private final int nv;
        private final int beams;

        Recomputed(Encoder encoder, NDArray images, LinearWeights mlm, int beams) {
            this.encoder = encoder;
            this.images = images;
            this.mlm = mlm;
            this.nv = encoder.config().numPatches() + 1;
            this.beams = beams;
        }

        @Override
        public NDArray logits(long[][] decoding, List<Integer> active, int cur, NDManager ls) {
            int n = active.size();
            long[] ids = new long[n * cur];
            for (int i = 0; i < n; i++) {
                System.arraycopy(decoding[active.get(i)], 0, ids, i * cur, cur);
            }
            EncoderInput in = EncoderInput.fused(imageRows(images, active, beams, ls), ls.create(ids, new Shape(n, cur)),
                    null).withAttentionMask(CaptioningMask.full(nv, cur, ls));
            NDArray out = encoder.encode(in, ls).output(); // (n, Nv + cur, D)
            return mlm.apply(out.get(":, {}", nv + cur - 1)); // (n, V)
        }

        @Override
        public void next(List<Integer> computed, List<Integer> nextRows, int[] nextSource) {}

        @Override
        public void close() {}
    }

    /**
     * Feeds only the new tokens: the image with [cls, mask] at the first step, then [last word, mask] against the
     * session's cached keys and values; after each step the mask slot is dropped and the cache rows follow the
     * beams that go on.
     */
    final class Cached implements CaptioningSteps {
        private final DecodingSession session;
        private final NDArray images;
        private final LinearWeights mlm;
        private final int nv;
        private final int beams;
        private final long maskId;
        private final List<Integer> cacheRows = new ArrayList<>(); // global row of each cache row

        Cached(DecodingSession session, Encoder encoder, NDArray images, LinearWeights mlm, int beams, long maskId) {
            this.session = session;
            this.images = images;
            this.mlm = mlm;
            this.nv = encoder.config().numPatches() + 1;
            this.beams = beams;
            this.maskId = maskId;
        }

        @Override
        public NDArray logits(long[][] decoding, List<Integer> active, int cur, NDManager ls) {
            int n = active.size();
            long[] ids = new long[n * 2];
            for (int i = 0; i < n; i++) {
                ids[2 * i] = decoding[active.get(i)][cur - 2];
                ids[2 * i + 1] = maskId;
            }
            NDArray text = ls.create(ids, new Shape(n, 2));
            NDArray out = cur == 2
                    ? session.start(EncoderInput.fused(imageRows(images, active, beams, ls), text, null)
                            .withAttentionMask(CaptioningMask.full(nv, 2, ls)), ls).output()
                    : session.step(text, CaptioningMask.step(session.length() + 2, ls), ls).output(); // (n, Tn, D)
            long last = out.getShape().get(1) - 1;
            return mlm.apply(out.get(":, {}", last)); // (n, V)
        }

        @Override
        public void next(List<Integer> computed, List<Integer> nextRows, int[] nextSource) {
            if (cacheRows.isEmpty()) {
                cacheRows.addAll(computed);
            }
            long[] gather = new long[nextRows.size()];
            for (int i = 0; i < gather.length; i++) {
                gather[i] = Math.max(cacheRows.indexOf(nextSource[nextRows.get(i)]), 0);
            }
            session.dropLast(1); // the mask slot
            session.reorder(gather);
            cacheRows.clear();
            cacheRows.addAll(nextRows);
        }

        @Override
        public void close() {
            session.close();
        }
    }

    /** The image of each active row (row r decodes image r / K), owned by {@code ls}. */
    private static NDArray imageRows(NDArray images, List<Integer> active, int beams, NDManager ls) {
        long[] imageRow = new long[active.size()];
        for (int i = 0; i < imageRow.length; i++) {
            imageRow[i] = active.get(i) / beams;
        }
        NDArray img = images.get(ls.create(imageRow)); // (n, 3, S, S)
        img.attach(ls);
        return img;
    }
}
