package dev.beit3.bench;

import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The results as a JSON array of objects with {@code workload, backend, precision, median_ms, min_ms, items_per_s,
 * gflop, gflops, efficiency, peak_rss_mb, note}: one per workload × backend × precision; a quantity that is not a
 * number (e.g. the throughput of loading) is left out. When the official model was compared with, its rows have
 * backend {@code official-pytorch} and our rows of the same workloads one more field, {@code vs_official}: ours ÷
 * official items/s.
 */
final class JsonReport {
    private JsonReport() {}

    /**
     * Formats results.
     *
     * @param results the results
     * @return JSON, pretty-printed
     */
    static String format(List<Benchmark.Result> results) {
        List<Map<String, Object>> l = new ArrayList<>();
        for (Benchmark.Result r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("workload", r.workload());
            m.put("backend", r.backend());
            m.put("precision", r.precision());
            m.put("median_ms", r.medianMs());
            m.put("min_ms", r.minMs());
            m.put("items_per_s", orNull(r.itemsPerSecond()));
            m.put("gflop", r.gflop());
            m.put("gflops", orNull(r.gflops()));
            m.put("efficiency", orNull(r.efficiency()));
            m.put("peak_rss_mb", r.peakRssMb());
            m.put("note", r.note());
            double vs = OfficialPyTorch.vsOfficial(r, results);
            if (!Double.isNaN(vs)) {
                m.put("vs_official", vs);
            }
            l.add(m);
        }
        return new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create().toJson(l);
    }

    private static Double orNull(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
