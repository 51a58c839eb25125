package dev.beit3.vlmo;

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
import dev.beit3.api.LayerSlot;
import dev.beit3.api.OutputNormExpert;
import dev.beit3.api.ProviderException;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.LayerNormWeights;
import dev.beit3.core.nn.LinearWeights;

/**
 * The parts of a VLMo block ({@code vlmo/modules/multiway_transformer.py}, class {@code Block}) as
 * building blocks for expert providers. Keys are read relative to {@code transformer.}:
 *
 * <ul>
 *   <li>shared attention of layer l: {@code blocks.l.norm1}, {@code blocks.l.attn.qkv.weight} (3D, D),
 *       {@code blocks.l.attn.q_bias}, {@code blocks.l.attn.v_bias} (k has no bias),
 *       {@code blocks.l.attn.proj}, {@code blocks.l.gamma_1} (absent = 1);
 *   <li>FFN expert X ∈ {text, imag, vl} of layer l: {@code blocks.l.norm2_X}, {@code blocks.l.mlp_X.fc1},
 *       {@code blocks.l.mlp_X.fc2}, {@code blocks.l.gamma_2} (absent = 1);
 *   <li>final norm: {@code norm} (all tokens).
 * </ul>
 *
 * <p>Block: {@code h = x + γ1 ⊙ proj(MHA(norm1(x)))}, {@code y = h + γ2 ⊙ fc2(gelu(fc1(norm2_X(h))))},
 * ε = 1e-6 ({@link EncoderConfig#layerNormEps()}). Shapes: B batch, Te tokens served, D width, F FFN width.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoBlocks {
    /** FFN expert name of the image tokens ({@code norm2_imag}, {@code mlp_imag}). */
    public static final String IMAGE = "imag";
    /** FFN expert name of the text tokens ({@code norm2_text}, {@code mlp_text}). */
    public static final String TEXT = "text";
    /** FFN expert name of the vision-language expert ({@code norm2_vl}, {@code mlp_vl}, layers ≥ s). */
    public static final String VL = "vl";

    private VlmoBlocks() {}

    /**
     * The shared attention of one layer.
     *
     * @param spec layer and configuration (slot {@link LayerSlot#ATTENTION})
     * @param transformer the checkpoint at {@code transformer.}
     * @return the expert
     */
    public static AttentionExpert sharedAttention(ExpertSpec spec, WeightSource transformer) {
        return new Attention(spec, transformer.under("blocks." + spec.layer() + "."));
    }

    /**
     * The FFN expert {@code name} of one layer.
     *
     * @param spec layer and configuration (slot {@link LayerSlot#FFN})
     * @param transformer the checkpoint at {@code transformer.}
     * @param name {@link #IMAGE}, {@link #TEXT} or {@link #VL}
     * @return the expert
     * @throws ProviderException when the VL expert is asked for below the model's first VL layer
     */
    public static FeedForwardExpert feedForward(ExpertSpec spec, WeightSource transformer, String name) {
        EncoderConfig c = spec.config();
        if (VL.equals(name) && spec.layer() < c.vlExpertStartLayer()) {
            throw new ProviderException("layer " + spec.layer() + " has no vision-language FFN (mlp_vl starts at layer "
                    + c.vlExpertStartLayer() + "); route layers below it to the image/text experts");
        }
        return new FeedForward(spec, transformer.under("blocks." + spec.layer() + "."), name);
    }

    /**
     * The final LayerNorm {@code transformer.norm} applied to every token.
     *
     * @param spec configuration (slot {@link LayerSlot#FINAL_NORM})
     * @param transformer the checkpoint at {@code transformer.}
     * @return the expert
     */
    public static OutputNormExpert finalNorm(ExpertSpec spec, WeightSource transformer) {
        EncoderConfig c = spec.config();
        return new FinalNorm(spec, LayerNormWeights.load(transformer, "norm", c.dim(), c.layerNormEps(),
                "VLMo final LayerNorm"));
    }

    /**
     * Builds the expert of any slot a shared provider serves: attention or final norm.
     *
     * @param spec what to build
     * @param transformer the checkpoint at {@code transformer.}
     * @return the expert
     */
    public static Expert shared(ExpertSpec spec, WeightSource transformer) {
        return switch (spec.slot()) {
            case ATTENTION -> sharedAttention(spec, transformer);
            case FINAL_NORM -> finalNorm(spec, transformer);
            case FFN -> throw new ProviderException("the shared VLMo expert serves ATTENTION and FINAL_NORM, not FFN;"
                    + " route the FFN slot to an image, text or vision-language expert");
        };
    }

    /** norm1, fused qkv with q/v biases, proj, γ1. */
    private static final class Attention implements AttentionExpert {
        private final ExpertSpec spec;
        private final LayerNormWeights norm;
        private final LinearWeights qkv; // (3D, D): rows q·d^-½, k, v; bias [q_bias·d^-½, 0, v_bias]
        private final LinearWeights proj;
        private final NDArray gamma; // (D) or null

        Attention(ExpertSpec spec, WeightSource ws) {
            this.spec = spec;
            EncoderConfig c = spec.config();
            int d = c.dim();
            String p = "layer " + spec.layer() + " shared attention";
            float scale = (float) Math.pow(c.headDim(), -0.5);
            norm = LayerNormWeights.load(ws, "norm1", d, c.layerNormEps(), p);
            NDArray w = ws.require("attn.qkv.weight", new Shape(3L * d, d), p); // (3D, D)
            NDArray qb = ws.require("attn.q_bias", new Shape(d), p);
            NDArray vb = ws.require("attn.v_bias", new Shape(d), p);
            NDArray scaleRows = ws.manager().ones(new Shape(3L * d, 1));
            scaleRows.set(new ai.djl.ndarray.index.NDIndex("0:{}", d), scale);
            // (x·Wqᵀ + bq)·s == x·(s·Wq)ᵀ + s·bq up to float rounding: the scale folds into the weights
            qkv = LinearWeights.prepare(ws, new LinearWeights(w.mul(scaleRows),
                    NDArrays.concat(new NDList(qb.mul(scale), ws.manager().zeros(new Shape(d)), vb), 0)),
                    Epilogue.NONE);
            proj = LinearWeights.load(ws, "attn.proj", d, d, true, p);
            gamma = ws.optional("gamma_1", new Shape(d), p).orElse(null);
        }

        @Override
        public ExpertSpec spec() {
            return spec;
        }

        @Override
        public NDList projectQkv(NDArray x) {
            return qkv.apply(norm.apply(x)).split(3, 2); // 3 × (B, Te, D)
        }

        @Override
        public NDArray projectOutput(NDArray attended) {
            NDArray o = proj.apply(attended); // (B, Te, D)
            return gamma == null ? o : o.muli(gamma);
        }
    }

    /** norm2_X, fc1, exact GELU, fc2, γ2. */
    private static final class FeedForward implements FeedForwardExpert {
        private final ExpertSpec spec;
        private final LayerNormWeights norm;
        private final LinearWeights fc1;
        private final LinearWeights fc2;
        private final NDArray gamma; // (D) or null

        FeedForward(ExpertSpec spec, WeightSource ws, String name) {
            this.spec = spec;
            EncoderConfig c = spec.config();
            String p = "layer " + spec.layer() + " " + name + " FFN expert";
            norm = LayerNormWeights.load(ws, "norm2_" + name, c.dim(), c.layerNormEps(), p);
            fc1 = LinearWeights.load(ws, "mlp_" + name + ".fc1", c.ffnDim(), c.dim(), true, p,
                    Epilogue.GELU);
            fc2 = LinearWeights.load(ws, "mlp_" + name + ".fc2", c.dim(), c.ffnDim(), true, p);
            gamma = ws.optional("gamma_2", new Shape(c.dim()), p).orElse(null);
        }

        @Override
        public ExpertSpec spec() {
            return spec;
        }

        @Override
        public NDArray forward(NDArray x) {
            NDArray h = fc1.apply(norm.apply(x)); // GELU(x·W1ᵀ + b1), (B, Te, F)
            NDArray o = fc2.apply(h); // (B, Te, D)
            return gamma == null ? o : o.muli(gamma);
        }
    }

    /** transformer.norm. */
    private record FinalNorm(ExpertSpec spec, LayerNormWeights norm) implements OutputNormExpert {
        @Override
        public NDArray normalize(NDArray x) {
            return norm.apply(x); // (B, Te, D)
        }
    }
}
