package dev.beit3.bench;

import java.util.List;
import java.util.Locale;

/**
 * The results as a table, one row per workload × backend × precision, then each result's note. When the official
 * model was compared with ({@link OfficialPyTorch}), a last column {@code ÷official} gives ours ÷ official items/s
 * on the rows of the workloads it ran.
 */
final class TextReport {
    private TextReport() {}

    /**
     * Formats results.
     *
     * @param results the results
     * @return the table and the notes
     */
    static String format(List<Benchmark.Result> results) {
        boolean official = OfficialPyTorch.present(results);
        int backend = Math.max(7, results.stream().mapToInt(r -> r.backend().length()).max().orElse(0));
        String head = "%-28s %-" + backend + "s %-5s %10s %10s %9s %8s %9s %6s %8s";
        String row = "%-28s %-" + backend + "s %-5s %10.1f %10.1f %9.2f %8.2f %9.1f %6.2f %8.0f";
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT, head, "workload", "backend", "prec",
                "median ms", "min ms", "items/s", "GFLOP", "GFLOP/s", "eff", "peak MB"));
        sb.append(official ? String.format(Locale.ROOT, " %9s%n", "÷official") : String.format("%n"));
        for (Benchmark.Result r : results) {
            sb.append(String.format(Locale.ROOT, row, r.workload(), r.backend(), r.precision(), r.medianMs(),
                    r.minMs(), r.itemsPerSecond(), r.gflop(), r.gflops(), r.efficiency(), r.peakRssMb()));
            double vs = OfficialPyTorch.vsOfficial(r, results);
            sb.append(official && !Double.isNaN(vs) ? String.format(Locale.ROOT, " %8.2f×%n", vs)
                    : String.format("%n"));
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
