package dev.beit3.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The two reports of {@code beit3 bench} and the workload selection of {@code --only}, without a measurement. */
class BenchReportTest {
    private static final Benchmark.Result VISION = new Benchmark.Result("vision224_b1", "djl", "fp32", 120.5, 110.25,
            8.3, 35.13, 291.5, 0.87, 4031, "image-only pass");
    private static final Benchmark.Result LOAD = new Benchmark.Result("load_checkpoint", "djl", "fp32", 900, 900,
            Double.NaN, 0, Double.NaN, Double.NaN, 700, "");

    @Test
    void jsonHasOneObjectPerResultWithTheDocumentedFieldsAndWithoutWhatIsNotANumber() {
        JsonArray a = JsonParser.parseString(Benchmark.json(List.of(VISION, LOAD))).getAsJsonArray();
        assertThat(a).hasSize(2);
        JsonObject v = a.get(0).getAsJsonObject();
        assertThat(v.keySet()).containsExactly("workload", "backend", "precision", "median_ms", "min_ms",
                "items_per_s", "gflop", "gflops", "efficiency", "peak_rss_mb", "note");
        assertThat(v.get("workload").getAsString()).isEqualTo("vision224_b1");
        assertThat(v.get("min_ms").getAsDouble()).isEqualTo(110.25);
        assertThat(v.get("efficiency").getAsDouble()).isEqualTo(0.87);
        JsonObject l = a.get(1).getAsJsonObject();
        assertThat(l.keySet()).as("NaN quantities are left out").containsExactly("workload", "backend", "precision",
                "median_ms", "min_ms", "gflop", "peak_rss_mb", "note");
        assertThat(l.get("median_ms").getAsDouble()).isEqualTo(900);
    }

    @Test
    void tableHasAHeaderARowPerResultAndANoteLinePerNonEmptyNote() {
        List<String> lines = Benchmark.table(List.of(VISION, LOAD)).lines().toList();
        assertThat(lines).hasSize(4);
        assertThat(lines.get(0).split(" +")).containsExactly("workload", "backend", "prec", "median", "ms", "min",
                "ms", "items/s", "GFLOP", "GFLOP/s", "eff", "peak", "MB");
        assertThat(lines.get(1).split(" +")).containsExactly("vision224_b1", "djl", "fp32", "120.5", "110.3", "8.30",
                "35.13", "291.5", "0.87", "4031");
        assertThat(lines.get(2)).startsWith("load_checkpoint").contains(" NaN ");
        assertThat(lines.get(3)).isEqualTo("  vision224_b1 djl fp32: image-only pass");
    }

    @Test
    void onlySelectsByPrefixAndAlwaysMeasuresTheGemmRate() {
        Benchmark.Options o = new Benchmark.Options(false, 1, 0, Path.of("."), List.of("vision224_b1"));
        assertThat(o.wanted("vision224_b1")).isTrue();
        assertThat(o.wanted("vision224_b1_2callers")).isTrue();
        assertThat(o.wanted("vision224_b8")).isFalse();
        assertThat(o.wanted("load_checkpoint")).isFalse();
        assertThat(o.wanted("gemm")).isTrue();
        assertThat(o.gemmOnly()).isFalse();
        assertThat(new Benchmark.Options(false, 1, 0, Path.of("."), List.of("gemm")).gemmOnly()).isTrue();
        assertThat(Benchmark.Options.defaults().wanted("caption480_cached_step16")).isTrue();
    }
}
