package dev.beit3.kernels.onednn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Kernels.Epilogue;
import dev.beit3.api.LinearKernel;
import dev.beit3.api.Precision;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.reorder;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;

/**
 * One linear layer y = epilogue(x·Wᵀ + b) [+ residual] as oneDNN matmul primitives: W converted to the precision's
 * type and reordered once, at construction, into the blocked layout oneDNN picks for it ({@code format_tag::any});
 * one primitive per row count M (and with or without a residual), created on first use and cached; bias, GELU and
 * the residual add fused into the primitive. x and y are
 * DJL arrays read and written in place through direct buffers over their memory.
 *
 * <p>int8: W is quantised symmetrically per output channel (scale = max|W[n,:]|/127) at load; each call quantises
 * x to unsigned bytes with one scale and zero point over [min(x, 0), max(x, 0)] (x_u8 = round(x/s_x) + z_x, the
 * u8 × s8 product VNNI computes natively) and dequantises inside the primitive (y = s_x·s_w[n]·(acc − z_x·Σw) + b,
 * the zero point's correction done by oneDNN).
 */
final class OneDnnLinear implements LinearKernel, AutoCloseable {
    /** Rows M of the matmul used to let oneDNN choose the weights' layout. */
    private static final long LAYOUT_ROWS = 256;

    private final OneDnnKernels owner;
    private final Precision precision;
    private final Epilogue epilogue;
    private final long in;
    private final long out;
    private final memory.desc weightsDesc; // the reordered layout
    private final memory weights;
    private final memory bias; // (1, N) f32, or null
    private final memory weightScales; // (N) f32, int8 only
    private final ConcurrentHashMap<Long, Prim> prims = new ConcurrentHashMap<>(); // by M
    private final ConcurrentHashMap<Long, Prim> residualPrims = new ConcurrentHashMap<>(); // by M, + residual

    /** The primitives of one row count. */
    private record Prim(matmul mm, memory.desc src, memory.desc dst, memory.desc srcF32, reorder quantize,
            memory.desc lowp, memory.desc scratch, memory.desc quantizeScratch) {}

    OneDnnLinear(OneDnnKernels owner, NDArray w, NDArray b, Epilogue epilogue) {
        this.owner = owner;
        this.precision = owner.precision();
        this.epilogue = epilogue;
        Shape s = w.getShape();
        if (s.dimension() != 2 || w.getDataType() != DataType.FLOAT32) {
            throw new IllegalArgumentException("a linear weight must be a float32 (out, in) matrix, got "
                    + w.getDataType() + " " + s);
        }
        out = s.get(0);
        in = s.get(1);
        OneDnn lib = owner.lib();
        ByteBuffer wb = w.toByteBuffer(true).order(ByteOrder.nativeOrder()); // the tensor's memory, no copy
        float[] scales = precision == Precision.INT8 ? channelScales(wb.asFloatBuffer()) : null;
        // W (out, in) row-major is the (K = in, N = out) matrix in "ba" order
        try (memory.desc plain = new memory.desc(new long[] {in, out}, memory.data_type.f32, memory.format_tag.ba);
                memory.desc src = new memory.desc(new long[] {LAYOUT_ROWS, in}, Matmuls.srcType(precision),
                        memory.format_tag.ab);
                memory.desc any = new memory.desc(new long[] {in, out}, Matmuls.inputType(precision),
                        memory.format_tag.any);
                memory.desc dst = new memory.desc(new long[] {LAYOUT_ROWS, out}, memory.data_type.f32,
                        memory.format_tag.ab);
                memory.desc biasDesc = new memory.desc(new long[] {1, out}, memory.data_type.f32, memory.format_tag.ab);
                primitive_attr attr = Matmuls.attr(precision, epilogue);
                matmul.primitive_desc pd = Matmuls.linear(lib, precision, src, any, b == null ? null : biasDesc, dst,
                        attr);
                memory plainMem = new memory(plain, lib.cpu, new Pointer(wb))) {
            weightsDesc = pd.weights_desc();
            weights = new memory(weightsDesc, lib.cpu);
            stream st = owner.stream();
            if (precision == Precision.INT8) {
                // quantised here (oneDNN has no f32 → blocked s8 reorder with per-channel scales), then reordered
                weightScales = floats(scales, lib);
                try (memory.desc q = new memory.desc(new long[] {in, out}, memory.data_type.s8, memory.format_tag.ba);
                        memory qm = new memory(q, lib.cpu)) {
                    quantise(wb.asFloatBuffer(), scales, qm.get_data_handle().capacity(in * out));
                    try (reorder r = new reorder(qm, weights)) {
                        r.execute(st, qm, weights);
                    }
                    st._wait();
                }
            } else {
                weightScales = null;
                try (reorder r = new reorder(plainMem, weights)) {
                    r.execute(st, plainMem, weights);
                }
            }
            st._wait();
            if (b != null) {
                ByteBuffer bb = b.toByteBuffer(true).order(ByteOrder.nativeOrder());
                float[] bv = new float[(int) out];
                bb.asFloatBuffer().get(bv);
                bias = floats(bv, lib, biasDesc);
            } else {
                bias = null;
            }
        }
    }

    private float[] channelScales(FloatBuffer w) {
        float[] sc = new float[(int) out];
        for (int n = 0; n < out; n++) {
            float max = 0f;
            int base = (int) (n * in);
            for (int k = 0; k < in; k++) {
                max = Math.max(max, Math.abs(w.get(base + k)));
            }
            sc[n] = max == 0f ? 1f : max / 127f;
        }
        return sc;
    }

    /** w_q[n, k] = round(w[n, k] / s[n]) in [−127, 127], row-major (out, in) = the (K, N) matrix in "ba" order. */
    private void quantise(FloatBuffer w, float[] scales, Pointer dst) {
        byte[] row = new byte[(int) in];
        org.bytedeco.javacpp.BytePointer bp = new org.bytedeco.javacpp.BytePointer(dst);
        for (int n = 0; n < out; n++) {
            int base = (int) (n * in);
            float inv = 1f / scales[n];
            for (int k = 0; k < in; k++) {
                row[k] = (byte) Math.max(-127, Math.min(127, Math.round(w.get(base + k) * inv)));
            }
            bp.position((long) n * in).put(row);
        }
    }

    private static memory ints(int v, OneDnn lib) {
        try (memory.desc d = new memory.desc(new long[] {1}, memory.data_type.s32, memory.format_tag.a)) {
            memory m = new memory(d, lib.cpu);
            new org.bytedeco.javacpp.IntPointer(m.get_data_handle()).put(v);
            return m;
        }
    }

    private static memory floats(float[] v, OneDnn lib) {
        try (memory.desc d = new memory.desc(new long[] {v.length}, memory.data_type.f32, memory.format_tag.a)) {
            return floats(v, lib, d);
        }
    }

    private static memory floats(float[] v, OneDnn lib, memory.desc d) {
        memory m = new memory(d, lib.cpu);
        new FloatPointer(m.get_data_handle()).put(v);
        return m;
    }

    @Override
    public NDArray apply(NDArray x) {
        return apply(x, null);
    }

    /**
     * y = epilogue(x·Wᵀ + b) + residual with the add inside the primitive (a binary post-op reading the residual
     * where it lies), instead of a separate DJL pass over y.
     */
    @Override
    public NDArray apply(NDArray x, NDArray residual) {
        Shape xs = x.getShape();
        if (xs.getLastDimension() != in) {
            throw new IllegalArgumentException("linear layer expects (…, " + in + ") input, got " + xs);
        }
        NDArray xf = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        long m = xs.size() / in;
        long[] dims = xs.getShape().clone(); // Shape hands out its own array
        dims[dims.length - 1] = out;
        Shape ys = new Shape(dims);
        NDArray rf = null;
        if (residual != null) {
            if (!residual.getShape().equals(ys)) {
                throw new IllegalArgumentException("the residual of a linear layer must have the result's shape " + ys
                        + ", got " + residual.getShape());
            }
            rf = residual.getDataType() == DataType.FLOAT32 ? residual : residual.toType(DataType.FLOAT32, false);
        }
        NDArray y = x.getManager().create(ys, DataType.FLOAT32); // uninitialised, written below
        if (m == 0) {
            return y;
        }
        Prim p = rf == null ? prims.computeIfAbsent(m, rows -> create(rows, false))
                : residualPrims.computeIfAbsent(m, rows -> create(rows, true));
        ByteBuffer xb = xf.toByteBuffer(true); // direct views over the tensors' memory
        ByteBuffer yb = y.toByteBuffer(true);
        OneDnn lib = owner.lib();
        stream st = owner.stream();
        try (memory xm = new memory(p.srcF32 != null ? p.srcF32 : p.src, lib.cpu, new Pointer(xb));
                memory ym = new memory(p.dst, lib.cpu, new Pointer(yb));
                // the residual read in place (DJL copies a non-contiguous view first); (M, N) like y
                memory rm = rf == null ? null : new memory(p.dst, lib.cpu, new Pointer(rf.toByteBuffer(true)));
                IntMemoryMap args = new IntMemoryMap()) {
            memory lowp = null;
            memory srcScale = null;
            memory srcZero = null;
            try {
                memory src = xm;
                if (p.quantize != null) { // bf16 / int8: convert the activations first
                    lowp = owner.scratchpad(p.lowp, 2);
                    try (IntMemoryMap ra = new IntMemoryMap();
                            memory qs = owner.scratchpad(p.quantizeScratch, 1)) {
                        ra.put(dnnl.DNNL_ARG_FROM, xm);
                        ra.put(dnnl.DNNL_ARG_TO, lowp);
                        ra.put(dnnl.DNNL_ARG_SCRATCHPAD, qs);
                        if (precision == Precision.INT8) {
                            // asymmetric: [min, max] (always holding 0) onto 0…255, x_u8 = round(x / s) + z
                            float lo = Math.min(0f, xf.min().getFloat());
                            float hi = Math.max(0f, xf.max().getFloat());
                            float sc = hi - lo;
                            sc = sc == 0f || !Float.isFinite(sc) ? 1f : sc / 255f;
                            int zp = Math.max(0, Math.min(255, Math.round(-lo / sc)));
                            srcScale = floats(new float[] {sc}, lib);
                            srcZero = ints(zp, lib);
                            ra.put(dnnl.DNNL_ARG_ATTR_SCALES | dnnl.DNNL_ARG_DST, srcScale);
                            ra.put(dnnl.DNNL_ARG_ATTR_ZERO_POINTS | dnnl.DNNL_ARG_DST, srcZero);
                        }
                        p.quantize.execute(st, ra);
                    }
                    src = lowp;
                }
                args.put(dnnl.DNNL_ARG_SRC, src);
                args.put(dnnl.DNNL_ARG_WEIGHTS, weights);
                if (bias != null) {
                    args.put(dnnl.DNNL_ARG_BIAS, bias);
                }
                args.put(dnnl.DNNL_ARG_DST, ym);
                if (rm != null) { // the binary post-op after the epilogue's
                    int index = epilogue == Epilogue.NONE ? 0 : 1;
                    args.put(dnnl.DNNL_ARG_ATTR_MULTIPLE_POST_OP_BASE * (index + 1) | dnnl.DNNL_ARG_SRC_1, rm);
                }
                if (precision == Precision.INT8) {
                    args.put(dnnl.DNNL_ARG_ATTR_SCALES | dnnl.DNNL_ARG_SRC, srcScale);
                    args.put(dnnl.DNNL_ARG_ATTR_ZERO_POINTS | dnnl.DNNL_ARG_SRC, srcZero);
                    args.put(dnnl.DNNL_ARG_ATTR_SCALES | dnnl.DNNL_ARG_WEIGHTS, weightScales);
                }
                try (memory scratch = owner.scratchpad(p.scratch, 0)) {
                    args.put(dnnl.DNNL_ARG_SCRATCHPAD, scratch);
                    p.mm.execute(st, args);
                    st._wait();
                }
            } finally {
                if (lowp != null) {
                    lowp.close();
                }
                if (srcScale != null) {
                    srcScale.close();
                }
                if (srcZero != null) {
                    srcZero.close();
                }
            }
        }
        return y;
    }

    private Prim create(long m, boolean withResidual) {
        OneDnn lib = owner.lib();
        memory.data_type t = Matmuls.srcType(precision);
        memory.desc src = new memory.desc(new long[] {m, in}, t, memory.format_tag.ab);
        memory.desc dst = new memory.desc(new long[] {m, out}, memory.data_type.f32, memory.format_tag.ab);
        try (memory.desc biasDesc = new memory.desc(new long[] {1, out}, memory.data_type.f32, memory.format_tag.ab);
                primitive_attr attr = Matmuls.attr(precision, epilogue, withResidual ? dst : null);
                matmul.primitive_desc pd = Matmuls.linear(lib, precision, src, weightsDesc, bias == null ? null
                        : biasDesc, dst, attr)) {
            owner.noteImplementation(pd.impl_info_str().getString());
            matmul mm = new matmul(pd);
            memory.desc scratch = pd.scratchpad_desc();
            if (precision == Precision.FP32) {
                return new Prim(mm, src, dst, null, null, null, scratch, null);
            }
            memory.desc f32 = new memory.desc(new long[] {m, in}, memory.data_type.f32, memory.format_tag.ab);
            try (primitive_attr ra = Matmuls.userScratchpad()) {
                if (precision == Precision.INT8) {
                    ra.set_scales_mask(dnnl.DNNL_ARG_DST, 0); // x_q = round(x / s_x) + z_x
                    ra.set_zero_points_mask(dnnl.DNNL_ARG_DST, 0);
                }
                try (reorder.primitive_desc rpd = new reorder.primitive_desc(lib.cpu, f32, lib.cpu, src, ra, false)) {
                    return new Prim(mm, src, dst, f32, new reorder(rpd), src, scratch, rpd.scratchpad_desc());
                }
            }
        }
    }

    /** Frees the converted weights and the cached primitives. */
    @Override
    public void close() {
        for (ConcurrentHashMap<Long, Prim> map : java.util.List.of(prims, residualPrims)) {
            for (Prim p : map.values()) {
                p.mm.close();
                if (p.quantize != null) {
                    p.quantize.close();
                }
            }
            map.clear();
        }
        weights.close();
        if (bias != null) {
            bias.close();
        }
        if (weightScales != null) {
            weightScales.close();
        }
    }
}
