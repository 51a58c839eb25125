package dev.beit3.core.testing.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A seeded, deterministic mutation fuzzer for the parsers that read untrusted bytes.
 *
 * <p>Each campaign starts from seed inputs (fixture files, or small valid files made in the test), runs them
 * unchanged, then runs mutants: one to four stacked mutations drawn by a {@link SplittableRandom} from the
 * generic byte-level {@link Mutators} and from format-aware mutators the test supplies (zip entries, pickle
 * opcodes, protobuf fields, JSON numbers). Inputs that are accepted by the parser join the pool, so mutations
 * build on mutations. The same seed gives the same sequence of inputs (the number of inputs tried depends on the
 * time budget).
 *
 * <p>Every input must end, within {@link Builder#perInputTimeout}, in a result or in one of the
 * {@link Builder#expected expected exception types} whose cause chain holds no {@link Error} (an
 * {@link OutOfMemoryError} caught and wrapped by the parser is still a finding: the parser trusted a size). Anything
 * else, and any hang, is a finding: the input is saved under {@code target/fuzz-findings/<campaign>/} and
 * reported. The campaign stops at the first hang (the stuck thread cannot be reclaimed).
 *
 * <p>Time budget: {@link Builder#seconds(double)}, overridden for all campaigns by {@code -Dbeit3.fuzz.seconds=N}
 * (the long run), and the RNG seed by {@code -Dbeit3.fuzz.seed=N}.
 */
public final class Fuzzer {
    /** A parser run on one input. */
    @FunctionalInterface
    public interface Target {
        /**
         * Parses one input.
         *
         * @param input the bytes (do not modify)
         * @return whether the parser accepted the input (accepted inputs join the mutation pool)
         * @throws Exception an expected, typed refusal or a finding
         */
        boolean run(byte[] input) throws Exception;
    }

    /** A mutation: returns a new array (the input must not be modified), or null when it does not apply. */
    @FunctionalInterface
    public interface Mutator {
        /**
         * Mutates.
         *
         * @param in the input
         * @param rnd the campaign's random source
         * @param pool other inputs, for splicing
         * @return the mutant or null
         */
        byte[] mutate(byte[] in, SplittableRandom rnd, List<byte[]> pool);
    }

    /**
     * A problem found: a crash (untyped exception or error), an out-of-memory error, or a hang.
     *
     * @param kind short kind, e.g. {@code "hang"}, {@code "java.lang.NullPointerException"}
     * @param file where the input was saved
     * @param size input size
     * @param trace the stack trace (empty for a hang)
     */
    public record Finding(String kind, Path file, int size, String trace) {
        @Override
        public String toString() {
            return kind + " on " + size + " bytes saved as " + file + "\n" + trace;
        }
    }

    /**
     * What a campaign did.
     *
     * @param name campaign name
     * @param execs inputs run
     * @param accepted inputs the parser accepted
     * @param seconds wall time
     * @param refusals typed refusals by exception class
     * @param findings problems found
     * @param poolSize final size of the mutation pool
     */
    public record Report(String name, long execs, long accepted, double seconds, Map<String, Long> refusals,
            List<Finding> findings, int poolSize) {
        /** @return inputs per second */
        public double execsPerSecond() {
            return execs / Math.max(seconds, 1e-9);
        }

        /** @return one line for the build log */
        public String summary() {
            return String.format(Locale.ROOT,
                    "fuzz %-12s %8d execs in %5.1f s = %7.0f execs/s, %6d accepted, pool %5d, refusals %s, %d findings",
                    name, execs, seconds, execsPerSecond(), accepted, poolSize, refusals, findings.size());
        }
    }

    /**
     * Starts a campaign description.
     *
     * @param name the campaign name (also the folder for findings)
     * @return a builder
     */
    public static Builder campaign(String name) {
        return new Builder(name);
    }

    /** Configures and runs a campaign. */
    public static final class Builder {
        private final String name;
        private final List<byte[]> seeds = new ArrayList<>();
        private final List<Mutator> formatMutators = new ArrayList<>();
        private final List<Class<? extends Throwable>> expected = new ArrayList<>();
        private double seconds = 10;
        private long seed = 7;
        private long perInputMillis = 2000;
        private int maxInputBytes = 1 << 20;
        private int maxPool = 4000;
        private byte[][] dictionary = new byte[0][];
        private boolean nativeCode;

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Adds seed inputs.
         *
         * @param s the seeds
         * @return this
         */
        public Builder seeds(List<byte[]> s) {
            seeds.addAll(s);
            return this;
        }

        /**
         * Adds a format-aware mutator (drawn as often as all generic ones together).
         *
         * @param m the mutator
         * @return this
         */
        public Builder mutator(Mutator m) {
            formatMutators.add(m);
            return this;
        }

        /**
         * Tokens of the format (magic numbers, keywords) that mutations insert or overwrite.
         *
         * @param tokens the tokens
         * @return this
         */
        public Builder dictionary(byte[]... tokens) {
            dictionary = tokens.clone();
            return this;
        }

        /**
         * An exception type that counts as a proper refusal.
         *
         * @param t the type
         * @return this
         */
        public Builder expected(Class<? extends Throwable> t) {
            expected.add(t);
            return this;
        }

        /**
         * The default time budget (overridden by {@code -Dbeit3.fuzz.seconds}).
         *
         * @param s seconds
         * @return this
         */
        public Builder seconds(double s) {
            seconds = s;
            return this;
        }

        /**
         * The default RNG seed (overridden by {@code -Dbeit3.fuzz.seed}).
         *
         * @param s the seed
         * @return this
         */
        public Builder seed(long s) {
            seed = s;
            return this;
        }

        /**
         * The time one input may take.
         *
         * @param millis milliseconds
         * @return this
         */
        public Builder perInputTimeout(long millis) {
            perInputMillis = millis;
            return this;
        }

        /**
         * The parser calls native code that may abort the JVM: each input is written to
         * {@code target/fuzz-findings/<campaign>/last-input} before it runs, so that the input of a crash survives it
         * (the file is removed when the campaign ends normally).
         *
         * @return this
         */
        public Builder nativeCode() {
            nativeCode = true;
            return this;
        }

        /**
         * Mutants larger than this are cut.
         *
         * @param n bytes
         * @return this
         */
        public Builder maxInputBytes(int n) {
            maxInputBytes = n;
            return this;
        }

        /**
         * Runs the campaign.
         *
         * @param target the parser
         * @return the report (the caller asserts it has no findings)
         */
        public Report run(Target target) {
            return new Campaign(this, target).run();
        }
    }

    private static final class Campaign {
        private final Builder b;
        private final Target target;
        private final SplittableRandom rnd;
        private final List<byte[]> pool = new ArrayList<>();
        private final List<Finding> findings = new ArrayList<>();
        private final Map<String, Long> refusals = new TreeMap<>();
        private final Mutators generic;
        private ExecutorService worker = newWorker();
        private long execs;
        private long accepted;
        private boolean stop;

        Campaign(Builder b, Target target) {
            this.b = b;
            this.target = target;
            this.rnd = new SplittableRandom(Long.getLong("beit3.fuzz.seed", b.seed) ^ b.name.hashCode());
            this.generic = new Mutators(b.dictionary);
        }

        private static ExecutorService newWorker() {
            return Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "fuzz-worker");
                t.setDaemon(true);
                return t;
            });
        }

        Report run() {
            double budget = Double.parseDouble(System.getProperty("beit3.fuzz.seconds", Double.toString(b.seconds)));
            long start = System.nanoTime();
            long deadline = start + (long) (budget * 1e9);
            try {
                for (byte[] s : b.seeds) {
                    if (exec(s) && pool.size() < b.maxPool) {
                        pool.add(s);
                    }
                }
                if (pool.isEmpty()) {
                    pool.addAll(b.seeds);
                }
                while (!stop && System.nanoTime() < deadline && !pool.isEmpty()) {
                    byte[] parent = pool.get(rnd.nextInt(pool.size()));
                    byte[] child = mutateStack(parent);
                    if (child == null) {
                        continue;
                    }
                    if (exec(child) && rnd.nextInt(8) == 0) {
                        if (pool.size() < b.maxPool) {
                            pool.add(child);
                        } else {
                            pool.set(b.seeds.size() + rnd.nextInt(pool.size() - b.seeds.size()), child);
                        }
                    }
                }
            } finally {
                worker.shutdownNow();
            }
            if (b.nativeCode) {
                try {
                    Files.deleteIfExists(Path.of("target", "fuzz-findings", b.name, "last-input"));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            double secs = (System.nanoTime() - start) / 1e9;
            return new Report(b.name, execs, accepted, secs, Collections.unmodifiableMap(refusals),
                    List.copyOf(findings), pool.size());
        }

        private byte[] mutateStack(byte[] parent) {
            byte[] cur = parent;
            int n = 1 + rnd.nextInt(4);
            for (int i = 0; i < n; i++) {
                byte[] next;
                if (!b.formatMutators.isEmpty() && rnd.nextBoolean()) {
                    next = b.formatMutators.get(rnd.nextInt(b.formatMutators.size())).mutate(cur, rnd, pool);
                } else {
                    next = generic.mutate(cur, rnd, pool);
                }
                if (next != null) {
                    cur = next.length > b.maxInputBytes ? java.util.Arrays.copyOf(next, b.maxInputBytes) : next;
                }
            }
            return cur == parent ? null : cur;
        }

        /** Runs one input; returns whether it was accepted. */
        private boolean exec(byte[] input) {
            execs++;
            if (b.nativeCode) {
                try {
                    Path last = Path.of("target", "fuzz-findings", b.name, "last-input");
                    Files.createDirectories(last.getParent());
                    Files.write(last, input);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            Future<Boolean> f = worker.submit(() -> target.run(input));
            try {
                boolean ok = f.get(b.perInputMillis, TimeUnit.MILLISECONDS);
                if (ok) {
                    accepted++;
                }
                return ok;
            } catch (TimeoutException e) {
                f.cancel(true);
                record("hang (> " + b.perInputMillis + " ms)", input, null);
                stop = true;
                worker.shutdownNow();
                worker = newWorker();
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stop = true;
                return false;
            } catch (ExecutionException e) {
                Throwable t = e.getCause();
                if (isExpected(t)) {
                    refusals.merge(t.getClass().getSimpleName(), 1L, Long::sum);
                } else {
                    record(kind(t), input, t);
                }
                return false;
            }
        }

        private boolean isExpected(Throwable t) {
            boolean typed = b.expected.stream().anyMatch(c -> c.isInstance(t));
            if (!typed) {
                return false;
            }
            for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
                if (c instanceof OutOfMemoryError || c instanceof InternalError) {
                    return false;
                }
            }
            return true;
        }

        private static String kind(Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
                if (c instanceof Error) {
                    return c.getClass().getName() + (c == t ? "" : " wrapped in " + t.getClass().getSimpleName());
                }
            }
            return t.getClass().getName();
        }

        private void record(String kind, byte[] input, Throwable t) {
            Path dir = Path.of("target", "fuzz-findings", b.name);
            String trace = "";
            if (t != null) {
                StringWriter sw = new StringWriter();
                t.printStackTrace(new PrintWriter(sw));
                trace = sw.toString();
            }
            // keep one finding per kind and top frame
            String key = kind + "|" + (t == null || t.getStackTrace().length == 0 ? "" : t.getStackTrace()[0]);
            for (Finding f : findings) {
                if ((f.kind() + "|" + firstFrame(f.trace())).equals(key)) {
                    return;
                }
            }
            try {
                Files.createDirectories(dir);
                Path file = dir.resolve("crash-" + sha1(input));
                Files.write(file, input);
                findings.add(new Finding(kind, file.toAbsolutePath(), input.length, trace));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static String firstFrame(String trace) {
            int i = trace.indexOf("\n\tat ");
            if (i < 0) {
                return "";
            }
            int j = trace.indexOf('\n', i + 1);
            return trace.substring(i + 5, j < 0 ? trace.length() : j);
        }
    }

    /**
     * The hex SHA-1 of bytes (names saved inputs).
     *
     * @param b bytes
     * @return 40 hex digits
     */
    public static String sha1(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(Objects.requireNonNull(b)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private Fuzzer() {}
}
