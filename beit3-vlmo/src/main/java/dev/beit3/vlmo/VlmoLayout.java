package dev.beit3.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.TensorData;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dimensions of a VLMo checkpoint, read off its tensor shapes.
 *
 * <p>D and V from {@code text_embeddings.word_embeddings}, F from layer 0's text FFN, P from the
 * patch convolution, L from the block indices, s = the first block with {@code mlp_vl}, T from
 * {@code text_embeddings.position_ids}, the patch grid G from {@code transformer.pos_embed} (absolute
 * positions) or the stored {@code relative_position_index} ((N+1)², relative positions), M =
 * {@code (R − (2G−1)² − 5) / 2} from the R rows of {@code relative_position_bias_table}, and H from
 * the table's H·L columns (or given: models without a table do not record it).
 *
 * @param dim D
 * @param heads H
 * @param layers L
 * @param ffnDim F (4D in the released models)
 * @param vlStartLayer s, the first layer with a vision-language FFN; L when there is none
 * @param patchSize P
 * @param imageSize S = G·P
 * @param vocabSize V
 * @param maxTextLen T, the text length the model is built for ({@code max_text_len})
 * @param relativePosition whether the model has a relative position bias table (else absolute positions)
 * @param maxTextLenOfInitCheckpoint M (text part of the bias table); 0 without a table
 * @param layerScale whether the blocks carry {@code gamma_1}/{@code gamma_2}
 * @param tokenTypes rows of {@code token_type_embeddings} (2; 3 for NLVR2)
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public record VlmoLayout(int dim, int heads, int layers, int ffnDim, int vlStartLayer, int patchSize, int imageSize,
        int vocabSize, int maxTextLen, boolean relativePosition, int maxTextLenOfInitCheckpoint, boolean layerScale,
        int tokenTypes) {
    /** Backbone LayerNorm epsilon (norm1, norm2_*, final norm). */
    public static final double EPS = 1e-6;
    private static final Pattern BLOCK = Pattern.compile("^transformer\\.blocks\\.(\\d+)\\.");

    /**
     * Whether a state dict has VLMo's key layout ({@code transformer.blocks.*}).
     *
     * @param keys the state-dict keys
     * @return true for VLMo
     */
    public static boolean isVlmo(Set<String> keys) {
        return keys.stream().anyMatch(k -> k.startsWith("transformer.blocks."));
    }

    /**
     * Reads the layout, inferring H (from the bias table, else D/64) and the image size.
     *
     * @param c the checkpoint
     * @return the layout
     * @throws CheckpointException when the checkpoint is not VLMo's or a dimension cannot be read
     */
    public static VlmoLayout of(Checkpoint c) {
        return of(c, 0, 0);
    }

    /**
     * Reads the layout.
     *
     * @param c the checkpoint
     * @param heads H, or 0 to infer it (the bias table's columns / L; else D/64 as in the released models)
     * @param imageSize S, or 0 to read it from {@code pos_embed} / {@code relative_position_index}
     * @return the layout
     * @throws CheckpointException when the checkpoint is not VLMo's or a dimension cannot be read
     */
    public static VlmoLayout of(Checkpoint c, int heads, int imageSize) {
        Map<String, TensorData> t = c.tensors();
        if (!isVlmo(t.keySet())) {
            boolean beit3 = t.keySet().stream().anyMatch(k -> k.startsWith("beit3."));
            throw new CheckpointException(c.source() + " is not a VLMo checkpoint: it has no transformer.blocks.* keys"
                    + (beit3 ? " (its keys beit3.* are BEiT-3's; load it with Beit3.builder())"
                            : "; first keys: " + t.keySet().stream().limit(5).toList()));
        }
        long[] word = shape(c, "text_embeddings.word_embeddings.weight");
        long[] fc1 = shape(c, "transformer.blocks.0.mlp_text.fc1.weight");
        long[] proj = shape(c, "transformer.patch_embed.proj.weight");
        long[] posIds = shape(c, "text_embeddings.position_ids");
        long[] types = shape(c, "token_type_embeddings.weight");
        int dim = (int) word[1];
        int layers = 0;
        int vlStart = Integer.MAX_VALUE;
        for (String k : t.keySet()) {
            Matcher m = BLOCK.matcher(k);
            if (m.find()) {
                int l = Integer.parseInt(m.group(1));
                layers = Math.max(layers, l + 1);
                if (k.startsWith("transformer.blocks." + l + ".mlp_vl.")) {
                    vlStart = Math.min(vlStart, l);
                }
            }
        }
        vlStart = Math.min(vlStart, layers);
        int patch = (int) proj[2];
        boolean rel = t.containsKey("relative_position_bias_table");
        int grid;
        if (imageSize > 0) {
            if (imageSize % patch != 0) {
                throw new CheckpointException("image size " + imageSize + " is not a multiple of the patch size "
                        + patch + " of " + c.source());
            }
            grid = imageSize / patch;
        } else if (t.containsKey("transformer.pos_embed")) {
            grid = squareRoot(shape(c, "transformer.pos_embed")[1] - 1, "transformer.pos_embed");
        } else if (t.containsKey("relative_position_index")) {
            grid = squareRoot(shape(c, "relative_position_index")[0] - 1, "relative_position_index");
        } else {
            throw new CheckpointException(c.source() + " records no image size (neither transformer.pos_embed nor"
                    + " relative_position_index); give it explicitly (VlmoLayout.of(checkpoint, heads, imageSize))");
        }
        int m = 0;
        int h = heads;
        if (rel) {
            long[] table = shape(c, "relative_position_bias_table");
            long nr = (long) (2 * grid - 1) * (2 * grid - 1) + 3;
            long rest = table[0] - nr - 2;
            if (rest < 0 || rest % 2 != 0) {
                throw new CheckpointException("relative_position_bias_table has " + table[0] + " rows; a " + grid + "×"
                        + grid + " patch grid needs (2G-1)^2 + 3 + 2M + 2 rows — is the image size right?");
            }
            m = (int) (rest / 2);
            if (table[1] % layers != 0) {
                throw new CheckpointException("relative_position_bias_table has " + table[1]
                        + " columns, not a multiple of the " + layers + " layers (expected heads × layers)");
            }
            int fromTable = (int) (table[1] / layers);
            if (h > 0 && h != fromTable) {
                throw new CheckpointException("the checkpoint's relative_position_bias_table has " + table[1]
                        + " columns = " + fromTable + " heads × " + layers + " layers, but " + h + " heads were asked for");
            }
            h = fromTable;
        }
        if (h <= 0) {
            if (dim % 64 != 0) {
                throw new CheckpointException("cannot infer the number of attention heads of a VLMo model of width "
                        + dim + " without a relative position table (released models use D/64); give it explicitly");
            }
            h = dim / 64;
        }
        if (dim % h != 0) {
            throw new CheckpointException("width " + dim + " is not divisible by " + h + " heads");
        }
        int textLen = (int) posIds[posIds.length - 1];
        if (rel && textLen > m) {
            throw new CheckpointException("max_text_len " + textLen + " exceeds the " + m
                    + " text distances of relative_position_bias_table");
        }
        return new VlmoLayout(dim, h, layers, (int) fc1[0], vlStart, patch, grid * patch, (int) word[0], textLen, rel,
                m, t.containsKey("transformer.blocks.0.gamma_1"), (int) types[0]);
    }

    private static int squareRoot(long n, String key) {
        int g = (int) Math.round(Math.sqrt(n));
        if ((long) g * g != n) {
            throw new CheckpointException(key + " implies " + n + " patches, not a square grid");
        }
        return g;
    }

    private static long[] shape(Checkpoint c, String key) {
        TensorData d = c.tensors().get(key);
        if (d == null) {
            throw new CheckpointException("checkpoint " + c.source() + " has no key " + key
                    + " (every VLMo checkpoint has it); is the file complete?");
        }
        return d.shape();
    }

    /**
     * Patch grid side G.
     *
     * @return G
     */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /**
     * The encoder configuration: family VLMO, ε 1e-6, final norm on, {@code maxTextPositions} = T.
     *
     * @return the configuration
     */
    public EncoderConfig encoderConfig() {
        return new EncoderConfig(ModelFamily.VLMO, dim, heads, layers, ffnDim, patchSize, imageSize, vocabSize,
                maxTextLen, EPS, true, vlStartLayer);
    }

    /**
     * A one-line summary for logs.
     *
     * @return e.g. {@code "VLMo, dim 768, 12 layers (VL FFN from 10), 12 heads, ..."}
     */
    public String summary() {
        return "VLMo, dim " + dim + ", " + layers + " layers (VL FFN from " + vlStartLayer + "), " + heads + " heads, FFN "
                + ffnDim + ", image " + imageSize + "/" + patchSize + ", text " + maxTextLen + ", "
                + (relativePosition ? "relative position bias (M " + maxTextLenOfInitCheckpoint + ")"
                        : "absolute positions") + (layerScale ? ", layer scale" : "") + ", " + tokenTypes
                + " token types";
    }
}
