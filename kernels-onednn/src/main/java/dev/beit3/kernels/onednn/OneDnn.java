package dev.beit3.kernels.onednn;

import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx2;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_amx;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_bf16;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx512_core_vnni;
import static org.bytedeco.dnnl.global.dnnl.dnnl_cpu_isa_avx2_vnni;

import dev.beit3.api.Precision;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.dnnl.engine;
import org.bytedeco.dnnl.global.dnnl;
import org.bytedeco.dnnl.matmul;
import org.bytedeco.dnnl.memory;
import org.bytedeco.dnnl.primitive_attr;
import org.bytedeco.javacpp.Loader;

/**
 * The process-wide oneDNN state: the native library (loaded once), the CPU engine, the effective instruction
 * set, and per precision whether an optimised matmul exists (probed once by creating a small primitive and
 * reading its implementation name: oneDNN falls back to slow reference kernels rather than failing).
 */
final class OneDnn {
    private static volatile OneDnn instance;
    private static volatile String loadError;

    final engine cpu;
    final String isa;
    private final Map<Precision, Optional<String>> unavailable = new EnumMap<>(Precision.class);
    private final Map<Precision, String> impl = new EnumMap<>(Precision.class);

    private OneDnn() {
        cpu = new engine(engine.kind.cpu, 0);
        int code = dnnl.dnnl_get_effective_cpu_isa();
        isa = isaName(code);
        for (Precision p : Precision.values()) {
            String name;
            try {
                name = probe(p);
            } catch (RuntimeException e) {
                unavailable.put(p, Optional.of("oneDNN has no " + p.id() + " matmul on this CPU (" + isa + "): "
                        + e.getMessage()));
                continue;
            }
            impl.put(p, name);
            if (name.contains("ref") || name.contains("gemm:jit") && p != Precision.FP32) {
                unavailable.put(p, Optional.of(p.id() + " would run oneDNN's slow " + name + " kernel here: the CPU ("
                        + isa + ") lacks " + (p == Precision.BF16 ? "AVX512_BF16 (or AMX)"
                        : p == Precision.INT8 ? "AVX512_VNNI / AVX-VNNI" : "AVX2")));
            } else {
                unavailable.put(p, Optional.empty());
            }
        }
    }

    /**
     * The loaded library, or empty with {@link #loadError()} when it cannot load here.
     *
     * @return the state
     */
    static Optional<OneDnn> get() {
        if (instance == null && loadError == null) {
            synchronized (OneDnn.class) {
                if (instance == null && loadError == null) {
                    try {
                        Loader.load(dnnl.class);
                        instance = new OneDnn();
                        warnOnSplitThreadBudget();
                    } catch (RuntimeException | LinkageError e) {
                        loadError = "the oneDNN native library does not load here (" + System.getProperty("os.name")
                                + " " + System.getProperty("os.arch") + "): " + e;
                    }
                }
            }
        }
        return Optional.ofNullable(instance);
    }

    /**
     * oneDNN brings its own OpenMP runtime, sized by {@code OMP_NUM_THREADS} when it loads (a JVM cannot change
     * its environment), while libtorch's follows {@code ai.djl.pytorch.num_threads}: say so when they differ, and
     * when the two pools would spin against each other ({@code OMP_WAIT_POLICY}, {@code GOMP_SPINCOUNT} unset).
     */
    private static void warnOnSplitThreadBudget() {
        String djl = System.getProperty("ai.djl.pytorch.num_threads");
        String omp = System.getenv("OMP_NUM_THREADS");
        if (djl != null && !djl.strip().equals(omp == null ? null : omp.strip())) {
            org.slf4j.LoggerFactory.getLogger(OneDnn.class).info("oneDNN's OpenMP threads follow OMP_NUM_THREADS ({}),"
                    + " not ai.djl.pytorch.num_threads={}: start the JVM with OMP_NUM_THREADS={} for one thread budget"
                    + " (the beit3 launcher does this for --threads)", omp == null ? "unset: all cores" : omp, djl, djl);
        }
        if (System.getenv("OMP_WAIT_POLICY") == null && System.getenv("GOMP_SPINCOUNT") == null) {
            org.slf4j.LoggerFactory.getLogger(OneDnn.class).info("oneDNN and libtorch each run an OpenMP pool on the"
                    + " same cores, and by default a pool's idle workers spin for milliseconds after each operation,"
                    + " stealing a core from the other pool: start the JVM with OMP_WAIT_POLICY=PASSIVE (the beit3"
                    + " launcher does)");
        }
    }

    /**
     * The threads oneDNN's OpenMP runtime uses: the first number of {@code OMP_NUM_THREADS} when it is set and
     * valid, else the JVM's available processors (libgomp's default).
     *
     * @return at least 1
     */
    static int threads() {
        String omp = System.getenv("OMP_NUM_THREADS");
        if (omp != null) {
            try {
                int n = Integer.parseInt(omp.split(",")[0].strip());
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException ignored) {
                // libgomp ignores an invalid value too
            }
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }

    /** @return why {@link #get()} is empty */
    static String loadError() {
        return loadError;
    }

    Optional<String> unavailable(Precision p) {
        return unavailable.get(p);
    }

    /** @return the implementation oneDNN picked for a small matmul in this precision, e.g. brg_matmul:avx512_core */
    String implementation(Precision p) {
        return impl.getOrDefault(p, "none");
    }

    private String probe(Precision p) {
        long m = 64;
        long k = 256;
        long n = 256;
        memory.data_type in = Matmuls.inputType(p);
        try (memory.desc src = new memory.desc(new long[] {m, k}, Matmuls.srcType(p), memory.format_tag.ab);
                memory.desc wei = new memory.desc(new long[] {k, n}, in, memory.format_tag.any);
                memory.desc dst = new memory.desc(new long[] {m, n}, memory.data_type.f32, memory.format_tag.ab);
                primitive_attr attr = Matmuls.attr(p, dev.beit3.api.Kernels.Epilogue.NONE);
                matmul.primitive_desc pd = Matmuls.linear(this, p, src, wei, null, dst, attr)) {
            return pd.impl_info_str().getString();
        }
    }

    static String isaName(int code) {
        if (code >= dnnl_cpu_isa_avx512_core_amx) {
            return "avx512_core_amx";
        }
        if (code == dnnl_cpu_isa_avx512_core_bf16 || code > dnnl_cpu_isa_avx512_core_bf16) {
            return "avx512_core_bf16";
        }
        if (code == dnnl_cpu_isa_avx512_core_vnni) {
            return "avx512_core_vnni";
        }
        if (code == dnnl_cpu_isa_avx512_core) {
            return "avx512_core";
        }
        if (code >= dnnl_cpu_isa_avx2_vnni) {
            return "avx2_vnni";
        }
        if (code >= dnnl_cpu_isa_avx2) {
            return "avx2";
        }
        return "isa code " + code;
    }
}
