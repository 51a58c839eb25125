package dev.beit3.expert.language.text;

import dev.beit3.api.Api;

import java.util.Arrays;

/**
 * One text as a model input of fixed length, built exactly as the reference datasets do
 * ({@code BaseDataset._get_text_segment}): {@code [<s>] + ids[:maxLen-2] + [</s>]}, right-padded with {@code <pad>}.
 *
 * <p>Immutable: the arrays are copied on the way in and on the way out.
 *
 * @param ids token ids, length {@code maxLen}: 0 (bos), the text's ids, 2 (eos), then 1 (pad)
 * @param paddingMask same length; 0 for real tokens (bos and eos included), 1 for padding
 * @param numTokens number of real tokens, bos and eos included
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public record TextSegment(long[] ids, long[] paddingMask, int numTokens) {
    /**
     * Checks and copies the arrays.
     *
     * @param ids token ids
     * @param paddingMask padding mask, same length
     * @param numTokens real tokens, between 2 and the length
     */
    public TextSegment {
        if (ids.length != paddingMask.length) {
            throw new IllegalArgumentException("ids (" + ids.length + ") and paddingMask (" + paddingMask.length
                    + ") must have the same length");
        }
        if (numTokens < 2 || numTokens > ids.length) {
            throw new IllegalArgumentException("numTokens " + numTokens + " outside [2, " + ids.length + "]");
        }
        ids = ids.clone();
        paddingMask = paddingMask.clone();
    }

    /** @return a copy of the token ids */
    @Override
    public long[] ids() {
        return ids.clone();
    }

    /** @return a copy of the padding mask (1 = padding) */
    @Override
    public long[] paddingMask() {
        return paddingMask.clone();
    }

    /** @return the segment length ({@code maxLen}) */
    public int length() {
        return ids.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TextSegment s && numTokens == s.numTokens && Arrays.equals(ids, s.ids)
                && Arrays.equals(paddingMask, s.paddingMask);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ids) + Arrays.hashCode(paddingMask)) + numTokens;
    }

    @Override
    public String toString() {
        return "TextSegment[ids=" + Arrays.toString(ids) + ", numTokens=" + numTokens + "]";
    }
}
