package dev.beit3.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.DoubleSupplier;

/**
 * The timing loop: warms every body up, then times them in rounds (one run of each per round, in turn),
 * re-measuring the reference rate at the start of each round: on a shared machine the load changes from second to
 * second, and alternating keeps the ratios between backends fair. Without a reference (the GEMM probe, which
 * measures it) the efficiency is left for the caller.
 */
final class Rounds {
    private final int runs;
    private final int warmup;
    private final PrintStream log;
    private final ReferenceRate reference;

    /**
     * A loop without a reference rate (for the GEMM probe).
     *
     * @param runs timed repetitions
     * @param warmup untimed repetitions first
     * @param log progress messages
     */
    Rounds(int runs, int warmup, PrintStream log) {
        this(runs, warmup, log, null);
    }

    private Rounds(int runs, int warmup, PrintStream log, ReferenceRate reference) {
        this.runs = runs;
        this.warmup = warmup;
        this.log = log;
        this.reference = reference;
    }

    /**
     * The same loop, each round starting with a re-measured reference rate.
     *
     * @param r the reference
     * @return the loop
     */
    Rounds against(ReferenceRate r) {
        return new Rounds(runs, warmup, log, r);
    }

    /**
     * Times one body.
     *
     * @param name the workload
     * @param v the variant it runs on
     * @param flop arithmetic of one run
     * @param items items of one run
     * @param body one run
     * @param note what the workload is
     * @return the result
     */
    Benchmark.Result time(String name, Variant v, double flop, double items, Runnable body, String note) {
        return time(name, List.of(v), List.of(body), flop, items, note).get(0);
    }

    /**
     * Times one body per variant, alternating.
     *
     * @param name the workload
     * @param vs the variants
     * @param bodies one run on each variant, in the same order
     * @param flop arithmetic of one run
     * @param items items of one run
     * @param note what the workload is
     * @return one result per variant
     */
    List<Benchmark.Result> time(String name, List<Variant> vs, List<Runnable> bodies, double flop, double items,
            String note) {
        return timeEach(name, vs, bodies.stream().map(Rounds::wallClock).toList(), flop, items, note);
    }

    /**
     * A body timed by the wall clock around it.
     *
     * @param body one run
     * @return the run, answering its milliseconds
     */
    static DoubleSupplier wallClock(Runnable body) {
        return () -> {
            long t0 = System.nanoTime();
            body.run();
            return (System.nanoTime() - t0) / 1e6;
        };
    }

    /**
     * Times one body per variant, alternating, each body answering its own time of one run (e.g. measured in
     * another process, as the official model's worker does).
     *
     * @param name the workload
     * @param vs the variants
     * @param bodies one run on each variant, in the same order, each answering its milliseconds
     * @param flop arithmetic of one run
     * @param items items of one run
     * @param note what the workload is
     * @return one result per variant
     */
    List<Benchmark.Result> timeEach(String name, List<Variant> vs, List<DoubleSupplier> bodies, double flop,
            double items, String note) {
        for (int w = 0; w < warmup; w++) {
            for (int i = 0; i < bodies.size(); i++) {
                log.println("bench " + name + " " + vs.get(i).label() + " (warm-up) …");
                bodies.get(i).getAsDouble();
            }
        }
        System.gc();
        Rss.resetPeak();
        double[][] ms = new double[bodies.size()][runs];
        double[] rates = new double[runs];
        for (int r = 0; r < runs; r++) {
            if (reference != null) {
                rates[r] = reference.remeasure();
            }
            for (int i = 0; i < bodies.size(); i++) {
                log.println("bench " + name + " " + vs.get(i).label() + " run " + (r + 1) + "/" + runs + " …");
                ms[i][r] = bodies.get(i).getAsDouble();
            }
        }
        double rate = reference == null ? Double.NaN : median(rates);
        List<Benchmark.Result> out = new ArrayList<>();
        for (int i = 0; i < bodies.size(); i++) {
            double median = median(ms[i]);
            double min = Arrays.stream(ms[i]).min().orElse(Double.NaN);
            double gflops = flop / 1e9 / (median / 1e3);
            String n = reference == null ? note : note + String.format(Locale.ROOT,
                    " (best fp32 GEMM rate in the same rounds: median %.1f GFLOP/s, %s)", rate,
                    reference.variant().label());
            out.add(new Benchmark.Result(name, vs.get(i).backend(), vs.get(i).precision().id(), median, min,
                    items / (median / 1e3), flop / 1e9, gflops, gflops / rate, Rss.peakMb(), n));
        }
        return out;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
