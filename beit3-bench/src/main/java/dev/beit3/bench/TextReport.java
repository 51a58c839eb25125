package dev.beit3.bench;

import java.util.List;
import java.util.Locale;

/** The results as a table, one row per workload × backend × precision, then each result's note. */
final class TextReport {
    private TextReport() {}

    /**
     * Formats results.
     *
     * @param results the results
     * @return the table and the notes
     */
    static String format(List<Benchmark.Result> results) {
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "%-28s %-7s %-5s %10s %10s %9s %8s %9s %6s %8s%n", "workload", "backend", "prec", "median ms", "min ms",
                "items/s", "GFLOP", "GFLOP/s", "eff", "peak MB"));
        for (Benchmark.Result r : results) {
            sb.append(String.format(Locale.ROOT, "%-28s %-7s %-5s %10.1f %10.1f %9.2f %8.2f %9.1f %6.2f %8.0f%n",
                    r.workload(), r.backend(), r.precision(), r.medianMs(), r.minMs(), r.itemsPerSecond(), r.gflop(),
                    r.gflops(), r.efficiency(), r.peakRssMb()));
        }
        for (Benchmark.Result r : results) {
            if (r.note() != null && !r.note().isEmpty()) {
                sb.append("  ").append(r.workload()).append(' ').append(r.backend()).append(' ').append(r.precision())
                        .append(": ").append(r.note()).append('\n');
            }
        }
        return sb.toString();
    }
}
