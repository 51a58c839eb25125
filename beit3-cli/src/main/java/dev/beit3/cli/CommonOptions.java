package dev.beit3.cli;

import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ImageLimits;
import dev.beit3.model.EngineThreads;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * Options every task command shares ({@code --json}, {@code --threads}, {@code --progress},
 * {@code --max-pixels}); mixed into each command with {@code @Mixin}.
 */
final class CommonOptions {
    /** The JVM property the launcher sets when stderr is a terminal. */
    static final String STDERR_TTY_PROPERTY = "beit3.stderr.tty";
    /** DJL's PyTorch thread setting. */
    static final String THREADS_PROPERTY = "ai.djl.pytorch.num_threads";

    @Option(names = "--json", description = "machine output: one JSON object per line (JSON Lines)")
    boolean json;

    @Option(names = "--threads", paramLabel = "N",
            description = "PyTorch intra-op threads (default: 1 for the demo models, which are too small to gain from"
                    + " more; all cores for --checkpoint; at most 4 × the cores); sets ai.djl.pytorch.num_threads")
    Integer threads;

    @Option(names = "--progress", negatable = true,
            description = "progress bar on stderr for multi-image work (default: only when stderr is a terminal)")
    Boolean progress;

    @Option(names = "--max-pixels", paramLabel = "N",
            description = "refuse images larger than N pixels (default: ${DEFAULT-VALUE}, PIL's bomb limit)",
            defaultValue = "" + ImageLimits.DEFAULT_MAX_PIXELS)
    long maxPixels;

    CommonOptions() {}

    /**
     * Applies the settings that must precede the first model load (threads) and checks the values.
     *
     * @param demoModels whether the command runs the (tiny) demo models: they run fastest on one thread,
     *     and several threads on a busy machine make them many times slower
     * @throws InvalidInputException when a value is out of range
     */
    void apply(boolean demoModels) {
        // read by DJL's PyTorch engine when it starts, i.e. before the first model is built
        if (threads != null) {
            System.setProperty(THREADS_PROPERTY, String.valueOf(EngineThreads.check(threads, "--threads")));
        } else if (demoModels && System.getProperty(THREADS_PROPERTY) == null) {
            System.setProperty(THREADS_PROPERTY, "1");
        }
        limits();
    }

    /**
     * The image limits from {@code --max-pixels}.
     *
     * @return the limits
     */
    ImageLimits limits() {
        if (maxPixels < 1) {
            throw new InvalidInputException("--max-pixels must be positive, got " + maxPixels);
        }
        return new ImageLimits(maxPixels);
    }

    /**
     * A progress bar on {@code err} for {@code total} items, drawn only when asked for or when stderr is
     * a terminal, and never for a single item or in JSON mode unless asked for.
     *
     * @param err the error stream
     * @param what what is counted, e.g. {@code "images"}
     * @param total the number of items
     * @return the progress bar (possibly silent)
     */
    Progress progress(PrintWriter err, String what, int total) {
        boolean on;
        if (progress != null) {
            on = progress;
        } else {
            String tty = System.getProperty(STDERR_TTY_PROPERTY);
            on = tty != null ? Boolean.parseBoolean(tty) : System.console() != null;
        }
        return new Progress(err, what, total, on && total > 1);
    }
}
