package dev.beit3.cli;

import dev.beit3.api.InvalidInputException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code beit3 train --task T --data DIR --checkpoint FILE --steps N --output FILE}: fine-tunes a task head. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fine-tune a BEiT-3 model on a dataset folder with the reference's losses, AdamW parameter"
                + " groups and warm-up + cosine schedule; writes the model (.pth or .safetensors) and its optimizer"
                + " state."})
final class TrainCommand implements Callable<Integer> {
    static final List<String> TASKS = List.of("imageclassification", "vqa", "nlvr2", "retrieval", "captioning");

    @Spec
    CommandSpec spec;

    @Option(names = "--task", required = true, paramLabel = "TASK",
            description = "imageclassification, vqa, nlvr2, retrieval or captioning")
    String task;

    @Option(names = "--freeze-encoder", description = "train only the head (linear probe); the encoder stays bit-identical")
    boolean freezeEncoder;

    @Mixin
    TrainingOptions training;

    TrainCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code (0 success, 2 bad input, 1 internal error)
     */
    @Override
    public Integer call() {
        return CliErrors.run(spec.commandLine().getErr(), () -> {
            if (!TASKS.contains(task)) {
                throw new InvalidInputException("--task must be one of " + String.join(", ", TASKS) + ", got " + task
                        + " (masked data modeling: beit3 pretrain)");
            }
            return training.run(task, freezeEncoder, spec.commandLine().getOut(), spec.commandLine().getErr());
        });
    }
}
