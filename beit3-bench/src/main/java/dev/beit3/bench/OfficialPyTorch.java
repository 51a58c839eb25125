package dev.beit3.bench;

import dev.beit3.api.Precision;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;

/**
 * The official BEiT-3 (torchscale's {@code BEiT3} on PyTorch, in a Python worker process) as one more variant of
 * the interleaved workloads, for {@code beit3 bench --compare-pytorch}: the worker ({@code
 * official_beit3_worker.py}, a resource of this module, copied to a temporary file) builds the model with the
 * reference base or large configuration and random weights, and times one forward pass per request on a line
 * protocol ({@code prepare W}, {@code run W → ok <seconds> <peak MB>}, {@code quit}), so its runs alternate with
 * ours in the same rounds. Its rows have backend {@value #BACKEND}, precision fp32; our rows of the same workload
 * get ours ÷ official ({@link #vsOfficial}).
 *
 * <p>Nothing else needs Python: a worker that cannot start (no interpreter, no torch, no torchscale checkout)
 * is {@link Unavailable}, with what is missing and how to get it, and the benchmark goes on without it. Every
 * answer is awaited for a bounded time; {@link #close()} asks the worker to quit, then ends it.
 */
final class OfficialPyTorch implements AutoCloseable {
    /** The backend id of the official model's rows. */
    static final String BACKEND = "official-pytorch";
    /** The official model as a variant of the interleaved workloads (it has no kernel provider: never opened). */
    static final Variant VARIANT = new Variant(BACKEND, Precision.FP32, null);
    static final String SCRIPT = "official_beit3_worker.py";
    private static final String APT = "apt-get install -y python3-torch libopenblas0-pthread";
    private static final String CLONE = "git clone https://github.com/microsoft/torchscale (0.2.0 or later)";
    private static final String EOF = "\u0000eof";

    /**
     * How long each kind of answer is awaited.
     *
     * @param start the {@code ready} line (Python imports torch: seconds, more on a loaded machine)
     * @param prepare building a model and its inputs
     * @param run one forward pass
     */
    record Timeouts(Duration start, Duration prepare, Duration run) {
        static final Timeouts DEFAULT = new Timeouts(Duration.ofMinutes(3), Duration.ofMinutes(10),
                Duration.ofMinutes(30));
    }

    /** The official model cannot be run here; the message says what is missing and how to get it. */
    static final class Unavailable extends Exception {
        private static final long serialVersionUID = 1L;

        Unavailable(String message) {
            super(message);
        }
    }

    private final Process process;
    private final BufferedWriter requests;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final Deque<String> stderrTail = new ArrayDeque<>();
    private final Timeouts timeouts;
    private final Path script;
    private final String description;
    private final Thread stderrReader;
    private double peakRssMb = Double.NaN;

    private OfficialPyTorch(Process process, Path script, Timeouts timeouts, PrintStream log, String what)
            throws Unavailable {
        this.process = process;
        this.script = script;
        this.timeouts = timeouts;
        this.requests = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        daemon("official-pytorch-stdout", () -> {
            try (BufferedReader r = reader(process.getInputStream())) {
                for (String line; (line = r.readLine()) != null; ) {
                    answers.add(line);
                }
            } catch (IOException e) {
                // the worker is gone: EOF below says so
            }
            answers.add(EOF);
        });
        this.stderrReader = daemon("official-pytorch-stderr", () -> {
            try (BufferedReader r = reader(process.getErrorStream())) {
                for (String line; (line = r.readLine()) != null; ) {
                    log.println("official-pytorch: " + line);
                    synchronized (stderrTail) {
                        stderrTail.addLast(line);
                        if (stderrTail.size() > 8) {
                            stderrTail.removeFirst();
                        }
                    }
                }
            } catch (IOException e) {
                // nothing more to show
            }
        });
        String ready;
        try {
            ready = answer("start", timeouts.start());
        } catch (IllegalStateException e) {
            close();
            throw new Unavailable(e.getMessage());
        }
        if (ready.startsWith("error ")) {
            close();
            throw new Unavailable(explain(ready.substring(6)));
        }
        if (!ready.startsWith("ready")) {
            close();
            throw new Unavailable("the official model's worker did not start: it answered '" + ready
                    + "' instead of 'ready …'");
        }
        String facts = ready.substring(5).trim();
        this.description = what + ", " + facts;
        if (facts.contains("blas=reference:")) {
            log.println("warning: the official model multiplies with Debian's reference BLAS (libblas3), tens of"
                    + " times slower than an optimised one (a vision 224 pass 11.5 s instead of 0.28 s), so the ratios"
                    + " would flatter us; install OpenBLAS: apt-get install -y libopenblas0-pthread");
        }
        log.println("official model: " + description);
    }

    /**
     * Starts the worker for the benchmark's settings.
     *
     * @param o the interpreter, the torchscale checkout and the thread count
     * @param large large dimensions instead of base
     * @param log progress and the worker's stderr
     * @return the running worker
     * @throws Unavailable when it cannot start; the message names what is missing and how to get it
     */
    static OfficialPyTorch start(Benchmark.Official o, boolean large, PrintStream log) throws Unavailable {
        return start(o, large ? "large" : "base", Timeouts.DEFAULT, log);
    }

    /**
     * Starts the worker.
     *
     * @param o the interpreter, the torchscale checkout and the thread count
     * @param size {@code base}, {@code large} or {@code tiny} (the worker's own test size)
     * @param timeouts how long answers are awaited
     * @param log progress and the worker's stderr
     * @return the running worker
     * @throws Unavailable when it cannot start
     */
    static OfficialPyTorch start(Benchmark.Official o, String size, Timeouts timeouts, PrintStream log)
            throws Unavailable {
        if (o.torchscale() == null) {
            throw new Unavailable("no torchscale checkout given: " + CLONE
                    + ", then --torchscale DIR or BEIT3_TORCHSCALE=DIR");
        }
        if (!Files.isDirectory(o.torchscale())) {
            throw new Unavailable("the torchscale checkout " + o.torchscale() + " is not a folder: " + CLONE
                    + ", then --torchscale DIR or BEIT3_TORCHSCALE=DIR");
        }
        Path script;
        try {
            script = Files.createTempFile("beit3-official-", ".py");
            try (InputStream in = OfficialPyTorch.class.getResourceAsStream(SCRIPT)) {
                if (in == null) {
                    throw new IllegalStateException("the resource " + SCRIPT + " is missing from beit3-bench");
                }
                Files.copy(in, script, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new Unavailable("cannot write the worker script to the temp folder: " + e.getMessage());
        }
        List<String> command = new ArrayList<>(List.of(o.python(), script.toString(), "--torchscale",
                o.torchscale().toAbsolutePath().toString(), "--threads", String.valueOf(o.threads()), "--size",
                size));
        Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (IOException e) {
            deleteQuietly(script);
            throw new Unavailable("cannot start the interpreter '" + o.python() + "' (" + e.getMessage()
                    + "): give one with torch by --python PATH or BEIT3_PYTHON=PATH (Debian: " + APT
                    + ", then /usr/bin/python3)");
        }
        return new OfficialPyTorch(p, script, timeouts, log, "torchscale BEiT3 " + size + " from "
                + o.torchscale() + ", " + o.python());
    }

    /** What the worker runs: model, interpreter, torch version, threads, BLAS, stand-ins. */
    String description() {
        return description;
    }

    /**
     * Builds the model and the inputs of a workload (untimed).
     *
     * @param workload e.g. {@code vision224_b8}
     * @throws IllegalStateException when the worker refuses, dies or does not answer in time
     */
    void prepare(String workload) {
        String a = request("prepare " + workload, timeouts.prepare());
        if (!a.startsWith("ok")) {
            throw failed("prepare " + workload, a);
        }
    }

    /**
     * Runs one forward pass of a prepared workload.
     *
     * @param workload e.g. {@code vision224_b8}
     * @return its time in milliseconds, as the worker measured it around the model call
     * @throws IllegalStateException when the worker refuses, dies, does not answer in time, or answers garbage
     */
    double run(String workload) {
        String a = request("run " + workload, timeouts.run());
        String[] w = a.split(" ");
        if (!w[0].equals("ok") || w.length < 2) {
            throw failed("run " + workload, a);
        }
        try {
            double seconds = Double.parseDouble(w[1]);
            if (!(seconds >= 0)) {
                throw new NumberFormatException("negative");
            }
            if (w.length > 2) {
                peakRssMb = Double.parseDouble(w[2]);
            }
            return seconds * 1e3;
        } catch (NumberFormatException e) {
            throw new IllegalStateException("the official model's worker answered 'run " + workload + "' with '" + a
                    + "': expected 'ok <seconds> <peak MB>'");
        }
    }

    /** The worker's peak resident set size at its last run, in MB (NaN before the first). */
    double peakRssMb() {
        return peakRssMb;
    }

    /**
     * Times our bodies of a workload and the official model alternating in the same rounds: prepares the
     * workload in the worker, appends its variant and body (timed by the worker) after ours, and completes its
     * row (the worker's description in the note, its own peak RSS).
     *
     * @param rounds the timing loop
     * @param name the workload, e.g. {@code vision224_b8}
     * @param vs our variants
     * @param bodies one run on each of them
     * @param flop arithmetic of one run
     * @param items items of one run
     * @param note what the workload is
     * @return our results, then the official one
     */
    List<Benchmark.Result> timeWith(Rounds rounds, String name, List<Variant> vs, List<Runnable> bodies, double flop,
            double items, String note) {
        prepare(name);
        List<Variant> all = new ArrayList<>(vs);
        all.add(VARIANT);
        List<DoubleSupplier> timed = new ArrayList<>();
        bodies.forEach(b -> timed.add(Rounds.wallClock(b)));
        timed.add(() -> run(name));
        List<Benchmark.Result> out = new ArrayList<>(rounds.timeEach(name, all, timed, flop, items, note));
        Benchmark.Result r = out.remove(out.size() - 1);
        out.add(new Benchmark.Result(r.workload(), r.backend(), r.precision(), r.medianMs(), r.minMs(),
                r.itemsPerSecond(), r.gflop(), r.gflops(), r.efficiency(), peakRssMb,
                description + "; " + r.note() + "; timed in the worker around the model call"));
        return out;
    }

    /**
     * Ours ÷ official: a result's throughput divided by that of the official model's row of the same workload.
     *
     * @param r one of our results
     * @param all every result of the run
     * @return the ratio, NaN for the official rows themselves and for workloads it did not run
     */
    static double vsOfficial(Benchmark.Result r, List<Benchmark.Result> all) {
        if (r.backend().equals(BACKEND)) {
            return Double.NaN;
        }
        for (Benchmark.Result o : all) {
            if (o.backend().equals(BACKEND) && o.workload().equals(r.workload())) {
                return r.itemsPerSecond() / o.itemsPerSecond();
            }
        }
        return Double.NaN;
    }

    /** Whether any result is the official model's. */
    static boolean present(List<Benchmark.Result> all) {
        return all.stream().anyMatch(r -> r.backend().equals(BACKEND));
    }

    /** Asks the worker to quit, waits a little, then ends it; deletes the script. */
    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                try {
                    requests.write("quit\n");
                    requests.flush();
                } catch (IOException e) {
                    // already gone
                }
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroy();
                    if (!process.waitFor(5, TimeUnit.SECONDS)) {
                        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                    }
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            deleteQuietly(script);
        }
    }

    private String request(String line, Duration timeout) {
        try {
            requests.write(line + "\n");
            requests.flush();
        } catch (IOException e) {
            throw new IllegalStateException("the official model's worker is gone (" + e.getMessage() + ")"
                    + stderr());
        }
        return answer(line, timeout);
    }

    private String answer(String what, Duration timeout) {
        String a;
        try {
            a = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the official model's worker");
        }
        if (a == null) {
            process.destroyForcibly();
            throw new IllegalStateException("the official model's worker did not answer '" + what + "' within "
                    + timeout.toSeconds() + " s; it was ended");
        }
        if (a.equals(EOF)) {
            answers.add(EOF);
            Integer code = null;
            try {
                if (process.waitFor(5, TimeUnit.SECONDS)) {
                    code = process.exitValue();
                }
                stderrReader.join(2000); // its last messages, for the reason below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            throw new IllegalStateException("the official model's worker exited" + (code == null ? "" : " with code "
                    + code) + " before answering '" + what + "'" + stderr());
        }
        return a;
    }

    private IllegalStateException failed(String what, String answer) {
        return new IllegalStateException("the official model's worker refused '" + what + "': " + answer);
    }

    private String stderr() {
        synchronized (stderrTail) {
            return stderrTail.isEmpty() ? "" : "; its last messages: " + String.join(" | ", stderrTail);
        }
    }

    /** What a worker's start-up error means and how to fix it. */
    static String explain(String error) {
        if (error.startsWith("missing-module ")) {
            String m = error.substring("missing-module ".length()).trim();
            return switch (m) {
                case "torch" -> "the interpreter has no torch (PyTorch): " + APT + " and --python /usr/bin/python3"
                        + " (or BEIT3_PYTHON), or an interpreter where pip installed torch";
                case "numpy" -> "the interpreter has no numpy, which torchscale needs: apt-get install -y"
                        + " python3-numpy (or pip install numpy)";
                case "torchscale" -> "the folder given by --torchscale or BEIT3_TORCHSCALE holds no torchscale"
                        + " package (torchscale/model/BEiT3.py): " + CLONE + " and give the clone's folder";
                default -> "torchscale needs the Python module '" + m + "', which this interpreter lacks: install it"
                        + " (apt-get install -y python3-" + m + ", or pip install " + m + "), or use torchscale 0.2.0";
            };
        }
        return "the official model's worker cannot run: " + error;
    }

    private static BufferedReader reader(InputStream in) {
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    private static Thread daemon(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            // a temp file left behind
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "OfficialPyTorch[%s]", description);
    }
}
