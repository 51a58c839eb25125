package dev.beit3.cli;

import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.io.Npy;
import dev.beit3.core.io.Printable;
import dev.beit3.model.Beit3;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code beit3 embed (--images FILES... | --texts TEXT... | --texts-file FILE) [--format jsonl|npy] [--output FILE]}:
 * L2-normalised retrieval embeddings, as JSON Lines or a float32 {@code .npy} matrix.
 */
@Command(name = "embed", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Embed images or texts as retrieval vectors (JSON Lines or .npy).",
            "The vectors are L2-normalised: their dot product is the cosine similarity. Output: JSON Lines {\"image\"|\"text\", \"embedding\"} on stdout or in",
            "--output FILE, or a float32 .npy matrix (one row per input) with --format npy --output FILE."})
final class EmbedCommand implements Callable<Integer> {
    /** Output formats. */
    enum Format { jsonl, npy }

    @Spec
    CommandSpec spec;

    /** Exactly one input kind. */
    static final class What {
        @Option(names = "--images", arity = "1..*", paramLabel = "FILE", description = "image files or folders")
        List<Path> images;

        @Option(names = "--texts", arity = "1..*", paramLabel = "TEXT", description = "texts (quote each)")
        List<String> texts;

        @Option(names = "--texts-file", paramLabel = "FILE", description = "a UTF-8 file with one text per line")
        Path textsFile;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    What what;

    @Option(names = "--format", paramLabel = "FMT", defaultValue = "jsonl",
            description = "jsonl or npy (default: ${DEFAULT-VALUE})")
    Format format;

    @Option(names = {"-o", "--output"}, paramLabel = "FILE", description = "write here instead of stdout (required for npy)")
    Path output;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "8", description = "inputs per forward pass (default: ${DEFAULT-VALUE})")
    int batch;

    /** Which engine computes the embeddings. */
    enum Engine { djl, onnx }

    @Option(names = "--engine", paramLabel = "E", defaultValue = "djl",
            description = "djl (this library, default) or onnx (ONNX Runtime on the --onnx file)")
    Engine engine;

    @Option(names = "--onnx", paramLabel = "FILE",
            description = "with --engine onnx: retrieval_image.onnx or retrieval_text.onnx from beit3 export --onnx")
    Path onnx;

    @Mixin
    ModelOptions model;

    @Mixin
    CommonOptions common;

    EmbedCommand() {}

    /**
     * Runs the command.
     *
     * @return the exit code
     */
    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        return CliErrors.run(err, () -> {
            common.apply(model.checkpoint == null);
            Checks.positive(batch, "--batch");
            if (format == Format.npy && output == null) {
                throw new InvalidInputException("--format npy writes a binary file: add --output FILE.npy");
            }
            if (output != null && output.toAbsolutePath().getParent() != null
                    && !Files.isDirectory(output.toAbsolutePath().getParent())) {
                throw new InvalidInputException("output folder does not exist: " + output.toAbsolutePath().getParent());
            }
            List<String> names = new ArrayList<>();
            List<float[]> rows = new ArrayList<>();
            int code = CliErrors.OK;
            String kind;
            if (engine == Engine.onnx) {
                kind = what.images != null ? "image" : "text";
                OnnxEmbedding.Result r = OnnxEmbedding.run(onnx, what.images,
                        what.images == null ? Inputs.texts(what.texts, what.textsFile) : null, model, common, err, batch,
                        common.threads == null ? 0 : common.threads);
                names = r.names();
                rows = r.rows();
                code = r.code();
            } else if (what.images != null) {
                kind = "image";
                List<Path> files = Inputs.images(what.images);
                try (Beit3 m = model.load("retrieval", "embed", common);
                        Progress p = common.progress(err, "images", files.size())) {
                    Inputs.Outcome<float[]> r = Inputs.run(m, files, batch, p, imgs -> List.of(m.embedImages(imgs)));
                    p.done();
                    for (Inputs.Item<float[]> it : r.items()) {
                        names.add(it.file().toString());
                        rows.add(it.result());
                    }
                    code = Inputs.finish(err, files.size(), r.failures());
                }
            } else {
                kind = "text";
                names = Inputs.texts(what.texts, what.textsFile);
                try (Beit3 m = model.load("retrieval", "embed", common)) {
                    for (int s = 0; s < names.size(); s += batch) {
                        rows.addAll(List.of(m.embedTexts(names.subList(s, Math.min(names.size(), s + batch)))));
                    }
                }
            }
            if (rows.isEmpty()) {
                return code;
            }
            if (format == Format.npy) {
                writeNpy(rows);
                out.println("wrote " + Printable.of(output.toString()) + ": " + rows.size() + " x " + rows.get(0).length + " float32 " + kind
                        + " embeddings (rows in input order" + (code == CliErrors.OK ? "" : ", unreadable images left out")
                        + ")");
            } else if (output != null) {
                try (Writer w = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
                    writeLines(new PrintWriter(w), kind, names, rows);
                }
                out.println("wrote " + Printable.of(output.toString()) + ": " + rows.size() + " " + kind + " embeddings of " + rows.get(0).length
                        + " floats (JSON Lines)");
            } else {
                writeLines(out, kind, names, rows);
            }
            out.flush();
            return code;
        });
    }

    private static void writeLines(PrintWriter w, String kind, List<String> names, List<float[]> rows) {
        for (int i = 0; i < rows.size(); i++) {
            JsonObject o = new JsonObject();
            o.addProperty(kind, names.get(i));
            o.add("embedding", Json.floats(rows.get(i)));
            w.println(Json.line(o));
        }
        w.flush();
    }

    private void writeNpy(List<float[]> rows) throws IOException {
        int d = rows.get(0).length;
        float[] flat = new float[rows.size() * d];
        for (int i = 0; i < rows.size(); i++) {
            System.arraycopy(rows.get(i), 0, flat, i * d, d);
        }
        try (OutputStream o = new BufferedOutputStream(Files.newOutputStream(output))) {
            Npy.writeFloats(o, new long[] {rows.size(), d}, flat);
        }
    }
}
