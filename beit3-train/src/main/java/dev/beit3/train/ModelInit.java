package dev.beit3.train;

import dev.beit3.api.EncoderConfig;
import dev.beit3.core.checkpoint.TensorData;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A BEiT-3 backbone with freshly initialised weights, as the reference builds one before any
 * checkpoint is loaded (training from scratch). The reference's initialisation, module by module:
 *
 * <ul>
 *   <li>every {@code nn.Linear} of the encoder (q/k/v/out projections, FFN fc1/fc2 of both experts):
 *       {@code BEiT3Wrapper._init_weights}, i.e. the wrapper's {@code trunc_normal_(std=0.02)} whose
 *       bounds are <b>±std</b> ({@code a=-std, b=std}), bias 0;</li>
 *   <li>every LayerNorm (attention and FFN sub-LayerNorms, pre-norms, final norms): weight 1, bias 0;</li>
 *   <li>{@code text_embed} (torchscale {@code TextEmbedding}): normal, std D<sup>-1/2</sup>;</li>
 *   <li>{@code embed_positions.A/B} (plain {@code nn.Embedding}): standard normal;</li>
 *   <li>{@code vision_embed.proj} ({@code nn.Conv2d}, untouched by the wrapper): PyTorch's default,
 *       uniform in ±1/√fan_in for weight and bias (fan_in = 3·P²);</li>
 *   <li>{@code cls_token}, {@code mask_token}: zeros.</li>
 * </ul>
 *
 * The values come from a seeded {@link Random}, so a run is reproducible, but they are not PyTorch's
 * random numbers. Task heads are added by {@link HeadInit#forTask} as for any starting checkpoint.
 */
public final class ModelInit {
    private ModelInit() {}

    /**
     * The encoder tensors of a fresh model, in checkpoint order, with the final per-modality LayerNorm
     * ({@link HeadInit#forTask} drops it for the tasks whose official model has none).
     *
     * @param c the dimensions (family BEiT-3; {@code heads} is not stored in a checkpoint)
     * @param seed seed of the random initialisation
     * @return state dict of the backbone
     */
    public static Map<String, TensorData> scratch(EncoderConfig c, long seed) {
        Random rng = new Random(seed);
        Map<String, TensorData> out = new LinkedHashMap<>();
        int d = c.dim();
        int f = c.ffnDim();
        int p = c.patchSize();
        put(out, "beit3.text_embed.weight", normal(rng, (long) c.vocabSize() * d, 1 / Math.sqrt(d)), c.vocabSize(), d);
        put(out, "beit3.vision_embed.mask_token", new float[d], 1, 1, d);
        put(out, "beit3.vision_embed.cls_token", new float[d], 1, 1, d);
        double bound = 1 / Math.sqrt(3.0 * p * p);
        put(out, "beit3.vision_embed.proj.weight", uniform(rng, (long) d * 3 * p * p, bound), d, 3, p, p);
        put(out, "beit3.vision_embed.proj.bias", uniform(rng, d, bound), d);
        put(out, "beit3.encoder.embed_positions.A.weight", normal(rng, (long) (c.numPatches() + 3) * d, 1),
                c.numPatches() + 3, d);
        put(out, "beit3.encoder.embed_positions.B.weight", normal(rng, (long) c.maxTextPositions() * d, 1),
                c.maxTextPositions(), d);
        for (int i = 0; i < c.layers(); i++) {
            String l = "beit3.encoder.layers." + i + ".";
            for (String proj : new String[] {"k_proj", "v_proj", "q_proj", "out_proj"}) {
                for (String x : new String[] {"A", "B"}) {
                    linear(out, rng, l + "self_attn." + proj + "." + x, d, d);
                }
            }
            for (String x : new String[] {"A", "B"}) {
                norm(out, l + "self_attn.inner_attn_ln." + x, d);
            }
            for (String x : new String[] {"A", "B"}) {
                norm(out, l + "self_attn_layer_norm." + x, d);
            }
            for (String x : new String[] {"A", "B"}) {
                linear(out, rng, l + "ffn." + x + ".fc1", f, d);
                linear(out, rng, l + "ffn." + x + ".fc2", d, f);
                norm(out, l + "ffn." + x + ".ffn_layernorm", f);
            }
            for (String x : new String[] {"A", "B"}) {
                norm(out, l + "final_layer_norm." + x, d);
            }
        }
        norm(out, "beit3.encoder.layer_norm.A", d);
        norm(out, "beit3.encoder.layer_norm.B", d);
        return out;
    }

    /**
     * The wrapper's {@code trunc_normal_(std)}: normal with standard deviation {@code std}, redrawn
     * outside ±std (the reference passes {@code a=-std, b=std}).
     *
     * @param rng the generator
     * @param n how many values
     * @param std the standard deviation before truncation
     * @return the values
     */
    static float[] truncNormal(Random rng, long n, double std) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            double z;
            do {
                z = rng.nextGaussian();
            } while (Math.abs(z) > 1);
            v[i] = (float) (z * std);
        }
        return v;
    }

    private static float[] normal(Random rng, long n, double std) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (rng.nextGaussian() * std);
        }
        return v;
    }

    private static float[] uniform(Random rng, long n, double bound) {
        float[] v = new float[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
        }
        return v;
    }

    private static void linear(Map<String, TensorData> out, Random rng, String name, int rows, int cols) {
        put(out, name + ".weight", truncNormal(rng, (long) rows * cols, 0.02), rows, cols);
        put(out, name + ".bias", new float[rows], rows);
    }

    private static void norm(Map<String, TensorData> out, String name, int n) {
        float[] ones = new float[n];
        Arrays.fill(ones, 1f);
        put(out, name + ".weight", ones, n);
        put(out, name + ".bias", new float[n], n);
    }

    private static void put(Map<String, TensorData> out, String name, float[] v, long... shape) {
        out.put(name, HeadInit.floats(name, shape, v));
    }
}
