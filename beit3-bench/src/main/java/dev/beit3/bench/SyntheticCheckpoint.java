package dev.beit3.bench;

import dev.beit3.api.EncoderConfig;
import dev.beit3.core.checkpoint.DType;
import dev.beit3.core.checkpoint.SafeTensors;
import dev.beit3.core.checkpoint.TensorData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a BEiT-3 checkpoint with random weights in the official key layout (no download needed):
 * the backbone plus the heads the workloads use (retrieval projections, VQA, captioning).
 */
@dev.beit3.api.Api(status = dev.beit3.api.Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class SyntheticCheckpoint {
    private final Map<String, TensorData> tensors = new LinkedHashMap<>();
    private final SplittableRandom random = new SplittableRandom(42);

    private SyntheticCheckpoint() {}

    /**
     * Writes the synthetic checkpoint (public for the training benchmark).
     *
     * @param c the dimensions
     * @param file the safetensors file to write
     * @return {@code file}
     * @throws IOException on I/O failure
     */
    public static Path write(EncoderConfig c, Path file) throws IOException {
        SyntheticCheckpoint s = new SyntheticCheckpoint();
        s.build(c);
        SafeTensors.write(file, s.tensors, Map.of("format", "pt", "source", "beit3-bench synthetic weights"));
        return file;
    }

    private void build(EncoderConfig c) {
        int d = c.dim();
        int f = c.ffnDim();
        int p = c.patchSize();
        add("beit3.text_embed.weight", 0.02, c.vocabSize(), d);
        add("beit3.vision_embed.mask_token", 0.02, 1, 1, d);
        add("beit3.vision_embed.cls_token", 0.02, 1, 1, d);
        add("beit3.vision_embed.proj.weight", 1 / Math.sqrt(3.0 * p * p), d, 3, p, p);
        add("beit3.vision_embed.proj.bias", 0.02, d);
        add("beit3.encoder.embed_positions.A.weight", 0.02, c.numPatches() + 3, d);
        add("beit3.encoder.embed_positions.B.weight", 0.02, c.maxTextPositions(), d);
        for (int i = 0; i < c.layers(); i++) {
            String l = "beit3.encoder.layers." + i + ".";
            for (String x : new String[] {"A", "B"}) {
                for (String proj : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) {
                    add(l + "self_attn." + proj + "." + x + ".weight", 1 / Math.sqrt(d), d, d);
                    add(l + "self_attn." + proj + "." + x + ".bias", 0.02, d);
                }
                norm(l + "self_attn.inner_attn_ln." + x, d);
                norm(l + "self_attn_layer_norm." + x, d);
                add(l + "ffn." + x + ".fc1.weight", 1 / Math.sqrt(d), f, d);
                add(l + "ffn." + x + ".fc1.bias", 0.02, f);
                add(l + "ffn." + x + ".fc2.weight", 1 / Math.sqrt(f), d, f);
                add(l + "ffn." + x + ".fc2.bias", 0.02, d);
                norm(l + "ffn." + x + ".ffn_layernorm", f);
                norm(l + "final_layer_norm." + x, d);
            }
        }
        norm("beit3.encoder.layer_norm.A", d);
        norm("beit3.encoder.layer_norm.B", d);
        add("vision_head.weight", 1 / Math.sqrt(d), d, d);
        add("language_head.weight", 1 / Math.sqrt(d), d, d);
        add("mlm_head.weight", 1 / Math.sqrt(d), c.vocabSize(), d);
        add("mlm_head.bias", 0.02, c.vocabSize());
        norm("pooler.norm", d);
        add("pooler.dense.weight", 1 / Math.sqrt(d), d, d);
        add("pooler.dense.bias", 0.02, d);
        add("head.0.weight", 1 / Math.sqrt(d), 2L * d, d);
        add("head.0.bias", 0.02, 2L * d);
        norm("head.1", 2 * d);
        add("head.3.weight", 1 / Math.sqrt(2.0 * d), 3129, 2L * d);
        add("head.3.bias", 0.02, 3129);
    }

    private void norm(String name, int n) {
        float[] w = new float[n];
        java.util.Arrays.fill(w, 1f);
        put(name + ".weight", w, n);
        add(name + ".bias", 0.02, n);
    }

    private void add(String name, double std, long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (std * (random.nextDouble() * 2 - 1) * 1.7320508); // uniform with the given std
        }
        put(name, v, shape);
    }

    private void put(String name, float[] v, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        tensors.put(name, new TensorData(name, DType.FLOAT32, shape, b));
    }
}
