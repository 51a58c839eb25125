package dev.beit3.vlmo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.Modality;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.LayerNormWeights;
import dev.beit3.core.nn.Ops;

/**
 * BERT embeddings as VLMo uses them (transformers 4.8.1 {@code BertEmbeddings}), then VLMo's own
 * text token type. Positions (absolute models only) are added before the LayerNorm, so {@link #embed}
 * does all the work and {@link #addPositions} is the identity.
 *
 * <p>Shapes: B batch, T ≤ {@code max_text_len} text tokens, V vocabulary rows, D width.
 */
final class VlmoTextEmbedding implements TokenEmbedding {
    private static final float BERT_EPS = 1e-12f;
    private final NDArray words; // (V, D)
    private final NDArray bertType; // (D): text_embeddings.token_type_embeddings[0]
    private final NDArray positions; // (T, D), or null with relative position bias
    private final LayerNormWeights norm;
    private final NDArray textType; // (D): token_type_embeddings[0]
    private final long vocab;

    VlmoTextEmbedding(EncoderConfig c, WeightSource ws) {
        String p = "VLMo text embedding";
        int d = c.dim();
        int t = c.maxTextPositions();
        vocab = c.vocabSize();
        words = ws.require("text_embeddings.word_embeddings.weight", new Shape(vocab, d), p);
        bertType = ws.require("text_embeddings.token_type_embeddings.weight", new Shape(2, d), p).get(0);
        norm = LayerNormWeights.load(ws, "text_embeddings.LayerNorm", d, BERT_EPS, p);
        long types = ws.shape("token_type_embeddings.weight").map(s -> s.get(0)).orElse(2L);
        textType = ws.require("token_type_embeddings.weight", new Shape(types, d), p).get(0);
        boolean absolute = !ws.contains("relative_position_bias_table");
        positions = absolute ? ws.require("text_embeddings.position_embeddings.weight", new Shape(t, d),
                p + " (absolute positions)") : null;
        ws.optional("text_embeddings.position_ids", new Shape(1, t), p + " (position ids)").ifPresent(ids -> {
            long[] v = ids.toType(DataType.INT64, false).toLongArray();
            for (int i = 0; i < v.length; i++) {
                if (v[i] != i) {
                    throw new CheckpointException("text_embeddings.position_ids[" + i + "] = " + v[i] + "; expected "
                            + i + " (0..T-1)");
                }
            }
        });
    }

    @Override
    public Modality modality() {
        return Modality.LANGUAGE;
    }

    @Override
    public NDArray embed(EncoderInput input) {
        NDArray ids = input.textIds(); // (B, T) int64
        Ops.requireIdsBelow(ids, vocab, bad -> "text id " + bad + " is outside the vocabulary 0.." + (vocab - 1)
                + " of this VLMo model; tokenize with its WordPiece vocab.txt");
        NDArray x = Ops.lookup(ids, words).add(bertType); // (B, T, D)
        if (positions != null) {
            long t = ids.getShape().get(1);
            NDArray rows = ids.getManager().arange(0L, t).toType(DataType.INT64, false); // (T)
            x = x.add(Ops.lookup(rows, positions)); // (B, T, D) + (T, D)
        }
        return norm.apply(x).add(textType); // (B, T, D)
    }

    @Override
    public NDArray addPositions(NDArray tokens) {
        return tokens;
    }
}
