package dev.beit3.cli;

import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.train.Augmentation;
import dev.beit3.train.Evaluation;
import dev.beit3.train.TrainingData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code beit3 evaluate --task T --data DIR --checkpoint FILE}: the task metric on a dataset folder. */
@Command(name = "evaluate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Report the task metric of a model on a dataset folder: top-1/top-5 (imageclassification),"
                + " VQA accuracy, R@1/5/10 both directions (retrieval), accuracy (nlvr2), exact match (captioning)."})
final class EvaluateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--task", required = true, paramLabel = "TASK",
            description = "imageclassification, vqa, nlvr2, retrieval or captioning")
    String task;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "dataset folder (data.jsonl + images)")
    Path data;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "64", description = "examples per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    EvaluateCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code (0 success, 2 bad input, 1 internal error)
     */
    @Override
    public Integer call() {
        return TaskRun.run(spec, model, common, task, "evaluate", () -> {
            Checks.positive(batch, "--batch");
            if (!TrainCommand.TASKS.contains(task)) {
                throw new InvalidInputException("--task must be one of " + String.join(", ", TrainCommand.TASKS)
                        + ", got " + task);
            }
            if (!Files.isDirectory(data)) {
                throw new InvalidInputException("dataset folder not found: " + data + " (--data)");
            }
            return null;
        }, (m, none, out, err) -> {
            TrainingData d = TrainingData.open(new TrainingData.Config(task, data, batch, m.config().imageSize(),
                    m.maxTextLength(), Augmentation.none(), false, 0, 0.15, 0.4), task.equals("imageclassification")
                    ? null : m.tokenizer(), m.imagePreprocessor());
            Map<String, Double> r = Evaluation.evaluate(m, d, batch);
            if (common.json) {
                JsonObject o = new JsonObject();
                o.addProperty("task", task);
                r.forEach(o::addProperty);
                out.println(Json.line(o));
            } else {
                out.println(task + "  " + Evaluation.format(r));
            }
            out.flush();
            return CliErrors.OK;
        });
    }
}
