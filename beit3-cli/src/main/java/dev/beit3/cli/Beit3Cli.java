package dev.beit3.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code beit3} command line: {@code demo}, {@code classify}, {@code embed}, {@code search}, {@code vqa},
 * {@code nlvr2}, {@code caption}, {@code inspect}, {@code convert}, {@code export}, {@code bench},
 * {@code bench-onnx}, {@code train}, {@code pretrain}, {@code evaluate}, {@code serve}, {@code bench-serve},
 * {@code index}.
 *
 * <p>Exit codes: 0 success, 2 bad input (unreadable or malformed checkpoint, invalid option or
 * argument, missing file), 1 internal error. Errors go to stderr as one line.
 */
@Command(
        name = "beit3",
        mixinStandardHelpOptions = true,
        version = "beit3-java 0.1.0",
        description = "BEiT-3 and VLMo Multiway Transformers on the JVM.",
        footer = {"", "Without --checkpoint the task commands run the embedded demo models (start with: beit3 demo).",
            "Exit codes: 0 success, 2 bad input, 1 internal error."},
        subcommands = {DemoCommand.class, ClassifyCommand.class, EmbedCommand.class, SearchCommand.class,
            VqaCommand.class, Nlvr2Command.class, CaptionCommand.class, InspectCommand.class, ConvertCommand.class,
            ExportCommand.class, BenchCommand.class, OnnxBenchCommand.class, TrainCommand.class, PretrainCommand.class,
            EvaluateCommand.class, ServeCommand.class, BenchServeCommand.class, IndexCommand.class,
            CommandLine.HelpCommand.class})
public final class Beit3Cli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Creates the top command (picocli instantiates it). */
    public Beit3Cli() {}

    /** Without a subcommand: prints the usage. */
    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        System.exit(commandLine().execute(args));
    }

    /**
     * The {@code beit3} command line as {@link #main} runs it. Arguments that match no command or option are
     * refused (exit 2, with picocli's "did you mean" suggestions) even when {@code --help} or {@code --version}
     * follows them: picocli alone would print the usage of the command before the unknown word and succeed, so
     * {@code beit3 nosuch --help} would look like a valid call. picocli's messages about bad arguments quote what
     * was typed, so their control characters are escaped like every other error line (a value pasted from a file
     * cannot move the cursor or forge output).
     *
     * @return a new command line
     */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Beit3Cli());
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cl.setExecutionStrategy(parsed -> {
            for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
                if (!p.unmatched().isEmpty()) {
                    throw new CommandLine.UnmatchedArgumentException(p.commandSpec().commandLine(), p.unmatched());
                }
            }
            return runLast.execute(parsed);
        });
        CommandLine.IParameterExceptionHandler plain = cl.getParameterExceptionHandler();
        cl.setParameterExceptionHandler((ex, a) -> {
            String m = String.valueOf(ex.getMessage());
            String safe = dev.beit3.core.io.Printable.lines(m);
            if (safe.equals(m)) {
                return plain.handleParseException(ex, a);
            }
            return plain.handleParseException(new CommandLine.ParameterException(ex.getCommandLine(), safe, ex,
                    ex.getArgSpec(), ex.getValue()), a);
        });
        return cl;
    }
}
