package dev.beit3.onnx;

import static dev.beit3.onnx.GraphBuilder.attr;
import static dev.beit3.onnx.GraphBuilder.attrInts;

import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.TensorData;
import dev.beit3.core.nn.Bicubic;
import java.util.Arrays;
import java.util.List;

/**
 * Emits the BEiT-3 forward pass (architecture doc c.1–c.6, d.1, d.4) as ONNX nodes from a checkpoint's
 * tensors: the image tower and the text tower of the retrieval model, and the image classifier. A tower
 * serves one modality, so every layer uses one branch (A vision, B language). Linear layers are either
 * float32 MatMul + Add, or int8 (per-output-channel symmetric weights, activations quantized per call
 * with DynamicQuantizeLinear, MatMulInteger, rescale, bias).
 *
 * <p>Dimensions: B batch, T tokens, D width, H heads, d = D/H, F FFN width, S image side, P patch, N patches.
 */
final class Beit3Graphs {
    private final Checkpoint checkpoint;
    private final EncoderConfig cfg;
    /** The largest int8 weight magnitude: 7 bits, see {@link #linear}. */
    private static final int WEIGHT_LEVELS = 63;

    private final boolean int8;
    private final float eps;

    Beit3Graphs(Checkpoint checkpoint, EncoderConfig cfg, boolean int8) {
        this.checkpoint = checkpoint;
        this.cfg = cfg;
        this.int8 = int8;
        this.eps = (float) cfg.layerNormEps();
    }

    // ------------------------------------------------------------------ weights

    TensorData tensor(String key) {
        return checkpoint.tensor(key).orElseThrow(() -> new CheckpointException("checkpoint " + checkpoint.source()
                + " has no tensor " + key + ", which the exported graph needs; is it complete and of this head?"));
    }

    float[] floats(String key, long... expectedShape) {
        TensorData t = tensor(key);
        if (expectedShape.length > 0 && !Arrays.equals(t.shape(), expectedShape)) {
            throw new CheckpointException("tensor " + key + " has shape " + Arrays.toString(t.shape()) + ", expected "
                    + Arrays.toString(expectedShape) + " for " + cfg.summary());
        }
        return t.toFloats();
    }

    boolean has(String key) {
        return checkpoint.tensor(key).isPresent();
    }

    // ------------------------------------------------------------------ building blocks

    /** y = x·Wᵀ + b for W stored (O, I); int8 when this graph is quantized and {@code quantizable}. */
    String linear(GraphBuilder g, String x, String key, boolean bias, boolean quantizable) {
        TensorData wt = tensor(key + ".weight");
        long[] s = wt.shape();
        int out = (int) s[0];
        int in = (int) s[1];
        float[] w = wt.toFloats();
        float[] b = bias ? floats(key + ".bias", out) : null;
        String y;
        if (int8 && quantizable) {
            // per output channel, in 7 bits: scale_o = max|W_o| / 63, q = round(W / scale) in [-63, 63], zero point
            // 0. Seven bits because on x86 CPUs without VNNI ONNX Runtime multiplies u8 activations by s8 weights
            // with vpmaddubsw, which sums pairs into int16: 2 * 255 * 127 overflows it and saturates, 2 * 255 * 63
            // does not (onnxruntime's quantizer calls this reduce_range). Measured on Zen 3 (AVX2), full 8-bit
            // weights gave cosines to fp32 of 0.964-0.989; the exported graph must be accurate on every CPU.
            float[] scale = new float[out];
            byte[] q = new byte[in * out]; // (I, O)
            for (int o = 0; o < out; o++) {
                float m = 0;
                for (int i = 0; i < in; i++) {
                    m = Math.max(m, Math.abs(w[o * in + i]));
                }
                scale[o] = m == 0 ? 1f : m / WEIGHT_LEVELS;
                for (int i = 0; i < in; i++) {
                    q[i * out + o] = (byte) Math.max(-WEIGHT_LEVELS, Math.min(WEIGHT_LEVELS,
                            Math.round(w[o * in + i] / scale[o])));
                }
            }
            String wq = g.int8s(key + ".weight_int8", q, in, out);
            String ws = g.floats(key + ".weight_scale", scale, out);
            String[] xq = g.ops("DynamicQuantizeLinear", new String[] {key + ".x_u8", key + ".x_scale",
                key + ".x_zero_point"}, List.of(x));
            String acc = g.op("MatMulInteger", key + ".acc_i32", List.of(xq[0], wq, xq[2]));
            String accF = g.op("Cast", key + ".acc", List.of(acc), attr("to", (long) GraphBuilder.FLOAT));
            String sc = g.op("Mul", key + ".scale", List.of(xq[1], ws));
            y = g.op("Mul", key + ".matmul", List.of(accF, sc));
        } else {
            float[] t = new float[in * out];
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    t[i * out + o] = w[o * in + i];
                }
            }
            String wT = g.floats(key + ".weight_t", t, in, out);
            y = g.op("MatMul", key + ".matmul", List.of(x, wT));
        }
        return bias ? g.op("Add", key, List.of(y, g.floats(key + ".bias", b, out))) : y;
    }

    String layerNorm(GraphBuilder g, String x, String key, int width) {
        return g.layerNorm(x, floats(key + ".weight", width), floats(key + ".bias", width), eps, key);
    }

    /**
     * Which branch serves which tokens (c.3): one branch for all, or A for the first {@code split} tokens (the image)
     * and B for the rest (the text).
     */
    record Route(String only, int split) {
        static Route of(String branch) {
            return new Route(branch, -1);
        }

        static Route fused(int split) {
            return new Route(null, split);
        }
    }

    /** A token-wise Multiway module: applied per branch and concatenated back in order. */
    interface Module {
        String apply(String x, String branch);
    }

    String multiway(GraphBuilder g, String x, Route r, String name, Module m) {
        if (r.only() != null) {
            return m.apply(x, r.only());
        }
        String a = g.op("Slice", name + ".tokens_A", List.of(x, g.ints("zero1", 0), g.ints("split", r.split()),
                g.ints("axis1", 1)));
        String b = g.op("Slice", name + ".tokens_B", List.of(x, g.ints("split", r.split()),
                g.ints("to_end", Long.MAX_VALUE), g.ints("axis1", 1)));
        return g.op("Concat", name + ".routed", List.of(m.apply(a, "A"), m.apply(b, "B")), attr("axis", 1L));
    }

    /**
     * One Multiway layer (c.5).
     *
     * @param x (B, T, D)
     * @param bias additive key mask (B, 1, 1, T), or null
     */
    String layer(GraphBuilder g, String x, int i, Route route, String bias) {
        int d = cfg.dim();
        int heads = cfg.heads();
        int hd = d / heads;
        String p = "beit3.encoder.layers." + i + ".";
        String h = multiway(g, x, route, p + "self_attn_layer_norm",
                (t, br) -> layerNorm(g, t, p + "self_attn_layer_norm." + br, d));
        String q = multiway(g, h, route, p + "self_attn.q_proj",
                (t, br) -> linear(g, t, p + "self_attn.q_proj." + br, true, true));
        q = g.op("Mul", p + "self_attn.q_scaled", List.of(q, g.scalar("scaling", (float) Math.pow(hd, -0.5))));
        String k = multiway(g, h, route, p + "self_attn.k_proj",
                (t, br) -> linear(g, t, p + "self_attn.k_proj." + br, true, true));
        String v = multiway(g, h, route, p + "self_attn.v_proj",
                (t, br) -> linear(g, t, p + "self_attn.v_proj." + br, true, true));
        String headsShape = g.ints("heads_shape", 0, 0, heads, hd);
        q = g.op("Transpose", p + "q_heads", List.of(g.op("Reshape", p + "q_split", List.of(q, headsShape))),
                attrInts("perm", 0, 2, 1, 3));                                                  // (B, H, T, d)
        k = g.op("Transpose", p + "k_heads", List.of(g.op("Reshape", p + "k_split", List.of(k, headsShape))),
                attrInts("perm", 0, 2, 3, 1));                                                  // (B, H, d, T)
        v = g.op("Transpose", p + "v_heads", List.of(g.op("Reshape", p + "v_split", List.of(v, headsShape))),
                attrInts("perm", 0, 2, 1, 3));                                                  // (B, H, T, d)
        String scores = g.op("MatMul", p + "scores", List.of(q, k));                            // (B, H, T, T)
        if (bias != null) {
            scores = g.op("Add", p + "scores_masked", List.of(scores, bias));
        }
        String w = g.op("Softmax", p + "attn_weights", List.of(scores), attr("axis", -1L));
        String o = g.op("MatMul", p + "attn_heads", List.of(w, v));                             // (B, H, T, d)
        o = g.op("Transpose", p + "attn_tokens", List.of(o), attrInts("perm", 0, 2, 1, 3));    // (B, T, H, d)
        o = g.op("Reshape", p + "attn_concat", List.of(o, g.ints("concat_shape", 0, 0, d)));    // (B, T, D)
        o = multiway(g, o, route, p + "self_attn.out", (t, br) -> linear(g,
                layerNorm(g, t, p + "self_attn.inner_attn_ln." + br, d), p + "self_attn.out_proj." + br, true, true));
        x = g.op("Add", p + "attn_residual", List.of(x, o));
        String f = multiway(g, x, route, p + "ffn", (t, br) -> {
            String y = layerNorm(g, t, p + "final_layer_norm." + br, d);
            y = linear(g, y, p + "ffn." + br + ".fc1", true, true);
            y = g.gelu(y, p + "ffn." + br + ".gelu");
            y = layerNorm(g, y, p + "ffn." + br + ".ffn_layernorm", cfg.ffnDim());
            return linear(g, y, p + "ffn." + br + ".fc2", true, true);
        });
        return g.op("Add", p + "ffn_residual", List.of(x, f));
    }

    /** Layers 0…L−1 and, when the model keeps it, the final LayerNorm per branch. */
    String encoder(GraphBuilder g, String x, Route route, String bias) {
        for (int i = 0; i < cfg.layers(); i++) {
            x = layer(g, x, i, route, bias);
        }
        return cfg.finalLayerNorm() ? multiway(g, x, route, "beit3.encoder.layer_norm",
                (t, br) -> layerNorm(g, t, "beit3.encoder.layer_norm." + br, cfg.dim())) : x;
    }

    /** The vision positions for the configured image size: rows 2 … N+2 (c.3), bicubic-interpolated if needed (d.6). */
    float[] visionPositions() {
        int d = cfg.dim();
        TensorData pos = tensor("beit3.encoder.embed_positions.A.weight");
        long rows = pos.shape()[0];
        float[] all = pos.toFloats();
        int gOld = (int) Math.round(Math.sqrt(rows - 3));
        int gNew = cfg.gridSize();
        if (gOld != gNew) {
            float[] grid = Arrays.copyOfRange(all, 3 * d, all.length);
            float[] resized = Bicubic.resizeGrid(grid, gOld, gNew, d);
            float[] out = new float[(3 + gNew * gNew) * d];
            System.arraycopy(all, 0, out, 0, 3 * d);
            System.arraycopy(resized, 0, out, 3 * d, resized.length);
            all = out;
        }
        int n = gNew * gNew + 1;
        return Arrays.copyOfRange(all, 2 * d, (2 + n) * d);
    }

    /** pixel_values (B, 3, S, S) → encoder output (B, N+1, D) through branch A. */
    String visionEncoder(GraphBuilder g, String pixels) {
        return encoder(g, visionEmbedding(g, pixels), Route.of("A"), null);
    }

    /** pixel_values (B, 3, S, S) → vision tokens with positions (B, N+1, D) (c.1, c.3). */
    String visionEmbedding(GraphBuilder g, String pixels) {
        int d = cfg.dim();
        int p = cfg.patchSize();
        String w = g.floats("beit3.vision_embed.proj.weight", floats("beit3.vision_embed.proj.weight", d, 3, p, p),
                d, 3, p, p);
        String b = g.floats("beit3.vision_embed.proj.bias", floats("beit3.vision_embed.proj.bias", d), d);
        String conv = g.op("Conv", "patch_conv", List.of(pixels, w, b), attrInts("kernel_shape", p, p),
                attrInts("strides", p, p));                                                     // (B, D, g, g)
        String flat = g.op("Reshape", "patch_flat", List.of(conv, g.ints("patch_shape", 0, d, -1)));  // (B, D, N)
        String patches = g.op("Transpose", "patches", List.of(flat), attrInts("perm", 0, 2, 1)); // (B, N, D)
        String cls = g.floats("beit3.vision_embed.cls_token", floats("beit3.vision_embed.cls_token", 1, 1, d), 1, 1, d);
        String batch = g.op("Shape", "batch", List.of(pixels), attr("start", 0L), attr("end", 1L));
        String clsShape = g.op("Concat", "cls_shape", List.of(batch, g.ints("one_d", 1, d)), attr("axis", 0L));
        String clsB = g.op("Expand", "cls_tokens", List.of(cls, clsShape));                   // (B, 1, D)
        String x = g.op("Concat", "vision_tokens", List.of(clsB, patches), attr("axis", 1L)); // (B, N+1, D)
        float[] pos = visionPositions();
        String posT = g.floats("vision_positions", pos, pos.length / d, d);
        return g.op("Add", "vision_embedded", List.of(x, posT));
    }

    /** input_ids, padding_mask (B, T) → encoder output (B, T, D) through branch B, padding zeroed and masked. */
    String textEncoder(GraphBuilder g, String ids, String mask) {
        String[] e = textEmbedding(g, ids, mask);
        String bias = g.op("Unsqueeze", "key_bias", List.of(e[1], g.ints("axes12", 1, 2)));   // (B, 1, 1, T)
        return encoder(g, e[0], Route.of("B"), bias);
    }

    /** input_ids, padding_mask (B, T) → {text tokens with positions, padding zeroed (B, T, D); key bias (B, T)}. */
    String[] textEmbedding(GraphBuilder g, String ids, String mask) {
        int d = cfg.dim();
        String table = g.floats("beit3.text_embed.weight", floats("beit3.text_embed.weight", cfg.vocabSize(), d),
                cfg.vocabSize(), d);
        String x = g.op("Gather", "text_tokens", List.of(table, ids), attr("axis", 0L));      // (B, T, D)
        TensorData posB = tensor("beit3.encoder.embed_positions.B.weight");
        String posTable = g.floats("text_positions", posB.toFloats(), posB.shape());
        String t = g.op("Shape", "text_length", List.of(ids), attr("start", 1L), attr("end", 2L));
        String end = g.op("Add", "text_positions_end", List.of(t, g.ints("two", 2)));
        String pos = g.op("Slice", "text_positions_used", List.of(posTable, g.ints("start_row", 2), end,
                g.ints("axis0", 0)));                                                           // (T, D)
        x = g.op("Add", "text_embedded", List.of(x, pos));
        String maskF = g.op("Cast", "padding_mask_f", List.of(mask), attr("to", (long) GraphBuilder.FLOAT));
        String keep = g.op("Sub", "keep", List.of(g.scalar("one", 1f), maskF));               // (B, T)
        x = g.op("Mul", "text_unpadded", List.of(x, g.op("Unsqueeze", "keep_3d", List.of(keep, g.ints("last", -1)))));
        String isPad = g.op("Equal", "is_pad", List.of(mask, g.longs("one_i64", new long[] {1})));
        String minus = g.op("Where", "key_bias_2d", List.of(isPad, g.scalar("minus_inf", Float.NEGATIVE_INFINITY),
                g.scalar("zero", 0f)));                                                         // (B, T)
        return new String[] {x, minus};
    }

    /** Image + text through the fused encoder (image tokens first, split at N+1): (B, N+1+T, D). */
    String fusedEncoder(GraphBuilder g, String pixels, String ids, String mask) {
        String v = visionEmbedding(g, pixels);                                                  // (B, Nv, D)
        String[] t = textEmbedding(g, ids, mask);
        int nv = cfg.gridSize() * cfg.gridSize() + 1;
        String x = g.op("Concat", "fused_tokens", List.of(v, t[0]), attr("axis", 1L));
        String batch = g.op("Shape", "fused_batch", List.of(ids), attr("start", 0L), attr("end", 1L));
        String zerosShape = g.op("Concat", "image_bias_shape", List.of(batch, g.ints("nv", nv)), attr("axis", 0L));
        String zeros = g.op("ConstantOfShape", "image_bias", List.of(zerosShape),
                GraphBuilder.attrTensor("value", 0f));                                         // (B, Nv)
        String bias2 = g.op("Concat", "fused_bias_2d", List.of(zeros, t[1]), attr("axis", 1L)); // (B, Nv+T)
        String bias = g.op("Unsqueeze", "fused_bias", List.of(bias2, g.ints("axes12", 1, 2)));
        return encoder(g, x, Route.fused(nv), bias);
    }

    /** VQA: head.3(GELU(LN_head.1(head.0(tanh(pooler.dense(LN_pooler(out_0))))))) (d.2). */
    void vqa(GraphBuilder g) {
        int s = cfg.imageSize();
        int d = cfg.dim();
        g.input("pixel_values", GraphBuilder.FLOAT, "batch", 3L, (long) s, (long) s);
        g.input("input_ids", GraphBuilder.INT64, "batch", "sequence");
        g.input("padding_mask", GraphBuilder.INT64, "batch", "sequence");
        String out = fusedEncoder(g, "pixel_values", "input_ids", "padding_mask");
        String c = layerNorm(g, firstToken(g, out), "pooler.norm", d);
        String pooled = g.op("Tanh", "pooled", List.of(linear(g, c, "pooler.dense", true, false)));
        String h = linear(g, pooled, "head.0", true, false);
        h = g.gelu(layerNorm(g, h, "head.1", 2 * d), "head.2");
        String logits = linear(g, h, "head.3", true, false);
        g.op("Identity", "logits", List.of(logits));
        g.output("logits", GraphBuilder.FLOAT, "batch", tensor("head.3.weight").shape()[0]);
    }

    /** NLVR2: both pairs through the fused encoder as one 2B batch, then the MLP of d.3. */
    void nlvr2(GraphBuilder g) {
        int s = cfg.imageSize();
        int d = cfg.dim();
        g.input("pixel_values_a", GraphBuilder.FLOAT, "batch", 3L, (long) s, (long) s);
        g.input("pixel_values_b", GraphBuilder.FLOAT, "batch", 3L, (long) s, (long) s);
        g.input("input_ids", GraphBuilder.INT64, "batch", "sequence");
        g.input("padding_mask", GraphBuilder.INT64, "batch", "sequence");
        String px = g.op("Concat", "pixel_values_ab", List.of("pixel_values_a", "pixel_values_b"), attr("axis", 0L));
        String ids = g.op("Concat", "input_ids_ab", List.of("input_ids", "input_ids"), attr("axis", 0L));
        String mask = g.op("Concat", "padding_mask_ab", List.of("padding_mask", "padding_mask"), attr("axis", 0L));
        String out = fusedEncoder(g, px, ids, mask);                                            // (2B, Nv+T, D)
        int nv = cfg.gridSize() * cfg.gridSize() + 1;
        String vis = firstToken(g, out);
        String txt = g.op("Gather", "text_cls_out", List.of(out, g.longs("index_split", new long[] {nv})),
                attr("axis", 1L));
        String rows = g.op("Concat", "pair_rows", List.of(vis, txt), attr("axis", 1L));        // (2B, 2D)
        String[] halves = g.ops("Split", new String[] {"rows_a", "rows_b"}, List.of(rows, g.op("Concat", "halves",
                List.of(g.op("Shape", "batch_a", List.of("input_ids"), attr("start", 0L), attr("end", 1L)),
                        g.op("Shape", "batch_b", List.of("input_ids"), attr("start", 0L), attr("end", 1L))),
                attr("axis", 0L))), attr("axis", 0L));
        String rep = g.op("Concat", "cls_rep", List.of(halves[0], halves[1]), attr("axis", 1L)); // (B, 4D)
        String h = linear(g, layerNorm(g, rep, "head.norm1", 4 * d), "head.dense1", true, false);
        h = g.gelu(layerNorm(g, h, "head.norm2", 2 * d), "head.gelu");
        String logits = linear(g, h, "head.dense2", true, false);
        g.op("Identity", "logits", List.of(logits));
        g.output("logits", GraphBuilder.FLOAT, "batch", tensor("head.dense2.weight").shape()[0]);
    }

    /** The first token of (B, T, D): (B, D) (a 0-d index drops the axis). */
    static String firstToken(GraphBuilder g, String x) {
        return g.op("Gather", "cls_out", List.of(x, g.longs("index0", new long[] {0})), attr("axis", 1L));
    }

    /** Retrieval image tower: normalize(vision_head(out_0)) (d.4). */
    void imageTower(GraphBuilder g) {
        int s = cfg.imageSize();
        g.input("pixel_values", GraphBuilder.FLOAT, "batch", 3L, (long) s, (long) s);
        String out = visionEncoder(g, "pixel_values");
        String cls = firstToken(g, out);
        String e = linear(g, cls, "vision_head", false, false);
        g.l2Normalize(e, "image_embedding");
        g.output("image_embedding", GraphBuilder.FLOAT, "batch", tensor("vision_head.weight").shape()[0]);
    }

    /** Retrieval text tower: normalize(language_head(out_0)) (d.4). */
    void textTower(GraphBuilder g) {
        g.input("input_ids", GraphBuilder.INT64, "batch", "sequence");
        g.input("padding_mask", GraphBuilder.INT64, "batch", "sequence");
        String out = textEncoder(g, "input_ids", "padding_mask");
        String cls = firstToken(g, out);
        String e = linear(g, cls, "language_head", false, false);
        g.l2Normalize(e, "text_embedding");
        g.output("text_embedding", GraphBuilder.FLOAT, "batch", tensor("language_head.weight").shape()[0]);
    }

    /** Image classification: head(fc_norm(mean of out over tokens 1…N)) (d.1). */
    void classifier(GraphBuilder g) {
        int s = cfg.imageSize();
        g.input("pixel_values", GraphBuilder.FLOAT, "batch", 3L, (long) s, (long) s);
        String out = visionEncoder(g, "pixel_values");
        String patches = g.op("Slice", "patch_outputs", List.of(out, g.ints("from1", 1), g.ints("to_end", Long.MAX_VALUE),
                g.ints("axis1", 1)));
        String mean = g.op("ReduceMean", "patch_mean", List.of(patches), attrInts("axes", 1), attr("keepdims", 0L));
        String pooled = layerNorm(g, mean, "fc_norm", cfg.dim());
        String logits = linear(g, pooled, "head", true, false);
        g.op("Identity", "logits", List.of(logits));
        g.output("logits", GraphBuilder.FLOAT, "batch", tensor("head.weight").shape()[0]);
    }
}
