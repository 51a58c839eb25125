package dev.beit3.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code beit3} command line: {@code demo}, {@code classify}, {@code embed}, {@code search}, {@code vqa},
 * {@code nlvr2}, {@code caption}, {@code inspect}, {@code convert}, {@code bench}, {@code train},
 * {@code pretrain}, {@code evaluate}, {@code index}.
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
            BenchCommand.class, TrainCommand.class, PretrainCommand.class, EvaluateCommand.class,
            IndexCommand.class, CommandLine.HelpCommand.class})
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
        System.exit(new CommandLine(new Beit3Cli()).execute(args));
    }
}
