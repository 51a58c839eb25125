package dev.beit3.model;

import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;

/**
 * The PyTorch intra-op thread count ({@code ai.djl.pytorch.num_threads}), read once by DJL when the engine starts,
 * with the bound every entry point applies: at least 1 and at most {@value #PER_CORE} × the available processors.
 * More threads than cores only make the CPU kernels contend (2,000 threads turned a 1.4 s run into 34 s); a count
 * far above the cores is a mistake, and is refused rather than obeyed.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class EngineThreads {
    /** DJL's PyTorch thread property. */
    public static final String PROPERTY = "ai.djl.pytorch.num_threads";
    /** Most threads per available processor. */
    public static final int PER_CORE = 4;

    private EngineThreads() {}

    /**
     * The largest thread count accepted on this machine.
     *
     * @return {@value #PER_CORE} × {@link Runtime#availableProcessors()}
     */
    public static int max() {
        return PER_CORE * Runtime.getRuntime().availableProcessors();
    }

    /**
     * Checks a thread count.
     *
     * @param threads the count
     * @param name how the caller calls the setting, for the message (e.g. {@code "--threads"})
     * @return the count
     * @throws InvalidInputException if it is below 1 or above {@link #max()}
     */
    public static int check(int threads, String name) {
        if (threads < 1) {
            throw new InvalidInputException(name + " must be at least 1, got " + threads);
        }
        if (threads > max()) {
            throw new InvalidInputException(name + " " + threads + " is more than " + PER_CORE + " × the "
                    + Runtime.getRuntime().availableProcessors() + " available processors (at most " + max()
                    + "); more threads than cores only slow PyTorch down");
        }
        return threads;
    }

    /**
     * Checks a thread count and sets it for the engine; it takes effect only if the engine has not started yet
     * (before the first model of the JVM is built).
     *
     * @param threads the count
     * @throws InvalidInputException if it is out of range
     */
    public static void set(int threads) {
        System.setProperty(PROPERTY, String.valueOf(check(threads, "threads")));
    }
}
