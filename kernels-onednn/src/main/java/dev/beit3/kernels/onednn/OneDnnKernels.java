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

/** The oneDNN backend opened for one model: its layers, one stream per calling thread. */
final class OneDnnKernels implements Kernels {
    private final OneDnn lib;
    private final Precision precision;
    private final List<OneDnnLinear> layers = new ArrayList<>();
    private final Set<String> implementations = ConcurrentHashMap.newKeySet();
    private final ThreadLocal<stream> streams;

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
    }
}
