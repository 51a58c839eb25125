package dev.beit3.kernels.onednn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.AttentionKernel;
import dev.beit3.api.Precision;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.IntMemoryMap;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.dnnl.softmax_forward;
import org.bytedeco.dnnl.stream;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;

/**
 * Attention as three oneDNN primitives per group of sequences or of heads (in a bf16 model, and in an int8 one where
 * oneDNN computes bf16, the two products read bf16 copies of q, k, v and of the probabilities, with float32 scores,
 * softmax and result; otherwise all float32):
 * the score product q·kᵀ, an in-place softmax over the keys, and the weighted sum ·v. The products
 * read q, k and v in their (B, T, D) layout and write the (B, Tq, D) result through strided descriptions of the heads, so no head
 * transposes are copied (DJL's path copies four). The scores of one group, (n, g, Tq, Tk), sized to stay in
 * the caches (long sequences a few heads at a time, {@link #headGroup}; short ones several sequences at a time,
 * {@link #sequenceGroup}; the budget grows with oneDNN's threads, {@link #scoresBudget}), live in a DJL array of the
 * call's scope, where a bias is added with DJL's broadcasting between the two primitives.
 *
 * <p>Measured on this project's 2-core AVX2 machine, against the DJL reference on the same arrays:
 * 2.1× at 1 × 197 tokens, 1.4× at 8 × 577; results within 3.3e-7.
 */
final class OneDnnAttention implements AttentionKernel, AutoCloseable {
    private final OneDnnKernels owner;
    private final ConcurrentHashMap<String, Prim> prims = new ConcurrentHashMap<>();

    /**
     * The primitives of one (sequence group, head group, d, Tq, Tk): q, k, v as the products read them (bf16 copies
     * in bf16), y the float32 result, s the float32 scores, p the probabilities the weighted sum reads.
     */
    private record Prim(matmul scores, softmax_forward softmax, matmul weighted, memory.desc q, memory.desc k,
            memory.desc s, memory.desc v, memory.desc y, memory.desc p, memory.desc scoresScratch,
            memory.desc softmaxScratch, memory.desc weightedScratch) {}

    /** f32 → bf16 conversions of whole (B, T, D) tensors, by element count. */
    private final ConcurrentHashMap<Long, org.bytedeco.dnnl.reorder> toBf16 = new ConcurrentHashMap<>();

    /** Bytes of float32 scores per primitive, see {@link #scoresBudget}. */
    private final long scoresBytes;

    OneDnnAttention(OneDnnKernels owner) {
        this(owner, scoresBudget(OneDnn.threads()));
    }

    /** An attention whose groups keep their scores within {@code scoresBytes} (tests choose small budgets). */
    OneDnnAttention(OneDnnKernels owner, long scoresBytes) {
        if (scoresBytes <= 0) {
            throw new IllegalArgumentException("the attention's scores budget must be positive, got " + scoresBytes);
        }
        this.owner = owner;
        this.scoresBytes = scoresBytes;
    }

    @Override
    public NDArray attend(NDArray q, NDArray k, NDArray v, int heads, NDArray bias) {
        Shape s = q.getShape();
        long b = s.get(0);
        long tq = s.get(1);
        long dim = s.get(2);
        long tk = k.getShape().get(1);
        if (dim % heads != 0 || !k.getShape().equals(v.getShape()) || k.getShape().get(2) != dim
                || k.getShape().get(0) != b) {
            throw new IllegalArgumentException("attention expects q (B, Tq, D), k and v (B, Tk, D) with D divisible"
                    + " by " + heads + " heads, got " + s + ", " + k.getShape() + ", " + v.getShape());
        }
        NDArray y = q.getManager().create(s, DataType.FLOAT32); // uninitialised, written below
        if (b == 0 || tq == 0) {
            return y;
        }
        long d = dim / heads;
        long group = headGroup(heads, tq, tk, scoresBytes);
        // short sequences: several per primitive
        long seqs = group < heads ? 1 : sequenceGroup(b, heads, tq, tk, scoresBytes);
        boolean bf16 = bf16Products();
        Prim p = prims.computeIfAbsent(seqs + "," + group + "," + d + "," + tq + "," + tk,
                key -> create(seqs, group, d, tq, tk, dim, bf16));
        NDArray scores = q.getManager().create(new Shape(seqs, group, tq, tk), DataType.FLOAT32); // one group's
        NDArray b4 = bias;
        while (b4 != null && b4.getShape().dimension() < 4) {
            b4 = b4.expandDims(0); // broadcastable (B|1, H|1, Tq|1, Tk)
        }
        // direct views over the tensors' memory (DJL copies a non-contiguous view, e.g. a split q, first)
        Pointer qp = new Pointer(f32(q).toByteBuffer(true));
        Pointer kp = new Pointer(f32(k).toByteBuffer(true));
        Pointer vp = new Pointer(f32(v).toByteBuffer(true));
        Pointer yp = new Pointer(y.toByteBuffer(true));
        Pointer sp = new Pointer(scores.toByteBuffer(true));
        OneDnn lib = owner.lib();
        stream st = owner.stream();
        long in = bf16 ? 2 : Float.BYTES; // bytes per element the products read
        memory q16 = null;
        memory k16 = null;
        memory v16 = null;
        memory probs = null;
        if (bf16) { // one conversion of each whole tensor into this thread's scratch, then bf16 products
            q16 = convert(qp, b * tq * dim, 3, st);
            k16 = convert(kp, b * tk * dim, 4, st);
            v16 = convert(vp, b * tk * dim, 5, st);
            qp = q16.get_data_handle();
            kp = k16.get_data_handle();
            vp = v16.get_data_handle();
            probs = owner.scratchpad(p.p, 6);
        }
        long qBytes = tq * dim * in;
        long kBytes = tk * dim * in;
        long yBytes = tq * dim * Float.BYTES;
        try (memory sm = new memory(p.s, lib.cpu, sp)) {
            memory pm = bf16 ? probs : sm; // the softmax writes the probabilities in place in fp32
            for (long i = 0; i < b; i += seqs) {
                for (long h = 0; h < heads; h += group) {
                    long head = h * d; // the group's first head inside a token's row, in elements
                    try (memory qm = new memory(p.q, lib.cpu, new BytePointer(qp).position(i * qBytes + head * in));
                            memory km = new memory(p.k, lib.cpu, new BytePointer(kp).position(i * kBytes + head * in));
                            memory vm = new memory(p.v, lib.cpu, new BytePointer(vp).position(i * kBytes + head * in));
                            memory ym = new memory(p.y, lib.cpu,
                                    new BytePointer(yp).position(i * yBytes + head * Float.BYTES))) {
                        run(p.scores, st, p.scoresScratch, dnnl.DNNL_ARG_SRC, qm, dnnl.DNNL_ARG_WEIGHTS, km,
                                dnnl.DNNL_ARG_DST, sm);
                        if (b4 != null) {
                            Shape bs = b4.getShape();
                            scores.addi(b4.get((bs.get(0) > 1 ? i + ":" + (i + seqs) : ":") + ","
                                    + (bs.get(1) > 1 ? h + ":" + (h + group) : ":")));
                        }
                        run(p.softmax, st, p.softmaxScratch, dnnl.DNNL_ARG_SRC, sm, dnnl.DNNL_ARG_DST, pm, 0, null);
                        run(p.weighted, st, p.weightedScratch, dnnl.DNNL_ARG_SRC, pm, dnnl.DNNL_ARG_WEIGHTS, vm,
                                dnnl.DNNL_ARG_DST, ym);
                    }
                }
            }
        } finally {
            for (memory m : new memory[] {q16, k16, v16, probs}) {
                if (m != null) {
                    m.close(); // the buffers stay with the thread
                }
            }
        }
        scores.close();
        return y;
    }

    /**
     * Whether the products read bf16: in a bf16 model, and in an int8 one where oneDNN computes bf16 here (its
     * matrix products are already quantised; attention's small products in bf16 cost it less accuracy than its
     * int8 linear layers do, and on AMX they run several times faster than in fp32).
     */
    private boolean bf16Products() {
        Precision p = owner.precision();
        return p == Precision.BF16
                || p == Precision.INT8 && owner.lib().unavailable(Precision.BF16).isEmpty();
    }

    /** x (count floats at {@code src}) converted to bf16 into this thread's scratch buffer {@code slot}. */
    private memory convert(Pointer src, long count, int slot, stream st) {
        OneDnn lib = owner.lib();
        try (memory.desc f = new memory.desc(new long[] {count}, memory.data_type.f32, memory.format_tag.a);
                memory.desc h = new memory.desc(new long[] {count}, memory.data_type.bf16, memory.format_tag.a);
                memory from = new memory(f, lib.cpu, src)) {
            memory to = owner.scratchpad(h, slot);
            org.bytedeco.dnnl.reorder r = toBf16.computeIfAbsent(count, c -> new org.bytedeco.dnnl.reorder(from, to));
            try (IntMemoryMap args = new IntMemoryMap()) {
                args.put(dnnl.DNNL_ARG_FROM, from);
                args.put(dnnl.DNNL_ARG_TO, to);
                r.execute(st, args);
                st._wait();
            }
            return to;
        }
    }

    private static NDArray f32(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a : a.toType(DataType.FLOAT32, false);
    }

    /** Executes one primitive with up to three arguments and this thread's scratchpad, and waits for it. */
    private void run(org.bytedeco.dnnl.primitive prim, stream st, memory.desc scratchDesc, int a1, memory m1, int a2,
            memory m2, int a3, memory m3) {
        try (IntMemoryMap args = new IntMemoryMap(); memory scratch = owner.scratchpad(scratchDesc, 0)) {
            args.put(a1, m1);
            args.put(a2, m2);
            if (m3 != null) {
                args.put(a3, m3);
            }
            args.put(dnnl.DNNL_ARG_SCRATCHPAD, scratch);
            prim.execute(st, args);
            st._wait();
        }
    }

    /**
     * Heads per group: as many as keep the group's (g, Tq, Tk) float32 scores within {@code budget} bytes, so the
     * scores stay in the caches between the score product, the softmax and the weighted sum, and the threads
     * share a group's heads; a divisor of {@code heads} (at least 1).
     */
    static long headGroup(long heads, long tq, long tk, long budget) {
        long fit = Math.max(1, budget / (tq * tk * Float.BYTES));
        long g = Math.min(heads, fit);
        while (heads % g != 0) {
            g--;
        }
        return g;
    }

    /**
     * Bytes of scores per primitive for {@code threads} oneDNN threads: {@link #SCORES_BYTES_PER_THREAD} each, at
     * most {@link #SCORES_BYTES_MAX}, or the property {@code beit3.onednn.scoresBytes} (bytes in all) when it is set.
     *
     * @param threads oneDNN's OpenMP threads
     * @return the budget
     */
    static long scoresBudget(int threads) {
        Long fixed = Long.getLong("beit3.onednn.scoresBytes");
        return fixed != null ? fixed : Math.min(SCORES_BYTES_MAX, SCORES_BYTES_PER_THREAD * Math.max(1, threads));
    }

    /**
     * The largest budget chosen from the thread count (8 threads' worth): every concurrent call holds one group's
     * scores, so a many-core machine does not hold hundreds of MB per call; beyond 2 threads this is not measured.
     */
    static final long SCORES_BYTES_MAX = 32L << 20;

    /**
     * Bytes of scores per primitive and thread, twice a core's L2 (2 MB on the Xeon measured). With two threads,
     * 8 × 577 tokens in groups of 6 heads (8 MB) took 52.8–54.4 ms per layer against 78.7–81.4 in groups of one
     * head (the earlier 2 MB budget, which was measured with one thread), and whole vision 384 batch-8 passes
     * 3,618–3,697 against 4,122–4,165 ms; 197 tokens and 64 × 32 texts unchanged. One thread: budgets of 0.25–4 MB
     * within ±10 %.
     */
    static final long SCORES_BYTES_PER_THREAD = 4L << 20;

    /**
     * Sequences per primitive when a whole sequence's heads fit the budget: as many as keep the (n, H, Tq, Tk)
     * scores within {@code budget} bytes, a divisor of {@code batch} (at least 1). 32 texts of 64 tokens (196 KB
     * each) with a 2 MB budget: 8 at a time, 4 primitives per product instead of 32.
     */
    static long sequenceGroup(long batch, long heads, long tq, long tk, long budget) {
        long fit = Math.max(1, budget / (heads * tq * tk * Float.BYTES));
        long n = Math.min(batch, fit);
        while (batch % n != 0) {
            n--;
        }
        return n;
    }

    /**
     * The primitives of {@code n} consecutive sequences × a group of {@code h} heads of width {@code d} inside rows
     * of {@code dim} floats.
     */
    private Prim create(long n, long h, long d, long tq, long tk, long dim, boolean bf16) {
        OneDnn lib = owner.lib();
        memory.data_type f32 = memory.data_type.f32;
        memory.data_type t = bf16 ? memory.data_type.bf16 : f32; // what the products read
        // one sequence's heads inside the (T, D) rows: head j of token t at t·D + j·d
        memory.desc q = new memory.desc(new long[] {n, h, tq, d}, t, new long[] {tq * dim, d, dim, 1});
        memory.desc k = new memory.desc(new long[] {n, h, d, tk}, t, new long[] {tk * dim, d, 1, dim}); // kᵀ
        memory.desc v = new memory.desc(new long[] {n, h, tk, d}, t, new long[] {tk * dim, d, dim, 1});
        memory.desc y = new memory.desc(new long[] {n, h, tq, d}, f32, new long[] {tq * dim, d, dim, 1});
        memory.desc s = new memory.desc(new long[] {n, h, tq, tk}, f32, memory.format_tag.abcd);
        memory.desc p = bf16 ? new memory.desc(new long[] {n, h, tq, tk}, t, memory.format_tag.abcd) : s;
        Precision product = bf16 ? Precision.BF16 : Precision.FP32;
        try (primitive_attr attr = Matmuls.userScratchpad();
                matmul.primitive_desc spd = Matmuls.product(lib, product, q, k, s, attr);
                softmax_forward.primitive_desc xpd = new softmax_forward.primitive_desc(lib.cpu,
                        dnnl.prop_kind.forward_inference, dnnl.algorithm.softmax_accurate, s, p, 3, attr, false);
                matmul.primitive_desc wpd = Matmuls.product(lib, product, p, v, y, attr)) {
            owner.noteImplementation(spd.impl_info_str().getString());
            owner.noteImplementation(xpd.impl_info_str().getString());
            owner.noteImplementation(wpd.impl_info_str().getString());
            return new Prim(new matmul(spd), new softmax_forward(xpd), new matmul(wpd), q, k, s, v, y, p,
                    spd.scratchpad_desc(), xpd.scratchpad_desc(), wpd.scratchpad_desc());
        }
    }

    /** Frees the cached primitives. */
    @Override
    public void close() {
        for (Prim p : prims.values()) {
            p.scores.close();
            p.softmax.close();
            p.weighted.close();
        }
        prims.clear();
        toBf16.values().forEach(org.bytedeco.dnnl.reorder::close);
        toBf16.clear();
    }
}
