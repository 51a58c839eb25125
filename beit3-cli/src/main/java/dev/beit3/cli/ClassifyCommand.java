package dev.beit3.cli;

import com.google.gson.JsonObject;
import dev.beit3.core.io.Printable;
import dev.beit3.model.Classification;
import dev.beit3.model.Label;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code beit3 classify IMAGES... [--top-k K]}: the best classes of each image (image classification head). */
@Command(name = "classify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Classify images (files or folders) and print the top-k classes with their probabilities.",
            "Default model: the demo's 18 colour x shape classes."})
final class ClassifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "IMAGES", description = "image files or folders of images")
    List<Path> images;

    @Option(names = {"-k", "--top-k"}, paramLabel = "K", defaultValue = "3",
            description = "classes to print per image (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "images per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    ClassifyCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        return TaskRun.run(spec, model, common, "imageclassification", "classify", () -> {
            Checks.positive(topK, "--top-k");
            Checks.positive(batch, "--batch");
            return Inputs.images(images);
        }, (m, files, out, err) -> {
            try (Progress p = common.progress(err, "images", files.size())) {
                Inputs.Outcome<Classification> r = Inputs.run(m, files, batch, p, imgs -> m.classify(imgs, topK));
                p.done();
                for (Inputs.Item<Classification> it : r.items()) {
                    print(out, it.file(), it.result());
                }
                out.flush();
                return Inputs.finish(err, files.size(), r.failures());
            }
        });
    }

    private void print(PrintWriter out, Path file, Classification c) {
        if (common.json) {
            JsonObject o = new JsonObject();
            o.addProperty("image", file.toString());
            o.addProperty("label", c.best().label());
            o.add("top", Json.labels(c.top()));
            out.println(Json.line(o));
            return;
        }
        out.println(Printable.of(file.toString()));
        int rank = 1;
        for (Label l : c.top()) {
            out.printf(Locale.ROOT, "  %d. %-24s %6.4f  (logit %.4f)%n", rank++, Printable.of(l.label()), l.probability(), l.logit());
        }
    }
}
