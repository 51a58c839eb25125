package dev.beit3.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.KernelProvider;
import dev.beit3.api.Kernels;
import dev.beit3.api.Precision;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which backends × precisions the benchmark measures, and the fp32 reference it always needs. */
class VariantTest {
    /** A backend computing only the given precisions; never opened here. */
    private static KernelProvider provider(String id, Set<Precision> computes) {
        return new KernelProvider() {
            @Override
            public String id() {
                return id;
            }

            @Override
            public Optional<String> unavailable(Precision p) {
                return computes.contains(p) ? Optional.empty() : Optional.of(id + " has no " + p.id() + " here");
            }

            @Override
            public Kernels open(Precision p) {
                throw new UnsupportedOperationException("not opened by the selection");
            }
        };
    }

    private static final Map<String, KernelProvider> ALL = new LinkedHashMap<>();

    static {
        ALL.put("djl", provider("djl", EnumSet.of(Precision.FP32)));
        ALL.put("fast", provider("fast", EnumSet.allOf(Precision.class)));
        ALL.put("lowonly", provider("lowonly", EnumSet.of(Precision.INT8)));
    }

    private static String labels(List<Variant> vs) {
        return String.join(", ", vs.stream().map(Variant::label).toList());
    }

    @Test
    void onlyReducedPrecisionAskedForStillProbesTheFp32GemmOfTheSelectedBackends() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream log = new PrintStream(buf, true, StandardCharsets.UTF_8);
        List<Variant> selected = Variant.selected(ALL, List.of("fast"), List.of(Precision.INT8), log);
        assertThat(labels(selected)).isEqualTo("fast int8");
        List<Variant> probed = Variant.probed(selected, ALL, List.of("fast"), log);
        assertThat(labels(probed)).isEqualTo("fast int8, fast fp32");
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("measuring the fp32 GEMM of fast too");

        List<Variant> everyBackend = Variant.probed(Variant.selected(ALL, List.of(), List.of(Precision.INT8), log),
                ALL, List.of(), log);
        assertThat(labels(everyBackend)).isEqualTo("fast int8, lowonly int8, djl fp32, fast fp32");
    }

    @Test
    void aSelectionWithFp32IsProbedAsItIs() {
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        List<Variant> selected = Variant.selected(ALL, List.of("djl", "fast"), List.of(), log);
        assertThat(Variant.probed(selected, ALL, List.of("djl", "fast"), log)).isEqualTo(selected);
    }

    @Test
    void aBackendWithoutFp32AloneHasNoDenominatorAndSaysWhatToAdd() {
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        List<Variant> selected = Variant.selected(ALL, List.of("lowonly"), List.of(), log);
        assertThatThrownBy(() -> Variant.probed(selected, ALL, List.of("lowonly"), log))
                .isInstanceOf(dev.beit3.api.InvalidInputException.class).hasMessageContaining("--kernels")
                .hasMessageContaining("fp32");
    }
}
