package dev.beit3.train;

import java.util.Random;

/**
 * A masking strategy for text (masked language modeling): picks positions of a padded id batch and
 * builds the model input, the mask and the targets.
 */
public interface TokenMasking {
    /**
     * A masked text batch.
     *
     * @param inputIds (B, T) the model's input (masked positions replaced)
     * @param maskedPositions (B, T) 1 = predict here
     * @param targets (M) the original ids at the masked positions, row-major
     */
    record Masked(long[][] inputIds, long[][] maskedPositions, long[] targets) {}

    /**
     * Masks a batch.
     *
     * @param ids (B, T) ids {@code [bos, …, eos, pad …]}
     * @param paddingMask (B, T) 1 = padding
     * @param rng the random source
     * @return the masked batch
     */
    Masked mask(long[][] ids, long[][] paddingMask, Random rng);

    /**
     * Random token masking as in the masked-data-modeling fixtures: per row, among the real tokens
     * strictly between bos and eos, round-half-even(n·ratio) positions (at least 1) drawn uniformly
     * without replacement, each replaced by {@code maskId}; bos, eos and padding are never masked.
     *
     * @param ratio fraction of content tokens masked (0.15 for text, 0.5 for image-text in BEiT-3)
     * @param maskId the tokenizer's mask id
     * @return the strategy
     */
    static TokenMasking random(double ratio, long maskId) {
        if (!(ratio > 0 && ratio <= 1)) {
            throw new IllegalArgumentException("mask ratio must be in (0, 1], got " + ratio);
        }
        return (ids, pad, rng) -> {
            int b = ids.length;
            long[][] in = new long[b][];
            long[][] pos = new long[b][];
            java.util.List<Long> targets = new java.util.ArrayList<>();
            for (int r = 0; r < b; r++) {
                int t = ids[r].length;
                in[r] = ids[r].clone();
                pos[r] = new long[t];
                int n = realTokens(pad[r]);
                int content = n - 2; // between bos (0) and eos (n − 1)
                if (content < 1) {
                    continue;
                }
                int k = Math.max(1, (int) Math.rint(content * ratio));
                int[] cand = new int[content];
                for (int i = 0; i < content; i++) {
                    cand[i] = i + 1;
                }
                for (int i = 0; i < k; i++) { // partial Fisher–Yates
                    int j = i + rng.nextInt(content - i);
                    int tmp = cand[i];
                    cand[i] = cand[j];
                    cand[j] = tmp;
                    pos[r][cand[i]] = 1;
                }
                for (int i = 0; i < t; i++) {
                    if (pos[r][i] == 1) {
                        targets.add(ids[r][i]);
                        in[r][i] = maskId;
                    }
                }
            }
            return new Masked(in, pos, targets.stream().mapToLong(Long::longValue).toArray());
        };
    }

    /**
     * The official {@code CaptioningDataset} masking ({@code _masking_on_text_tokens}): with n real
     * tokens (bos and eos included), {@code max(1, min(int(n·prob + 0.5), n − 1))} distinct positions drawn
     * uniformly from 1..n−1 (<b>eos included</b>, bos never); each is replaced by {@code maskId} with
     * probability 0.8, kept with 0.1, replaced by a uniform random id in [3, vocabSize − 1] with 0.1.
     * Targets are the original ids at the masked positions (what {@code BertCaptioningLoss} predicts).
     *
     * @param prob {@code captioning_mask_prob} (0.7 in the recipe, 0.6 for the demo model)
     * @param maskId the tokenizer's mask id
     * @param vocabSize the tokenizer's vocabulary size (random replacements stay below it)
     * @return the strategy
     */
    static TokenMasking captioning(double prob, long maskId, int vocabSize) {
        if (!(prob > 0 && prob <= 1)) {
            throw new IllegalArgumentException("captioning mask probability must be in (0, 1], got " + prob);
        }
        return (ids, pad, rng) -> {
            int b = ids.length;
            long[][] in = new long[b][];
            long[][] pos = new long[b][];
            java.util.List<Long> targets = new java.util.ArrayList<>();
            for (int r = 0; r < b; r++) {
                int t = ids[r].length;
                in[r] = ids[r].clone();
                pos[r] = new long[t];
                int n = realTokens(pad[r]);
                if (n < 2) {
                    continue;
                }
                int toMask = Math.max(1, Math.min((int) (n * prob + 0.5), n - 1));
                int done = 0;
                while (done < toMask) {
                    int i = 1 + rng.nextInt(n - 1);
                    if (pos[r][i] == 0) {
                        pos[r][i] = 1;
                        double p = rng.nextDouble();
                        if (p < 0.8) {
                            in[r][i] = maskId;
                        } else if (p >= 0.9) {
                            in[r][i] = 3 + rng.nextInt(Math.max(1, vocabSize - 3));
                        }
                        done++;
                    }
                }
                for (int i = 0; i < t; i++) {
                    if (pos[r][i] == 1) {
                        targets.add(ids[r][i]);
                    }
                }
            }
            return new Masked(in, pos, targets.stream().mapToLong(Long::longValue).toArray());
        };
    }

    /** The number of real tokens of a row: the length of its leading run of padding-mask zeros. */
    private static int realTokens(long[] paddingRow) {
        int n = 0;
        while (n < paddingRow.length && paddingRow[n] == 0) {
            n++;
        }
        return n;
    }
}
