package dev.beit3.cli;

import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImageTransformSpec;
import dev.beit3.api.TextBatch;
import dev.beit3.api.Tokenizer;
import dev.beit3.onnx.OnnxModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code beit3 embed --engine onnx --onnx FILE}: embeddings from an exported tower in ONNX Runtime; images are
 * prepared by the transform its metadata names, texts by the tokenizer ({@code --spm}, else the demo package's).
 */
final class OnnxEmbedding {
    /** Rows in input order, their names, and the exit code. */
    record Result(List<String> names, List<float[]> rows, int code) {}

    private OnnxEmbedding() {}

    static Result run(Path onnx, List<Path> images, List<String> texts, ModelOptions model, CommonOptions common,
            PrintWriter err, int batch, int threads) throws IOException {
        if (onnx == null) {
            throw new InvalidInputException("--engine onnx needs --onnx FILE (a retrieval_image.onnx or retrieval_text.onnx"
                    + " written by beit3 export --onnx)");
        }
        if (model.checkpoint != null) {
            throw new InvalidInputException("--engine onnx runs the --onnx file; leave --checkpoint out");
        }
        try (OnnxModel g = OnnxModel.open(onnx, threads)) {
            Map<String, String> meta = g.metadata();
            String want = images != null ? "image_tower" : "text_tower";
            if (!want.equals(g.graph())) {
                throw new InvalidInputException(onnx + " is a " + (g.graph().isEmpty() ? "graph without beit3 metadata"
                        : g.graph() + " graph") + "; embedding " + (images != null ? "images" : "texts") + " needs the "
                        + want + " (retrieval_" + (images != null ? "image" : "text") + ".onnx)");
            }
            List<String> names = new ArrayList<>();
            List<float[]> rows = new ArrayList<>();
            if (images != null) {
                int size = Integer.parseInt(meta.get("beit3.image_size"));
                String tf = meta.getOrDefault("beit3.image_transform", "vl_eval");
                ImageTransformSpec t = tf.startsWith("imagenet") ? ImageTransformSpec.imagenetEval(size)
                        : ImageTransformSpec.vlEval(size);
                ImagePreprocessor pre = Preprocessors.images();
                List<Path> files = Inputs.images(images);
                List<String> failures = new ArrayList<>();
                List<Path> ok = new ArrayList<>();
                List<float[]> pixels = new ArrayList<>();
                for (Path f : files) {
                    try {
                        pixels.add(pre.toTensor(pre.read(f, common.limits()), t));
                        ok.add(f);
                    } catch (InvalidInputException | IOException e) {
                        String msg = "'" + f + "': " + e.getMessage();
                        failures.add(msg);
                        err.println("beit3: skipped: " + msg);
                    }
                }
                for (int s = 0; s < ok.size(); s += batch) {
                    int n = Math.min(batch, ok.size() - s);
                    float[] px = new float[n * 3 * size * size];
                    for (int i = 0; i < n; i++) {
                        System.arraycopy(pixels.get(s + i), 0, px, i * 3 * size * size, 3 * size * size);
                    }
                    for (float[] r : g.runImages(px, n)) {
                        rows.add(r);
                    }
                }
                ok.forEach(f -> names.add(f.toString()));
                return new Result(names, rows, Inputs.finish(err, files.size(), failures));
            }
            Path spm = model.spm != null ? model.spm : ModelOptions.openPackage(model.models).tokenizer();
            if (!Files.isRegularFile(spm)) {
                throw new InvalidInputException("tokenizer file not found: " + spm + " (--spm)");
            }
            int len = model.maxTextLength != null ? model.maxTextLength
                    : Integer.parseInt(meta.getOrDefault("beit3.max_text_length", "64"));
            try (Tokenizer tok = Preprocessors.tokenizer(spm)) {
                String sha = meta.get("beit3.tokenizer_sha256");
                if (sha != null && !sha.equals(tok.sha256())) {
                    err.println("beit3: warning: " + spm + " is not the tokenizer the graph was exported with (sha256 "
                            + sha + ")");
                }
                for (int s = 0; s < texts.size(); s += batch) {
                    TextBatch b = tok.batch(texts.subList(s, Math.min(texts.size(), s + batch)), len);
                    for (float[] r : g.runTexts(b.ids(), b.paddingMask())) {
                        rows.add(r);
                    }
                }
            }
            names.addAll(texts);
            return new Result(names, rows, CliErrors.OK);
        }
    }
}
