package dev.beit3.cli;

import dev.beit3.model.Beit3;
import java.io.PrintWriter;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The run every task command shares: take the command's output streams, apply the {@link CommonOptions}, check
 * the command's own options, load the task's model with the {@link ModelOptions}, run the task, close the model,
 * and turn the library's refusals into {@code beit3: error: …} and exit code 2 ({@link CliErrors#run}).
 *
 * <p>The commands keep their {@code @Mixin} fields themselves, so each command's help lists its own options first
 * and the model and common options after them.
 */
final class TaskRun {
    private TaskRun() {}

    /**
     * A command's checks of its own options and reading of its inputs, after the common options are applied and
     * before the model loads (so a bad option or input is refused without the load's cost).
     *
     * @param <I> what the task needs besides the model, e.g. the expanded image list ({@code Void} when nothing)
     */
    interface Prepare<I> {
        /**
         * Checks the options and reads the inputs.
         *
         * @return the inputs, or null
         * @throws Exception a refusal (e.g. {@link dev.beit3.api.InvalidInputException})
         */
        I prepare() throws Exception;
    }

    /**
     * The task proper, on the loaded model.
     *
     * @param <I> what {@link Prepare} returned
     */
    interface Body<I> {
        /**
         * Runs the task.
         *
         * @param model the loaded model (closed by the template)
         * @param input what {@link Prepare} returned
         * @param out the command's standard output
         * @param err the command's standard error
         * @return the exit code
         * @throws Exception a refusal or failure
         */
        int run(Beit3 model, I input, PrintWriter out, PrintWriter err) throws Exception;
    }

    /**
     * Runs a task command.
     *
     * @param spec the command (its output streams)
     * @param model the model options
     * @param common the common options
     * @param task the head the command needs, e.g. {@code "vqa"}
     * @param command the command's name in messages, e.g. {@code "vqa"}
     * @param prepare the command's checks of its own options and reading of its inputs
     * @param body the task
     * @param <I> what {@code prepare} hands to {@code body}
     * @return the exit code
     */
    static <I> int run(CommandSpec spec, ModelOptions model, CommonOptions common, String task, String command,
            Prepare<I> prepare, Body<I> body) {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return CliErrors.run(err, () -> {
            common.apply(model.checkpoint == null);
            I input = prepare.prepare();
            try (Beit3 m = model.load(task, command, common)) {
                return body.run(m, input, out, err);
            }
        });
    }
}
