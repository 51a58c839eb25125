package dev.beit3.cli;

import dev.beit3.api.InvalidInputException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code beit3 pretrain --task mlm_text|mlm_image_text|mim_image ...}: masked data modeling. */
@Command(name = "pretrain", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Masked data modeling: masked language modeling on texts (mlm_text) or image-text pairs"
                + " (mlm_image_text), masked image modeling with given visual tokens (mim_image). Missing mlm_head /"
                + " mim_head tensors are created."})
final class PretrainCommand implements Callable<Integer> {
    static final List<String> TASKS = List.of("mlm_text", "mlm_image_text", "mim_image");

    @Spec
    CommandSpec spec;

    @Option(names = "--task", required = true, paramLabel = "TASK", description = "mlm_text, mlm_image_text or mim_image")
    String task;

    @Mixin
    TrainingOptions training;

    PretrainCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code (0 success, 2 bad input, 1 internal error)
     */
    @Override
    public Integer call() {
        return CliErrors.run(spec.commandLine().getErr(), () -> {
            if (!TASKS.contains(task)) {
                throw new InvalidInputException("--task must be one of " + String.join(", ", TASKS) + ", got " + task);
            }
            return training.run(task, false, spec.commandLine().getOut(), spec.commandLine().getErr());
        });
    }
}
