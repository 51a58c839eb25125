package dev.beit3.cli;

import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.io.Printable;
import dev.beit3.api.RgbImage;
import dev.beit3.model.Answer;
import dev.beit3.model.Label;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code beit3 vqa IMAGE QUESTION...}: answers questions about one image (VQA head). */
@Command(name = "vqa", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Answer questions about an image (visual question answering).",
            "Quote each question. The demo model knows 21 one-word answers; good questions:",
            "  \"what color is the circle?\", \"what shape is on the left?\", \"how many shapes are there?\""})
final class VqaCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "the image")
    Path image;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "QUESTION", description = "one or more questions")
    List<String> questions;

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", defaultValue = "3",
            description = "answers to print per question (default: ${DEFAULT-VALUE})")
    int topK;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    VqaCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        return TaskRun.run(spec, model, common, "vqa", "vqa", () -> {
            Checks.positive(topK, "--top-k");
            if (!Files.isRegularFile(image)) {
                throw new InvalidInputException("image file not found: " + image);
            }
            return null;
        }, (m, none, out, err) -> {
            RgbImage img = m.readImage(image);
            List<Answer> answers = m.answer(Collections.nCopies(questions.size(), img), questions, topK);
            for (int i = 0; i < answers.size(); i++) {
                print(out, questions.get(i), answers.get(i));
            }
            out.flush();
            return CliErrors.OK;
        });
    }

    private void print(PrintWriter out, String question, Answer a) {
        if (common.json) {
            JsonObject o = new JsonObject();
            o.addProperty("image", image.toString());
            o.addProperty("question", question);
            o.addProperty("answer", a.answer());
            o.add("top", Json.labels(a.top()));
            out.println(Json.line(o));
            return;
        }
        StringBuilder rest = new StringBuilder();
        for (Label l : a.top().subList(1, a.top().size())) {
            rest.append(rest.length() == 0 ? "; then " : ", ").append(Printable.of(l.label()))
                    .append(String.format(Locale.ROOT, " %.2f", l.probability()));
        }
        out.printf(Locale.ROOT, "Q: %s%nA: %s  (p=%.2f%s)%n", Printable.of(question), Printable.of(a.answer()), a.top().get(0).probability(), rest);
    }
}
