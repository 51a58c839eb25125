package dev.beit3.expert.language;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.Modality;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.Ops;

/**
 * Text token lookup and text positions (rows 2… of {@code embed_positions.B}).
 *
 * <p>Shapes: B batch, T text tokens, V vocabulary rows, D width.
 */
final class TextEmbedding implements TokenEmbedding {
    private final NDArray table; // (V, D)
    private final NDArray positions; // (maxTextPositions, D)
    private final long vocab;

    TextEmbedding(EncoderConfig c, WeightSource ws) {
        vocab = c.vocabSize();
        table = ws.require("beit3.text_embed.weight", new Shape(c.vocabSize(), c.dim()), "text embedding");
        positions = ws.require("beit3.encoder.embed_positions.B.weight", new Shape(c.maxTextPositions(), c.dim()),
                "text positions");
    }

    @Override
    public Modality modality() {
        return Modality.LANGUAGE;
    }

    @Override
    public NDArray embed(EncoderInput input) {
        NDArray ids = input.textIds(); // (B, T) int64
        Ops.requireIdsBelow(ids, vocab, bad -> "text id " + bad + " is outside the vocabulary 0.." + (vocab - 1)
                + " of this model; was the text tokenized with another tokenizer?");
        return Ops.lookup(ids, table); // (B, T, D)
    }

    @Override
    public NDArray addPositions(NDArray tokens) {
        return addPositions(tokens, 0);
    }

    @Override
    public NDArray addPositions(NDArray tokens, int offset) {
        long t = tokens.getShape().get(1);
        if (offset < 0 || offset + t > positions.getShape().get(0) - 2) {
            throw new InvalidInputException("text positions " + offset + ".." + (offset + t - 1)
                    + " exceed the model's " + (positions.getShape().get(0) - 2) + " text positions");
        }
        NDArray rows = tokens.getManager().arange(2L + offset, 2L + offset + t).toType(DataType.INT64, false); // (T)
        return tokens.add(Ops.lookup(rows, positions)); // (B, T, D) + (T, D)
    }
}
