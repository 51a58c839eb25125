package dev.beit3.kernels.onednn;

import dev.beit3.api.Kernels.Epilogue;
import dev.beit3.api.Precision;
import java.util.function.Supplier;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.post_ops;
import org.bytedeco.dnnl.primitive_attr;

/** The oneDNN descriptions shared by the probe, the linear layers and attention's products of one precision. */
final class Matmuls {
    private Matmuls() {}

    /**
     * The matmul implementation fp32 linear layers prefer (a prefix of oneDNN's implementation name), or empty for
     * oneDNN's first choice. {@code gemm:jit}, oneDNN's own SGEMM, measured 1.1–1.3× the {@code brg_matmul} oneDNN
     * lists first on AVX-512 (single thread, 197–2,048 rows × 768/3,072, Xeon with AMX); on AVX2 it is oneDNN's
     * first choice anyway. Whole passes (2 threads): text 64 × 32 1,414–1,427 against 1,465–1,506 ms with
     * {@code brg_matmul}, vision 224 batch 8 1.03× faster; one image (197 rows) slower, 204–224 against 189–197
     * ms, and mixing the two by row count is worse still (brg_matmul reading gemm's plain weights: 261–269 ms), so
     * one choice serves every row count. Re-measured with the residual and LayerNorm on the backend (2 threads,
     * alternating runs): brg_matmul's blocked weights make one image 191–203 against 227 ms, but text 64 × 32
     * 1,453–1,459 against 1,410 ms and vision 224 batch 8 1,177–1,297 against 1,158 ms; single products, warm:
     * 197 rows 1.07–1.17× gemm:jit, 1,576–2,048 rows 0.95–1.01× (gemm:jit packs the weights on every call, which
     * only a few rows do not amortise). Measured again with attention's products on gemm:jit (2 threads, 4
     * alternating pairs per workload, median ms): one image 154–163 with brg_matmul's blocked weights against
     * 166–185, vision 224 batch 8 951–1,050 against 882–1,043 (gemm:jit faster in 3 pairs of 4 by 8–11 %), vision
     * 384 and text 64 × 32 within ±5 % either way: gemm:jit stays. Property {@code beit3.onednn.fp32Impl} (e.g.
     * {@code brg_matmul} for single-item latency, or empty) overrides; it applies to the benchmark's GEMM probe too.
     */
    static final String FP32_IMPL = System.getProperty("beit3.onednn.fp32Impl", "gemm:jit");

    /**
     * The primitive description of a linear layer's matmul: oneDNN's first implementation, except in fp32, where
     * the first one named {@link #FP32_IMPL} is taken when oneDNN has it for these descriptions.
     *
     * @param bias the bias description, or null
     */
    static matmul.primitive_desc linear(OneDnn lib, Precision p, memory.desc src, memory.desc weights,
            memory.desc bias, memory.desc dst, primitive_attr attr) {
        return preferred(p, FP32_IMPL, () -> bias == null
                ? new matmul.primitive_desc(lib.cpu, src, weights, dst, attr, false)
                : new matmul.primitive_desc(lib.cpu, src, weights, bias, dst, attr, false));
    }

    /**
     * The primitive description of one of attention's two products ({@code a · b → c}, batched over sequences and
     * heads, strided views of the (B, T, D) rows): oneDNN's first implementation, except in fp32, where the first
     * one named {@link #ATTENTION_IMPL} is taken when oneDNN has it.
     */
    static matmul.primitive_desc product(OneDnn lib, Precision p, memory.desc a, memory.desc b, memory.desc c,
            primitive_attr attr) {
        return preferred(p, ATTENTION_IMPL, () -> new matmul.primitive_desc(lib.cpu, a, b, c, attr, false));
    }

    /**
     * The matmul implementation attention's fp32 products prefer, chosen apart from {@link #FP32_IMPL} (neither
     * reads prepared weights, so nothing ties them): {@code gemm:jit}. 6 heads × 577 tokens, 2 threads: scores
     * 0.99 against 1.15 ms with oneDNN's first choice ({@code brg_matmul}), weighted sum 0.91 against 1.02 ms;
     * whole passes (alternating runs), about 2 % at the means, within the noise: vision 384 batch 8 2.49–2.68
     * against 2.53–2.59 images/s, text 64 × 32 1,089–1,161 against 1,114–1,191 ms. Property
     * {@code beit3.onednn.attentionImpl} (a prefix, or empty for oneDNN's first choice) overrides.
     */
    static final String ATTENTION_IMPL = System.getProperty("beit3.onednn.attentionImpl", "gemm:jit");

    /**
     * oneDNN's first implementation of {@code create}'s description, except in fp32, where the first one whose name
     * starts with {@code impl} is taken when oneDNN has it for these descriptions.
     */
    private static matmul.primitive_desc preferred(Precision p, String impl, Supplier<matmul.primitive_desc> create) {
        matmul.primitive_desc pd = create.get();
        if (p != Precision.FP32 || impl.isEmpty()) {
            return pd;
        }
        do {
            if (pd.impl_info_str().getString().startsWith(impl)) {
                return pd;
            }
        } while (pd.next_impl());
        pd.close(); // not available here: back to the first choice
        return create.get();
    }

    /**
     * Attributes with a caller-provided scratchpad: the library's own scratchpad is shared by the primitives, so
     * two threads executing at once would overwrite each other's temporary buffers.
     */
    static primitive_attr userScratchpad() {
        primitive_attr attr = new primitive_attr();
        attr.set_scratchpad_mode(dnnl.scratchpad_mode.user);
        return attr;
    }

    /** @return the data type the matrix product reads its weights in */
    static memory.data_type inputType(Precision p) {
        return switch (p) {
            case FP32 -> memory.data_type.f32;
            case BF16 -> memory.data_type.bf16;
            case INT8 -> memory.data_type.s8;
        };
    }

    /**
     * @return the data type the matrix product reads its activations in: int8 reads unsigned bytes with a zero
     *     point (u8 × s8 is oneDNN's native VNNI product; s8 × s8 costs a compensation pass)
     */
    static memory.data_type srcType(Precision p) {
        return p == Precision.INT8 ? memory.data_type.u8 : inputType(p);
    }

    /**
     * The matmul attributes: the epilogue as an eltwise post-op, and for int8 the dequantisation scales (one for
     * the activations, one per output channel for the weights) and the activations' zero point, given at execution.
     */
    static primitive_attr attr(Precision p, Epilogue e) {
        return attr(p, e, null);
    }

    /**
     * As {@link #attr(Precision, Epilogue)}, with a residual added after the epilogue (a binary post-op whose
     * second input, given at execution, has the description {@code residual}), when it is not null.
     */
    static primitive_attr attr(Precision p, Epilogue e, memory.desc residual) {
        primitive_attr attr = userScratchpad();
        if (e == Epilogue.GELU || residual != null) {
            try (post_ops ops = new post_ops()) {
                if (e == Epilogue.GELU) {
                    ops.append_eltwise(dnnl.algorithm.eltwise_gelu_erf, 0f, 0f);
                }
                if (residual != null) {
                    ops.append_binary(dnnl.algorithm.binary_add, residual);
                }
                attr.set_post_ops(ops);
            }
        }
        if (p == Precision.INT8) {
            attr.set_scales_mask(dnnl.DNNL_ARG_SRC, 0);
            attr.set_zero_points_mask(dnnl.DNNL_ARG_SRC, 0);
            attr.set_scales_mask(dnnl.DNNL_ARG_WEIGHTS, 1 << 1);
        }
        return attr;
    }
}
