package dev.beit3.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.core.io.Printable;
import dev.beit3.api.CaptioningHead;
import dev.beit3.model.Caption;
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

/** {@code beit3 caption IMAGES...}: describes images with the reference beam search (captioning head). */
@Command(name = "caption", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Caption images (files or folders) with the reference beam search.")
final class CaptionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "IMAGES", description = "image files or folders of images")
    List<Path> images;

    @Option(names = "--beams", paramLabel = "N", description = "beam size (default: 3, as the reference; 1 = greedy; at most 64)")
    Integer beams;

    @Option(names = "--max-length", paramLabel = "N",
            description = "text slots including the start, mask and end tokens (default: the model's text length)")
    Integer maxLength;

    @Option(names = "--length-penalty", paramLabel = "X", description = "length penalty alpha (default: 0.6)")
    Double lengthPenalty;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    CaptionCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        return TaskRun.run(spec, model, common, "captioning", "caption", () -> {
            if (beams != null && (beams < 1 || beams > CaptioningHead.Decoding.MAX_BEAMS)) {
                throw new dev.beit3.api.InvalidInputException("--beams must be between 1 and "
                        + CaptioningHead.Decoding.MAX_BEAMS + " (the reference uses 3), got " + beams);
            }
            if (lengthPenalty != null && !Double.isFinite(lengthPenalty)) {
                throw new dev.beit3.api.InvalidInputException("--length-penalty must be a finite number (the reference"
                        + " uses 0.6), got " + lengthPenalty);
            }
            return Inputs.images(images);
        }, (m, files, out, err) -> {
            try (Progress p = common.progress(err, "images", files.size())) {
                CaptioningHead.Decoding d = m.decoding();
                CaptioningHead.Decoding decoding = new CaptioningHead.Decoding(beams != null ? beams : d.beams(),
                        maxLength != null ? maxLength : d.maxLength(),
                        lengthPenalty != null ? lengthPenalty : d.lengthPenalty(), d.maskId(), d.clsId(), d.padId(),
                        d.eosId());
                // one image per call, as the reference evaluates captions
                Inputs.Outcome<Caption> r = Inputs.run(m, files, 1, p, imgs -> m.caption(imgs, decoding));
                p.done();
                for (Inputs.Item<Caption> it : r.items()) {
                    print(out, it.file(), it.result());
                }
                out.flush();
                return Inputs.finish(err, files.size(), r.failures());
            }
        });
    }

    private void print(PrintWriter out, Path file, Caption c) {
        if (common.json) {
            JsonObject o = new JsonObject();
            o.addProperty("image", file.toString());
            o.addProperty("caption", c.text());
            o.addProperty("score", c.score());
            JsonArray ids = new JsonArray();
            for (long id : c.ids()) {
                ids.add(id);
            }
            o.add("decoded_ids", ids);
            out.println(Json.line(o));
        } else {
            out.printf(Locale.ROOT, "%s: %s%n", Printable.of(file.toString()), Printable.of(c.text()));
        }
    }
}
