package dev.beit3.train;

import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import java.io.PrintWriter;
import picocli.CommandLine;

/**
 * Runs a picocli command as a program's {@code main}, with the {@code beit3} command line's exit codes: 0 done,
 * 2 bad input (picocli names the unknown option or the malformed value and prints the usage; an
 * {@link InvalidInputException} or {@link IllegalArgumentException} of the command is one line on stderr),
 * 1 internal error. Shared by the programs of beit3-train ({@code ShapesWorld.Main}) and beit3-bench
 * ({@code TrainBench}).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Mains {
    private Mains() {}

    /**
     * Parses {@code args} into {@code command} and runs it.
     *
     * @param command a {@code @Command}-annotated {@link java.util.concurrent.Callable} or {@link Runnable}
     * @param args the arguments
     * @param err where errors go
     * @return the exit code
     */
    public static int execute(Object command, String[] args, PrintWriter err) {
        CommandLine cl = new CommandLine(command);
        cl.setErr(err);
        String name = cl.getCommandName();
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        // picocli skips its unmatched-argument check when --help is given: refuse 'nosuch --help' as well
        cl.setExecutionStrategy(parsed -> {
            if (!parsed.unmatched().isEmpty()) {
                throw new CommandLine.UnmatchedArgumentException(cl, parsed.unmatched());
            }
            return runLast.execute(parsed);
        });
        cl.setExecutionExceptionHandler((e, commandLine, parsed) -> {
            if (e instanceof InvalidInputException || e instanceof IllegalArgumentException) {
                err.println(name + ": error: " + e.getMessage());
                err.flush();
                return 2;
            }
            err.println(name + ": internal error: " + e);
            err.flush();
            return 1;
        });
        return cl.execute(args);
    }
}
