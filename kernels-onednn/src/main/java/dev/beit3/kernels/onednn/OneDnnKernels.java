package dev.beit3.kernels.onednn;

import ai.djl.ndarray.NDArray;
import dev.beit3.api.Kernels;
import dev.beit3.api.LinearKernel;
import dev.beit3.api.Precision;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bytedeco.dnnl.stream;

/** The oneDNN backend opened for one model: its layers and attention, one stream per calling thread. */
final class OneDnnKernels implements Kernels {
    private final OneDnn lib;
    private final Precision precision;
    private final List<OneDnnLinear> layers = new ArrayList<>();
    private final List<OneDnnLayerNorm> norms = new ArrayList<>();
    private final Set<String> implementations = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<stream> streams;
    private final OneDnnAttention attention = new OneDnnAttention(this);

    OneDnnKernels(OneDnn lib, Precision precision) {
        this.lib = lib;
        this.precision = precision;
        this.streams = ThreadLocal.withInitial(() -> new stream(lib.cpu));
    }

    OneDnn lib() {
        return lib;
    }

    stream stream() {
        return streams.get();
    }

    /**
     * Per thread, growing 64-byte-aligned buffers: the primitives' scratchpad, the activation reorder's, the
     * bf16/int8 copy of the activations and bf16 attention's copies, so a call allocates nothing.
     */
    private final ThreadLocal<org.bytedeco.javacpp.BytePointer[]> scratch =
            ThreadLocal.withInitial(() -> new org.bytedeco.javacpp.BytePointer[7]);

    /**
     * A memory object over this thread's scratch buffer {@code slot}, at least as large as {@code desc} wants.
     *
     * @param desc the primitive's scratchpad description
     * @param slot 0 for the primitives' scratchpad, 1 for the activation reorder's, 2 for the converted activations,
     *     3–6 for bf16 attention's converted q, k, v and its probabilities
     * @return the memory (close it after the execution; the buffer stays with the thread)
     */
    org.bytedeco.dnnl.memory scratchpad(org.bytedeco.dnnl.memory.desc desc, int slot) {
        long need = desc.get_size();
        org.bytedeco.javacpp.BytePointer[] bufs = scratch.get();
        if (bufs[slot] == null || bufs[slot].capacity() < need + 64) {
            if (bufs[slot] != null) {
                bufs[slot].close();
            }
            bufs[slot] = new org.bytedeco.javacpp.BytePointer(Math.max(need + 64, 4096));
        }
        org.bytedeco.javacpp.BytePointer b = bufs[slot];
        long pad = (64 - (b.address() & 63)) & 63;
        org.bytedeco.javacpp.Pointer aligned = new org.bytedeco.javacpp.BytePointer(b).position(pad);
        return new org.bytedeco.dnnl.memory(desc, lib.cpu, aligned);
    }

    void noteImplementation(String name) {
        implementations.add(name);
    }

    @Override
    public String id() {
        return OneDnnKernelProvider.ID;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public String describe() {
        return "onednn " + precision.id() + " (oneDNN " + OneDnnKernelProvider.version() + ", " + lib.isa + ", "
                + lib.implementation(precision) + ")";
    }

    @Override
    public synchronized LinearKernel linear(NDArray weight, NDArray bias, Epilogue epilogue) {
        OneDnnLinear l = new OneDnnLinear(this, weight, bias, epilogue);
        layers.add(l);
        return l;
    }

    /** LayerNorm on oneDNN: measured 1.5–3.6× PyTorch's on the model's shapes (see {@link OneDnnLayerNorm}). */
    @Override
    public synchronized java.util.Optional<dev.beit3.api.LayerNormKernel> layerNorm(NDArray gamma, NDArray beta,
            float eps) {
        OneDnnLayerNorm n = new OneDnnLayerNorm(this, gamma, beta, eps);
        norms.add(n);
        return java.util.Optional.of(n);
    }

    @Override
    public java.util.Optional<dev.beit3.api.AttentionKernel> attention() {
        return java.util.Optional.of(attention);
    }

    /** The implementations the primitives of this model run (for logs and tests). */
    Set<String> implementations() {
        return Set.copyOf(implementations);
    }

    @Override
    public synchronized void close() {
        for (OneDnnLinear l : layers) {
            l.close();
        }
        layers.clear();
        norms.forEach(OneDnnLayerNorm::close);
        norms.clear();
        attention.close();
    }
}
