package dev.beit3.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.CaptioningHead.Decoding;
import dev.beit3.api.CaptioningHead.Generation;
import dev.beit3.api.CaptioningHead.Step;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The reference captioner's beam search ({@code CaptioningHandler.eval_batch}) over B images × K beams, with the
 * logits of each step from {@link CaptioningSteps}. Shapes: R = B·K rows, Lmax text slots, V vocabulary.
 */
final class CaptioningBeamSearch {
    private final Decoding dec;
    private final int vocab;

    CaptioningBeamSearch(Decoding dec, int vocab) {
        this.dec = dec;
        this.vocab = vocab;
    }

    /**
     * Decodes {@code b} images.
     *
     * @param b images B
     * @param model the logits of each step
     * @param recordSteps whether to keep every step's inputs and logits
     * @param scope manager of the steps' temporaries
     * @return the generation
     */
    Generation run(int b, CaptioningSteps model, boolean recordSteps, NDManager scope) {
        int k = dec.beams();
        int maxLen = dec.maxLength();
        int rows = b * k;
        long[][] decoding = new long[rows][maxLen];
        float[] beamScores = new float[rows];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(decoding[r], dec.maskId());
            decoding[r][0] = dec.clsId();
            beamScores[r] = r % k == 0 ? 0f : -1e9f;
        }
        BestHypothesis[] hyps = new BestHypothesis[b];
        for (int s = 0; s < b; s++) {
            hyps[s] = new BestHypothesis(maxLen, dec.lengthPenalty());
        }
        boolean[] done = new boolean[b];
        List<Step> steps = new ArrayList<>();
        int topn = 3 * k;
        // at cur == maxLen no candidate can close a hypothesis any more, so the reference's last
        // model call cannot change the result: stop before it
        for (int cur = 2; cur < maxLen; cur++) {
            List<Integer> active = rowsOf(done, k);
            float[][] logProbs = new float[rows][];
            float[][] stepLogits = recordSteps ? new float[rows][] : null;
            try (NDManager ls = scope.newSubManager()) {
                NDArray logits = model.logits(decoding, active, cur, ls); // (n, V)
                float[] lsm = logits.logSoftmax(-1).toFloatArray();
                float[] raw = recordSteps ? logits.toFloatArray() : null;
                for (int a = 0; a < active.size(); a++) {
                    int r = active.get(a);
                    logProbs[r] = Arrays.copyOfRange(lsm, a * vocab, (a + 1) * vocab);
                    if (recordSteps) {
                        stepLogits[r] = Arrays.copyOfRange(raw, a * vocab, (a + 1) * vocab);
                    }
                }
            }
            if (recordSteps) {
                long[][] in = new long[rows][];
                for (int r = 0; r < rows; r++) {
                    in[r] = new long[] {decoding[r][cur - 2], dec.maskId()};
                }
                steps.add(new Step(in, stepLogits));
            }
            float[] nextScores = new float[rows];
            long[] nextWords = new long[rows];
            int[] nextSource = new int[rows];
            Arrays.fill(nextWords, dec.padId());
            for (int s = 0; s < b; s++) {
                if (done[s]) {
                    continue;
                }
                Candidates c = topCandidates(logProbs, beamScores, s, k, topn);
                done[s] = hyps[s].isDone(c.scores[0]);
                if (done[s]) {
                    continue; // the reference pads the rows of a finished image
                }
                int kept = 0;
                for (int ci = 0; ci < topn && kept < k; ci++) {
                    int beam = c.beams[ci];
                    int word = c.words[ci];
                    int src = s * k + beam;
                    if ((word == dec.eosId() && cur + 1 <= maxLen) || cur + 1 == maxLen) {
                        hyps[s].add(Arrays.copyOf(decoding[src], cur), c.scores[ci]);
                    } else {
                        int dst = s * k + kept++;
                        nextScores[dst] = c.scores[ci];
                        nextWords[dst] = word;
                        nextSource[dst] = src;
                    }
                }
                // no beam kept (every candidate closed): the rows stay padded, as in the reference
            }
            long[][] next = new long[rows][];
            for (int r = 0; r < rows; r++) {
                next[r] = decoding[nextSource[r]].clone();
                next[r][cur - 1] = nextWords[r];
            }
            decoding = next;
            beamScores = nextScores;
            boolean all = true;
            for (boolean x : done) {
                all &= x;
            }
            if (all) {
                break;
            }
            model.next(active, rowsOf(done, k), nextSource);
        }
        long[][] decoded = new long[b][maxLen];
        double[] scores = new double[b];
        for (int s = 0; s < b; s++) {
            Arrays.fill(decoded[s], dec.padId());
            long[] best = hyps[s].best();
            int len = best == null ? 0 : Math.min(best.length, maxLen - 1);
            if (best != null) {
                System.arraycopy(best, 0, decoded[s], 0, len);
            }
            decoded[s][len] = dec.eosId();
            scores[s] = hyps[s].score();
        }
        return new Generation(decoded, scores, steps);
    }

    /** The rows of the images not yet done, in order. */
    private static List<Integer> rowsOf(boolean[] done, int k) {
        List<Integer> rows = new ArrayList<>();
        for (int s = 0; s < done.length; s++) {
            if (!done[s]) {
                for (int j = 0; j < k; j++) {
                    rows.add(s * k + j);
                }
            }
        }
        return rows;
    }

    private record Candidates(float[] scores, int[] beams, int[] words) {}

    /** The top-n (beam, word) pairs of one image by log-prob + beam score, descending. */
    private Candidates topCandidates(float[][] logProbs, float[] beamScores, int s, int k, int n) {
        float[] best = new float[n];
        int[] beams = new int[n];
        int[] words = new int[n];
        Arrays.fill(best, Float.NEGATIVE_INFINITY);
        Arrays.fill(beams, -1);
        int filled = 0;
        for (int j = 0; j < k; j++) {
            int r = s * k + j;
            float bs = beamScores[r];
            float[] lp = logProbs[r];
            for (int w = 0; w < vocab; w++) {
                float v = lp[w] + bs;
                if (filled == n && !(v > best[n - 1])) {
                    continue;
                }
                int pos = Math.min(filled, n - 1);
                while (pos > 0 && v > best[pos - 1]) {
                    if (pos < n) {
                        best[pos] = best[pos - 1];
                        beams[pos] = beams[pos - 1];
                        words[pos] = words[pos - 1];
                    }
                    pos--;
                }
                best[pos] = v;
                beams[pos] = j;
                words[pos] = w;
                filled = Math.min(filled + 1, n);
            }
        }
        return new Candidates(best, beams, words);
    }

    /** The reference's {@code BeamHypotheses} with one kept hypothesis. */
    static final class BestHypothesis {
        private final int maxLength;
        private final double lengthPenalty;
        private long[] best;
        private double score = Double.NaN;
        private double worst = 1e9;
        private int count;

        BestHypothesis(int maxLen, double lengthPenalty) {
            this.maxLength = maxLen - 1;
            this.lengthPenalty = lengthPenalty;
        }

        void add(long[] hyp, double sumLogProbs) {
            double s = sumLogProbs / Math.pow(hyp.length, lengthPenalty);
            if (count < 1 || s > worst) {
                best = hyp;
                score = s;
                worst = count < 1 ? Math.min(s, worst) : s;
                count = 1;
            }
        }

        boolean isDone(double bestSumLogProbs) {
            return count >= 1 && worst >= bestSumLogProbs / Math.pow(maxLength, lengthPenalty);
        }

        int count() {
            return count;
        }

        long[] best() {
            return best;
        }

        double score() {
            return score;
        }
    }
}
