package dev.beit3.core.kernels;

import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.KernelProvider;
import dev.beit3.api.Kernels;
import dev.beit3.api.Precision;
import dev.beit3.core.plugin.ProviderRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses the kernel backend of a model: the one asked for (builder, {@code --kernels}, or the system property
 * {@value #KERNELS_PROPERTY}), else the available provider of the highest priority. A backend asked for in fp32
 * that cannot run on this machine (no native library, no instruction set) falls back to {@code djl} and says
 * why; a reduced precision ({@value #PRECISION_PROPERTY}, {@code --precision}) no available backend computes is
 * refused with the reason. Each distinct choice is logged once per JVM.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class KernelSelection {
    /** System property naming the backend id, or {@code auto}. */
    public static final String KERNELS_PROPERTY = "beit3.kernels";
    /** System property naming the precision ({@code fp32|bf16|int8}). */
    public static final String PRECISION_PROPERTY = "beit3.precision";

    private static final Logger LOG = LoggerFactory.getLogger(KernelSelection.class);
    private static final Set<String> LOGGED = ConcurrentHashMap.newKeySet();

    private KernelSelection() {}

    /**
     * The opened backend and why it was chosen.
     *
     * @param kernels the backend, opened in its precision
     * @param reason e.g. "default: highest priority available" or why a fallback happened
     */
    public record Choice(Kernels kernels, String reason) {
        /**
         * One line for provenance and logs.
         *
         * @return e.g. {@code "onednn fp32 (avx512_core_bf16) — default: …"}
         */
        public String describe() {
            return kernels.describe() + " — " + reason;
        }
    }

    /**
     * Resolves the request against the registry (system properties fill what the caller left null).
     *
     * @param registry the providers
     * @param requestedId a backend id, {@code "auto"}, or null
     * @param requestedPrecision the precision, or null (fp32 unless the property says otherwise)
     * @return the opened backend
     * @throws InvalidInputException for an unknown id or a precision no backend here can compute
     */
    public static Choice choose(ProviderRegistry registry, String requestedId, Precision requestedPrecision) {
        String id = requestedId != null ? requestedId : System.getProperty(KERNELS_PROPERTY, "auto");
        id = id.strip().toLowerCase(Locale.ROOT);
        if (id.isEmpty()) {
            id = "auto";
        }
        String pp = System.getProperty(PRECISION_PROPERTY);
        Precision precision = requestedPrecision != null ? requestedPrecision
                : pp == null || pp.isBlank() ? Precision.FP32 : Precision.parse(pp);
        Map<String, KernelProvider> all = registry.kernels();
        Choice c;
        if (id.equals("auto")) {
            c = auto(all, precision);
        } else {
            KernelProvider p = all.get(id);
            if (p == null && requestedId == null && all.containsKey(DjlKernelProvider.ID)
                    && precision == Precision.FP32) {
                // a process-wide -Dbeit3.kernels reaches modules whose class path lacks the backend's jar
                p = all.get(DjlKernelProvider.ID);
                String why = "fallback: -D" + KERNELS_PROPERTY + "=" + id + " names no provider on this class path";
                Choice fb = new Choice(p.open(precision), why);
                if (LOGGED.add(fb.describe())) {
                    LOG.warn("kernels: {}", fb.describe());
                }
                return fb;
            }
            if (p == null) {
                throw new InvalidInputException("unknown kernel backend '" + id + "'; available: "
                        + String.join(", ", all.keySet()) + " (or auto)"
                        + (id.equals("onednn") ? "; is the kernels-onednn jar on the class path?" : ""));
            }
            Optional<String> why = safeUnavailable(p, precision);
            if (why.isEmpty()) {
                c = new Choice(p.open(precision), "asked for");
            } else if (precision == Precision.FP32 && all.containsKey(DjlKernelProvider.ID)) {
                c = new Choice(all.get(DjlKernelProvider.ID).open(precision),
                        "fallback: " + id + " was asked for but " + why.get());
                LOG.warn("kernel backend {} cannot run here ({}); using djl", id, why.get());
            } else {
                throw new InvalidInputException("kernel backend " + id + " cannot compute in " + precision.id()
                        + " here: " + why.get());
            }
        }
        if (LOGGED.add(c.describe())) {
            LOG.info("kernels: {}", c.describe());
        }
        return c;
    }

    private static Choice auto(Map<String, KernelProvider> all, Precision precision) {
        List<KernelProvider> order = new ArrayList<>(all.values());
        order.sort(Comparator.comparingInt(KernelProvider::priority).reversed().thenComparing(KernelProvider::id));
        List<String> refused = new ArrayList<>();
        for (int i = 0; i < order.size(); i++) {
            KernelProvider p = order.get(i);
            Optional<String> why = safeUnavailable(p, precision);
            if (why.isEmpty()) {
                List<String> alsoAvailable = new ArrayList<>();
                for (KernelProvider q : order.subList(i + 1, order.size())) {
                    if (safeUnavailable(q, precision).isEmpty()) {
                        alsoAvailable.add(q.id() + " (priority " + q.priority() + " on this machine)");
                    }
                }
                String reason = "default: highest priority available in " + precision.id()
                        + (refused.isEmpty() ? "" : " (not available: " + String.join("; ", refused) + ")")
                        + (alsoAvailable.isEmpty() ? "" : "; also available, ask for it by id: "
                                + String.join(", ", alsoAvailable));
                return new Choice(p.open(precision), reason);
            }
            refused.add(p.id() + ": " + why.get());
        }
        throw new InvalidInputException("no kernel backend can compute in " + precision.id() + " on this machine: "
                + (refused.isEmpty() ? "none is registered" : String.join("; ", refused)));
    }

    /** A provider whose probe throws (a broken native library) is unavailable, not fatal. */
    private static Optional<String> safeUnavailable(KernelProvider p, Precision precision) {
        try {
            return p.unavailable(precision);
        } catch (RuntimeException | LinkageError e) {
            return Optional.of("its probe failed: " + e);
        }
    }
}
