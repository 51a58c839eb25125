package dev.beit3.api;

/**
 * The ids a tokenizer gives its special tokens, fixed by its vocabulary's convention (XLM-R for BEiT-3: {@code <s>}
 * 0, {@code <pad>} 1, {@code </s>} 2, {@code <unk>} 3). The mask id depends on the vocabulary file and is
 * {@link Tokenizer#maskId()}.
 *
 * @param bos the id that opens a segment ({@code <s>}, also the captioning start token)
 * @param pad the padding id
 * @param eos the id that closes a segment
 * @param unknown the id of pieces outside the vocabulary
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record SpecialTokens(int bos, int pad, int eos, int unknown) {
    /**
     * Checks the ids.
     *
     * @param bos begin id
     * @param pad padding id
     * @param eos end id
     * @param unknown unknown-piece id
     */
    public SpecialTokens {
        if (bos < 0 || pad < 0 || eos < 0 || unknown < 0) {
            throw new IllegalArgumentException("special token ids must be ≥ 0, got bos " + bos + " pad " + pad
                    + " eos " + eos + " unknown " + unknown);
        }
    }
}
