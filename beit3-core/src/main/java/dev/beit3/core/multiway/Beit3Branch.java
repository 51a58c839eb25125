package dev.beit3.core.multiway;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.AttentionExpert;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Expert;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.FeedForwardExpert;
import dev.beit3.api.Kernels.Epilogue;
import dev.beit3.api.OutputNormExpert;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.LayerNormWeights;
import dev.beit3.core.nn.LinearWeights;

/**
 * One branch of a released BEiT-3 Multiway layer ({@code A} = vision, {@code B} = language) as a
 * building block for expert providers: the whole per-modality bundle the released checkpoints hold.
 *
 * <p>Keys read, relative to {@code beit3.encoder.}, for layer i and branch X:
 * {@code layers.i.self_attn_layer_norm.X}, {@code layers.i.self_attn.{q,k,v,out}_proj.X},
 * {@code layers.i.self_attn.inner_attn_ln.X}, {@code layers.i.final_layer_norm.X},
 * {@code layers.i.ffn.X.{fc1,ffn_layernorm,fc2}}, and {@code layer_norm.X} for the final norm.
 *
 * <p>Shapes: B batch, Te tokens of this branch, D width, F FFN width, d head width.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Beit3Branch {
    private Beit3Branch() {}

    /**
     * Builds the expert of one slot.
     *
     * @param spec layer, slot and configuration
     * @param encoderWeights checkpoint at {@code beit3.encoder.}
     * @param branch {@code "A"} or {@code "B"}
     * @param who human name for messages, e.g. "vision expert"
     * @return an {@link AttentionExpert}, {@link FeedForwardExpert} or {@link OutputNormExpert}
     */
    public static Expert create(ExpertSpec spec, WeightSource encoderWeights, String branch, String who) {
        EncoderConfig c = spec.config();
        String purpose = spec.slot() == dev.beit3.api.LayerSlot.FINAL_NORM
                ? "final LayerNorm of the " + who : "layer " + spec.layer() + " " + who;
        return switch (spec.slot()) {
            case ATTENTION -> new Attention(spec, encoderWeights.under("layers." + spec.layer() + "."), branch, purpose);
            case FFN -> new FeedForward(spec, encoderWeights.under("layers." + spec.layer() + "."), branch, purpose);
            case FINAL_NORM -> new FinalNorm(spec,
                    LayerNormWeights.load(encoderWeights, "layer_norm." + branch, c.dim(), c.layerNormEps(), purpose));
        };
    }

    /** Pre-LN, fused q/k/v, sub-LN and output projection. */
    private static final class Attention implements AttentionExpert {
        private final ExpertSpec spec;
        private final LayerNormWeights preNorm;
        private final LinearWeights qkv; // (3D, D): rows q·d^-½, k, v
        private final LayerNormWeights innerNorm;
        private final LinearWeights out;
        private final int dim;

        Attention(ExpertSpec spec, WeightSource ws, String x, String purpose) {
            this.spec = spec;
            EncoderConfig c = spec.config();
            dim = c.dim();
            float scale = (float) Math.pow(c.headDim(), -0.5);
            preNorm = LayerNormWeights.load(ws, "self_attn_layer_norm." + x, dim, c.layerNormEps(), purpose);
            LinearWeights q = LinearWeights.read(ws, "self_attn.q_proj." + x, dim, dim, true, purpose);
            LinearWeights k = LinearWeights.read(ws, "self_attn.k_proj." + x, dim, dim, true, purpose);
            LinearWeights v = LinearWeights.read(ws, "self_attn.v_proj." + x, dim, dim, true, purpose);
            // (q·W + b)·s == q·(s·W) + s·b up to float rounding; one GEMM instead of three.
            // s is an engine-allocated 0-d array rather than a Java number: DJL turns a number operand
            // into an array over a Java buffer that it frees after the op, while autograd keeps the
            // operand for the backward pass when the weights are trainable leaves (beit3-train)
            try (NDArray s = ws.manager().full(new Shape(), scale)) { // () float32, same value as before
                NDArray qw = q.weight().mul(s);
                NDArray qb = q.bias().mul(s);
                NDArray fused = NDArrays.concat(new NDList(qw, k.weight(), v.weight()), 0); // (3D, D)
                qkv = LinearWeights.prepare(ws, new LinearWeights(fused,
                        NDArrays.concat(new NDList(qb, k.bias(), v.bias()), 0)), Epilogue.NONE);
                if (ws.handsOutCopies()) {
                    // the fused copy is all the model keeps (the separate projections would cost another
                    // quarter of the layer's memory); a source that shares its arrays (training) keeps them
                    for (NDArray a : new NDArray[] {qw, qb, q.weight(), q.bias(), k.weight(), k.bias(), v.weight(),
                            v.bias()}) {
                        a.close();
                    }
                }
            }
            innerNorm = LayerNormWeights.load(ws, "self_attn.inner_attn_ln." + x, dim, c.layerNormEps(), purpose);
            out = LinearWeights.load(ws, "self_attn.out_proj." + x, dim, dim, true, purpose);
        }

        @Override
        public ExpertSpec spec() {
            return spec;
        }

        @Override
        public NDList projectQkv(NDArray x) {
            NDArray h = preNorm.apply(x); // (B, Te, D)
            return qkv.apply(h).split(3, 2); // 3 × (B, Te, D)
        }

        @Override
        public NDArray projectOutput(NDArray attended) {
            return out.apply(innerNorm.apply(attended)); // (B, Te, D)
        }

        @Override
        public NDArray projectOutput(NDArray attended, NDArray residual) {
            return out.apply(innerNorm.apply(attended), residual); // (B, Te, D), the add fused where it can be
        }
    }

    /** Pre-FFN LN, fc1, exact GELU, sub-LN over F, fc2. */
    private static final class FeedForward implements FeedForwardExpert {
        private final ExpertSpec spec;
        private final LayerNormWeights preNorm;
        private final LinearWeights fc1;
        private final LayerNormWeights innerNorm;
        private final LinearWeights fc2;

        FeedForward(ExpertSpec spec, WeightSource ws, String x, String purpose) {
            this.spec = spec;
            EncoderConfig c = spec.config();
            preNorm = LayerNormWeights.load(ws, "final_layer_norm." + x, c.dim(), c.layerNormEps(), purpose);
            fc1 = LinearWeights.load(ws, "ffn." + x + ".fc1", c.ffnDim(), c.dim(), true, purpose, Epilogue.GELU);
            innerNorm = LayerNormWeights.load(ws, "ffn." + x + ".ffn_layernorm", c.ffnDim(), c.layerNormEps(), purpose);
            fc2 = LinearWeights.load(ws, "ffn." + x + ".fc2", c.dim(), c.ffnDim(), true, purpose);
        }

        @Override
        public ExpertSpec spec() {
            return spec;
        }

        @Override
        public NDArray forward(NDArray x) {
            NDArray h = fc1.apply(preNorm.apply(x)); // GELU(x·W1ᵀ + b1), (B, Te, F)
            return fc2.apply(innerNorm.applyInPlace(h)); // (B, Te, D); h is this call's own, read once
        }

        @Override
        public NDArray forwardWithResidual(NDArray x) {
            NDArray h = fc1.apply(preNorm.apply(x)); // GELU(x·W1ᵀ + b1), (B, Te, F)
            // h is this call's own and read once: normalised in place where the backend can (F wide, the largest
            // activation of the layer)
            return fc2.apply(innerNorm.applyInPlace(h), x); // x + fc2(…), (B, Te, D), the add fused where it can be
        }
    }

    /** The final per-branch LayerNorm. */
    private record FinalNorm(ExpertSpec spec, LayerNormWeights norm) implements OutputNormExpert {
        @Override
        public NDArray normalize(NDArray x) {
            return norm.apply(x);
        }
    }
}
