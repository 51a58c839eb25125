package dev.beit3.bench;

import dev.beit3.api.KernelProvider;
import dev.beit3.api.Kernels;
import dev.beit3.api.Precision;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A kernel backend in one precision, as the benchmark measures it.
 *
 * @param backend the backend's id, e.g. {@code onednn}
 * @param precision the precision
 * @param provider the backend's provider
 */
record Variant(String backend, Precision precision, KernelProvider provider) {

    /**
     * Opens the backend in this precision (the caller closes it).
     *
     * @return the opened backend
     */
    Kernels open() {
        return provider.open(precision);
    }

    /** @return e.g. {@code onednn fp32} */
    String label() {
        return backend + " " + precision.id();
    }

    /**
     * The selected backends × precisions that can run here; the others are named on the log and skipped (DJL's
     * non-fp32 precisions silently unless asked for).
     *
     * @param all the discovered backends by id
     * @param kernels the backend ids to measure (empty = every one)
     * @param precisions the precisions to measure (empty = every one a backend computes here)
     * @param log where skipped variants are named
     * @return the variants, backend by backend
     * @throws dev.beit3.api.InvalidInputException for an unknown backend id, or when nothing selected can run
     */
    static List<Variant> selected(Map<String, KernelProvider> all, List<String> kernels, List<Precision> precisions,
            PrintStream log) {
        List<Variant> out = new ArrayList<>();
        for (String id : kernels.isEmpty() ? all.keySet() : kernels) {
            KernelProvider p = all.get(id);
            if (p == null) {
                throw new dev.beit3.api.InvalidInputException("unknown kernel backend '" + id + "'; available: "
                        + String.join(", ", all.keySet()));
            }
            for (Precision pr : precisions.isEmpty() ? List.of(Precision.values()) : precisions) {
                Optional<String> why = p.unavailable(pr);
                if (why.isPresent()) {
                    if (!precisions.isEmpty() || pr == Precision.FP32 || !id.equals("djl")) {
                        log.println("skipping " + id + " " + pr.id() + ": " + why.get());
                    }
                    continue;
                }
                out.add(new Variant(id, pr, p));
            }
        }
        if (out.isEmpty()) {
            throw new dev.beit3.api.InvalidInputException("no selected kernel backend can run here");
        }
        return out;
    }

    /**
     * The variants whose GEMM rate is measured: the selected ones, plus, when none of them is fp32, the fp32 variant
     * of each selected backend that computes fp32 here (the efficiency's denominator is the best fp32 GEMM, so
     * {@code --precision int8} alone still divides by it; those rows are reported, their workloads not run).
     *
     * @param selected the variants of the workloads
     * @param all the discovered backends by id
     * @param kernels the backend ids asked for (empty = every one)
     * @param log where the added reference is named
     * @return the variants to probe, the selected ones first
     * @throws dev.beit3.api.InvalidInputException when no backend computes fp32 here (there is no denominator)
     */
    static List<Variant> probed(List<Variant> selected, Map<String, KernelProvider> all, List<String> kernels,
            PrintStream log) {
        if (selected.stream().anyMatch(v -> v.precision() == Precision.FP32)) {
            return selected;
        }
        List<Variant> out = new ArrayList<>(selected);
        for (String id : kernels.isEmpty() ? all.keySet() : kernels) {
            KernelProvider p = all.get(id);
            if (p != null && p.unavailable(Precision.FP32).isEmpty()) {
                out.add(new Variant(id, Precision.FP32, p));
                log.println("measuring the fp32 GEMM of " + id + " too: the best fp32 GEMM is the efficiency's"
                        + " denominator");
            }
        }
        if (out.size() == selected.size()) {
            throw new dev.beit3.api.InvalidInputException("no selected kernel backend computes fp32 here, and the"
                    + " efficiency divides by the best fp32 GEMM rate: add a backend that does to --kernels (djl always can)");
        }
        return out;
    }
}
