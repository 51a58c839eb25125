package dev.beit3.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.EncoderOutput;
import dev.beit3.api.HeadInput;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.api.WeightSource;
import dev.beit3.core.encoder.KeyValueCache;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.nn.LinearWeights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Image captioning ({@code BEiT3ForCaptioning}): {@code mlm_head} over the text outputs of a fused
 * pass under the captioning mask, and the reference beam search. {@link TaskHead#forward} generates:
 * it returns {@code decoded_ids} (B, Lmax) int64 and {@code scores} (B); options {@code beamSize},
 * {@code maxLength}, {@code lengthPenalty}, {@code maskId} (required).
 */
@Api(status = Api.Status.STABLE)
public final class CaptioningHeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "captioning";

    /** Creates the provider. */
    public CaptioningHeadProvider() {
        super(ID, ModelFamily.BEIT3, TaskPreset.CAPTIONING, Set.of("mlm_head.weight"),
                "captioning: masked-LM head under the captioning mask + reference beam search");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        long vocab = HeadSupport.outFeatures(ws, "mlm_head.weight", "captioning head");
        return new Head(LinearWeights.load(ws, "mlm_head", vocab, d, true, "captioning head"), (int) vocab);
    }

    /**
     * The captioning attention mask over [Nv image tokens, T text tokens]: image→image allowed,
     * image→text blocked, text→image allowed, text i→text j allowed iff j ≤ i; blocked = −1e8.
     *
     * @param nv image tokens
     * @param t text tokens
     * @param scope owner
     * @return (Nv+T, Nv+T) float32
     */
    static NDArray captioningMask(int nv, int t, NDManager scope) {
        int n = nv + t;
        float[] m = new float[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                boolean allowed = j < nv ? true : i >= nv && j <= i;
                m[i * n + j] = allowed ? 0f : -1e8f;
            }
        }
        return scope.create(m, new Shape(n, n));
    }

    static final class Head implements CaptioningHead {
        private final LinearWeights mlm;
        private final int vocab;

        Head(LinearWeights mlm, int vocab) {
            this.mlm = mlm;
            this.vocab = vocab;
        }

        @Override
        public String id() {
            return ID;
        }

        @Override
        public List<String> outputNames() {
            return List.of("decoded_ids", "scores");
        }

        @Override
        public NDList forward(Encoder encoder, HeadInput input, NDManager scope) {
            NDArray img = HeadSupport.need(input.images(), "images", ID);
            if (!input.options().containsKey("maskId")) {
                throw new InvalidInputException("the captioning head needs option maskId (the tokenizer's <mask> id)");
            }
            Decoding dec = new Decoding(input.intOption("beamSize", 3), input.intOption("maxLength", 32),
                    input.doubleOption("lengthPenalty", 0.6), input.intOption("maskId", -1), 0, 1, 2);
            Generation g = generate(encoder, img, dec, false, scope);
            long[] flat = Arrays.stream(g.decodedIds()).flatMapToLong(Arrays::stream).toArray();
            return new NDList(scope.create(flat, new Shape(g.decodedIds().length, dec.maxLength())),
                    scope.create(toFloats(g.scores())));
        }

        private static float[] toFloats(double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }

        @Override
        public NDArray maskedLm(Encoder encoder, NDArray images, NDArray textIds, NDArray paddingMask,
                NDArray maskedPositions, NDManager scope) {
            int t = (int) textIds.getShape().get(1);
            int nv = encoder.config().numPatches() + 1;
            EncoderInput in = EncoderInput.fused(images, textIds, paddingMask)
                    .withAttentionMask(captioningMask(nv, t, scope));
            EncoderOutput out = encoder.encode(in, scope);
            long b = textIds.getShape().get(0);
            long d = out.output().getShape().get(2);
            NDArray text = out.output().get(":, {}:", nv).reshape(b * t, d); // (B·T, D)
            long[] flags = maskedPositions.toType(DataType.INT64, false).toLongArray();
            long[] rows = java.util.stream.IntStream.range(0, flags.length).filter(i -> flags[i] != 0)
                    .mapToLong(i -> i).toArray();
            return mlm.apply(text.get(scope.create(rows))); // (M, V), rows in row-major order of the mask
        }

        @Override
        public Generation generate(Encoder encoder, NDArray images, Decoding dec, boolean recordSteps,
                NDManager scope) {
            if (dec.useCache() && !(encoder instanceof MultiwayEncoder)) {
                return generate(encoder, images, dec.withCache(false), recordSteps, scope);
            }
            int b = (int) images.getShape().get(0);
            int k = dec.beams();
            int maxLen = dec.maxLength();
            int rows = b * k;
            int nv = encoder.config().numPatches() + 1;
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
            KeyValueCache cache = dec.useCache() ? new KeyValueCache(encoder.config().layers(), scope) : null;
            List<Integer> cacheRows = new ArrayList<>(); // global row of each cache row
            try {
                // at cur == maxLen no candidate can close a hypothesis any more, so the reference's last
                // model call cannot change the result: stop before it
                for (int cur = 2; cur < maxLen; cur++) {
                    List<Integer> active = new ArrayList<>();
                    for (int s = 0; s < b; s++) {
                        if (!done[s]) {
                            for (int j = 0; j < k; j++) {
                                active.add(s * k + j);
                            }
                        }
                    }
                    float[][] logProbs = new float[rows][];
                    float[][] stepLogits = recordSteps ? new float[rows][] : null;
                    try (NDManager ls = scope.newSubManager()) {
                        NDArray logits = dec.useCache()
                                ? cachedStep((MultiwayEncoder) encoder, images, decoding, active, cur, nv, dec, cache,
                                        ls)
                                : recomputeStep(encoder, images, decoding, active, cur, nv, k, ls); // (n, V)
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
                    if (cache != null) {
                        // keep the cache rows of the beams that go on, in the order of the next step
                        if (cacheRows.isEmpty()) {
                            cacheRows.addAll(active);
                        }
                        List<Integer> nextRows = new ArrayList<>();
                        List<Long> gather = new ArrayList<>();
                        for (int s = 0; s < b; s++) {
                            if (!done[s]) {
                                for (int j = 0; j < k; j++) {
                                    int r = s * k + j;
                                    nextRows.add(r);
                                    int pos = cacheRows.indexOf(nextSource[r]);
                                    gather.add((long) Math.max(pos, 0));
                                }
                            }
                        }
                        cache.dropLast(1); // the mask slot
                        cache.reorder(gather.stream().mapToLong(Long::longValue).toArray());
                        cacheRows.clear();
                        cacheRows.addAll(nextRows);
                    }
                }
            } finally {
                if (cache != null) {
                    cache.close();
                }
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

        /** Logits at the mask slot by encoding [cls, w1 … w(cur−2), mask] with the image for every active row. */
        private NDArray recomputeStep(Encoder encoder, NDArray images, long[][] decoding, List<Integer> active,
                int cur, int nv, int k, NDManager ls) {
            int n = active.size();
            long[] ids = new long[n * cur];
            long[] imageRow = new long[n];
            for (int i = 0; i < n; i++) {
                System.arraycopy(decoding[active.get(i)], 0, ids, i * cur, cur);
                imageRow[i] = active.get(i) / k;
            }
            NDArray img = images.get(ls.create(imageRow)); // (n, 3, S, S)
            img.attach(ls);
            EncoderInput in = EncoderInput.fused(img, ls.create(ids, new Shape(n, cur)), null)
                    .withAttentionMask(captioningMask(nv, cur, ls));
            NDArray out = encoder.encode(in, ls).output(); // (n, Nv + cur, D)
            return mlm.apply(out.get(":, {}", nv + cur - 1)); // (n, V)
        }

        /**
         * Logits at the mask slot feeding only the new tokens: the image with [cls, mask] at the first
         * step, then [last word, mask] against the cached keys and values.
         */
        private NDArray cachedStep(MultiwayEncoder encoder, NDArray images, long[][] decoding, List<Integer> active,
                int cur, int nv, Decoding dec, KeyValueCache cache, NDManager ls) {
            int n = active.size();
            long[] ids = new long[n * 2];
            for (int i = 0; i < n; i++) {
                ids[2 * i] = decoding[active.get(i)][cur - 2];
                ids[2 * i + 1] = dec.maskId();
            }
            NDArray text = ls.create(ids, new Shape(n, 2));
            EncoderInput in;
            if (cur == 2) {
                long[] imageRow = new long[n];
                for (int i = 0; i < n; i++) {
                    imageRow[i] = active.get(i) / dec.beams();
                }
                NDArray img = images.get(ls.create(imageRow)); // (n, 3, S, S)
                img.attach(ls);
                in = EncoderInput.fused(img, text, null).withAttentionMask(captioningMask(nv, 2, ls));
            } else {
                long keys = cache.length() + 2;
                float[] m = new float[(int) (2 * keys)];
                m[(int) (keys - 1)] = -1e8f; // the word must not see the mask slot after it
                in = new EncoderInput(null, text, null, null, ls.create(m, new Shape(2, keys)), false, Map.of());
            }
            NDArray out = encoder.encodeStep(in, cache, cur - 2, ls).output(); // (n, new tokens, D)
            long last = out.getShape().get(1) - 1;
            return mlm.apply(out.get(":, {}", last)); // (n, V)
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
