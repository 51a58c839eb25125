package dev.beit3.cli;

import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import dev.beit3.onnx.OnnxExport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code beit3 export --onnx (--checkpoint FILE | [--task T]...) --output DIR [--int8]}: writes the model's graphs
 * as ONNX files (see {@link OnnxExport}); without {@code --checkpoint} the demo models of the tasks.
 */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Export a model to an exchange format: ONNX graphs (opset 17, dynamic batch) written from the"
                + " loaded weights.",
            "retrieval: retrieval_image.onnx (pixel_values -> image_embedding) and retrieval_text.onnx (input_ids,"
                + " padding_mask -> text_embedding); imageclassification.onnx (pixel_values -> logits); vqa.onnx"
                + " (pixel_values, input_ids, padding_mask -> logits); nlvr2.onnx (pixel_values_a, pixel_values_b,"
                + " input_ids, padding_mask -> logits). --int8 adds *.int8.onnx with int8 linear layers."})
final class ExportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--onnx", required = true, description = "write ONNX (the only export format so far)")
    boolean onnx;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "folder to write into (created if missing)")
    Path output;

    @Option(names = "--int8", description = "also write int8 graphs (dynamic quantization of the encoder's linear layers)")
    boolean int8;

    @Option(names = "--task", paramLabel = "T", split = ",",
            description = "demo models to export without --checkpoint (default: every exportable one)")
    List<String> tasks;

    @Option(names = "--external-data-above", paramLabel = "BYTES", defaultValue = "1800000000",
            description = "keep the weights in FILE.onnx.data when they exceed this many bytes (default: ${DEFAULT-VALUE})")
    long externalAbove;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    ExportCommand() {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        return CliErrors.run(spec.commandLine().getErr(), () -> {
            common.apply(model.checkpoint == null);
            if (externalAbove < 0) {
                throw new InvalidInputException("--external-data-above must be >= 0, got " + externalAbove);
            }
            OnnxExport.Options options = new OnnxExport.Options(int8, externalAbove);
            List<Beit3> models = new ArrayList<>();
            try {
                if (model.checkpoint != null) {
                    if (tasks != null) {
                        throw new InvalidInputException("--task picks demo models; with --checkpoint the head comes"
                                + " from the checkpoint (or --head ID)");
                    }
                    models.add(load());
                } else {
                    List<String> chosen = tasks;
                    if (chosen == null) {
                        var pkg = ModelOptions.openPackage(model.models);
                        chosen = OnnxExport.HEADS.stream().filter(pkg.tasks()::contains).toList();
                    }
                    for (String t : chosen) {
                        if (!OnnxExport.HEADS.contains(t)) {
                            throw new InvalidInputException("--task " + t + " cannot be exported to ONNX yet; tasks: "
                                    + OnnxExport.HEADS);
                        }
                        models.add(model.load(t, "export", common));
                    }
                }
                for (Beit3 m : models) {
                    for (OnnxExport.Exported e : OnnxExport.export(m, output, options)) {
                        out.printf(Locale.ROOT, "wrote %s: %s %s graph of the %s head (%,d bytes%s)%n",
                                output.resolve(e.file().getFileName()), e.precision(), e.graph(), m.headId(), e.bytes(),
                                e.externalData() == null ? "" : ", weights in " + e.externalData().getFileName());
                    }
                }
            } finally {
                models.forEach(Beit3::close);
            }
            out.flush();
            return CliErrors.OK;
        });
    }

    /** A checkpoint: head from --head or its keys, the tokenizer optional (only recorded in the metadata). */
    private Beit3 load() throws NoSuchFileException {
        if (!Files.isRegularFile(model.checkpoint)) {
            throw new NoSuchFileException(model.checkpoint.toString(), null, "checkpoint file not found (--checkpoint)");
        }
        // the head from --head or, inside the one load, from the keys; refused before any weight is read
        Beit3.Builder b = Beit3.builder().checkpoint(model.checkpoint).head(model.head).imageLimits(common.limits())
                .checkHead(head -> {
                    if (!OnnxExport.HEADS.contains(head)) {
                        throw new InvalidInputException(model.checkpoint + " is a " + head + " checkpoint; ONNX export"
                                + " covers the " + OnnxExport.HEADS + " heads so far");
                    }
                });
        if (model.spm != null) {
            b.tokenizer(model.spm);
        }
        if (model.imageSize != null) {
            b.imageSize(model.imageSize);
        }
        if (model.attentionHeads != null) {
            Checks.positive(model.attentionHeads, "--heads");
            b.attentionHeads(model.attentionHeads);
        }
        if (model.maxTextLength != null) {
            b.maxTextLength(model.maxTextLength);
        }
        if (model.labels != null) {
            b.labels(ModelOptions.readLabels(model.labels));
        }
        return b.build();
    }
}
