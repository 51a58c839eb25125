package dev.beit3.vlmo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.InputLayout;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.WeightSource;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.nn.Ops;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * VLMo's relative position bias ({@code VLMo.get_rel_pos_bias}) as the encoder's additive score bias.
 *
 * <p>With G the patch grid, {@code nr = (2G−1)² + 3} and {@code all = nr + 2M + 2} (the table's R rows),
 * layer l head h reads column {@code l·H + h}: {@code bias_l[h][i][j] = table[index[i][j], l·H + h]}.
 * Index rules (token 0 of the image = cls, token {@code 1 + r·G + c} = patch (r, c)):
 *
 * <ul>
 *   <li>image ((N+1)²): {@code index[1+p][1+q] = (r_p − r_q + G − 1)·(2G − 1) + (c_p − c_q + G − 1)};
 *       {@code index[0][j≥1] = nr − 3}, {@code index[i≥1][0] = nr − 2}, {@code index[0][0] = nr − 1};
 *   <li>text (T²): {@code index[i][j] = nr + M + (j − i)} for i, j ≥ 1; {@code index[0][j≥1] = all − 3},
 *       {@code index[i≥1][0] = all − 2}, {@code index[0][0] = all − 1};
 *   <li>fused ((T+N+1)², text first): {@code [[text, nr], [nr + 1, image]]}.
 * </ul>
 *
 * <p>At load the index tensors stored in the checkpoint ({@code relative_position_index},
 * {@code text_relative_position_index}, {@code text_imag_relative_position_index}) are checked against
 * these rules. Per-layer tables (R, H) live in the weight manager; indices are cached on the heap per
 * (layout, T); each call gathers (H, n, n) into the call's scope.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoRelativePositionBias implements MultiwayEncoder.AttentionBias {
    private final int grid;
    private final int maxTextOfInit;
    private final int heads;
    private final NDArray[] perLayer; // L × (R, H)
    private final Map<String, long[]> indexCache = new ConcurrentHashMap<>();

    private VlmoRelativePositionBias(int grid, int maxTextOfInit, int heads, NDArray[] perLayer) {
        this.grid = grid;
        this.maxTextOfInit = maxTextOfInit;
        this.heads = heads;
        this.perLayer = perLayer;
    }

    /**
     * Loads the table and checks the stored index tensors.
     *
     * @param layout the model layout (must have {@link VlmoLayout#relativePosition()})
     * @param root the checkpoint at its root
     * @return the bias
     * @throws CheckpointException when a stored index tensor differs from the rules
     */
    public static VlmoRelativePositionBias load(VlmoLayout layout, WeightSource root) {
        int g = layout.gridSize();
        int m = layout.maxTextLenOfInitCheckpoint();
        int h = layout.heads();
        int l = layout.layers();
        long rows = (long) (2 * g - 1) * (2 * g - 1) + 3 + 2L * m + 2;
        String p = "relative position bias";
        NDArray table = root.require("relative_position_bias_table", new Shape(rows, (long) h * l), p); // (R, H·L)
        NDArray[] per = new NDArray[l];
        for (int i = 0; i < l; i++) {
            per[i] = table.get(":, {}:{}", i * h, (i + 1) * h); // (R, H)
        }
        VlmoRelativePositionBias b = new VlmoRelativePositionBias(g, m, h, per);
        int n = layout.gridSize() * layout.gridSize() + 1;
        int t = layout.maxTextLen();
        b.check(root, "relative_position_index", b.imageIndex(), n);
        b.check(root, "text_relative_position_index", b.textIndex(t), t);
        b.check(root, "text_imag_relative_position_index", b.fusedIndex(t), t + n);
        return b;
    }

    private void check(WeightSource root, String key, long[] expected, int n) {
        root.optional(key, new Shape(n, n), "check of the relative position index rule").ifPresent(a -> {
            float[] stored = a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < expected.length; i++) {
                if (stored[i] != expected[i]) {
                    throw new CheckpointException("stored " + key + " differs from VLMo's index rule at ("
                            + i / n + ", " + i % n + "): " + (long) stored[i] + " vs " + expected[i]
                            + "; the checkpoint was made for another image size or text length");
                }
            }
        });
    }

    /** Rows of the image part: nr = (2G−1)² + 3. */
    private long nr() {
        return (long) (2 * grid - 1) * (2 * grid - 1) + 3;
    }

    /**
     * The image index, row-major (N+1)².
     *
     * @return the index
     */
    public long[] imageIndex() {
        return indexCache.computeIfAbsent("image", k -> {
            int n = grid * grid + 1;
            long nr = nr();
            long[] idx = new long[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    long v;
                    if (i == 0 && j == 0) {
                        v = nr - 1;
                    } else if (i == 0) {
                        v = nr - 3;
                    } else if (j == 0) {
                        v = nr - 2;
                    } else {
                        int rp = (i - 1) / grid;
                        int cp = (i - 1) % grid;
                        int rq = (j - 1) / grid;
                        int cq = (j - 1) % grid;
                        v = (long) (rp - rq + grid - 1) * (2 * grid - 1) + (cp - cq + grid - 1);
                    }
                    idx[i * n + j] = v;
                }
            }
            return idx;
        });
    }

    /**
     * The text index of T tokens, row-major T².
     *
     * @param t T
     * @return the index
     */
    public long[] textIndex(int t) {
        if (t > maxTextOfInit) {
            throw new InvalidInputException("text of " + t + " tokens exceeds the " + maxTextOfInit
                    + " text distances of the relative position table; truncate the text");
        }
        return indexCache.computeIfAbsent("text" + t, k -> {
            long nr = nr();
            long all = nr + 2L * maxTextOfInit + 2;
            long[] idx = new long[t * t];
            for (int i = 0; i < t; i++) {
                for (int j = 0; j < t; j++) {
                    long v;
                    if (i == 0 && j == 0) {
                        v = all - 1;
                    } else if (i == 0) {
                        v = all - 3;
                    } else if (j == 0) {
                        v = all - 2;
                    } else {
                        v = nr + maxTextOfInit + (j - i);
                    }
                    idx[i * t + j] = v;
                }
            }
            return idx;
        });
    }

    /**
     * The fused index of T text tokens followed by the image, row-major (T+N+1)².
     *
     * @param t T
     * @return the index
     */
    public long[] fusedIndex(int t) {
        long[] text = textIndex(t);
        long[] image = imageIndex();
        return indexCache.computeIfAbsent("fused" + t, k -> {
            int n = grid * grid + 1;
            int total = t + n;
            long nr = nr();
            long[] idx = new long[total * total];
            for (int i = 0; i < total; i++) {
                for (int j = 0; j < total; j++) {
                    long v;
                    if (i < t && j < t) {
                        v = text[i * t + j];
                    } else if (i < t) {
                        v = nr; // text → image
                    } else if (j < t) {
                        v = nr + 1; // image → text
                    } else {
                        v = image[(i - t) * n + (j - t)];
                    }
                    idx[i * total + j] = v;
                }
            }
            return idx;
        });
    }

    /**
     * The index a pass uses.
     *
     * @param layout what the sequence holds
     * @param textTokens T (0 without text)
     * @return row-major n² indices
     */
    public long[] index(InputLayout layout, int textTokens) {
        return switch (layout) {
            case VISION -> imageIndex();
            case LANGUAGE -> textIndex(textTokens);
            case FUSED -> fusedIndex(textTokens);
        };
    }

    /**
     * The bias of one layer.
     *
     * @param layout what the sequence holds
     * @param layer layer index
     * @param textTokens T (0 without text)
     * @param scope manager of the result
     * @return (H, n, n), broadcast over the batch
     */
    @Override
    public NDArray bias(InputLayout layout, int layer, int textTokens, NDManager scope) {
        long[] idx = index(layout, textTokens);
        int n = (int) Math.round(Math.sqrt(idx.length));
        NDArray ids = scope.create(idx, new Shape(idx.length)); // (n²) int64, in the call's scope
        NDArray b = Ops.lookup(ids, perLayer[layer]); // (n², H)
        return b.reshape(n, n, heads).transpose(2, 0, 1); // (H, n, n)
    }

    @Override
    public String toString() {
        return "VLMo relative position bias (grid " + grid + ", M " + maxTextOfInit + ", " + heads + " heads × "
                + perLayer.length + " layers)";
    }
}
