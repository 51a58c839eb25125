package dev.beit3.onnx;

import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.api.ImageTransformSpec;
import dev.beit3.api.SpecialTokens;
import dev.beit3.api.Tokenizer;
import dev.beit3.model.Beit3;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Writes a loaded BEiT-3 model as self-contained ONNX models (opset 17, dynamic batch; text length dynamic
 * too), built by this library from the checkpoint's weights — no Python involved.
 *
 * <ul>
 *   <li>retrieval: {@code retrieval_image.onnx} ({@code pixel_values} (batch, 3, S, S) float32 →
 *       {@code image_embedding} (batch, E), L2-normalised) and {@code retrieval_text.onnx}
 *       ({@code input_ids}, {@code padding_mask} (batch, sequence) int64 → {@code text_embedding} (batch, E));
 *   <li>image classification: {@code imageclassification.onnx} ({@code pixel_values} → {@code logits} (batch, C)).
 * </ul>
 *
 * With {@link Options#int8()} the encoder's linear layers are quantized ({@code *.int8.onnx}: int8 weights with
 * one scale per output channel, activations quantized per call by {@code DynamicQuantizeLinear},
 * {@code MatMulInteger}). Every file carries {@code metadata_props}: family, head, graph, image size,
 * normalisation, tokenizer conventions, the checkpoint's sha256. Models whose initializers exceed
 * {@link Options#externalDataThreshold()} bytes keep them in {@code FILE.onnx.data} next to the graph (the
 * ONNX external-data layout; protobuf files cannot exceed 2 GB).
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class OnnxExport {
    /** The ONNX opset the graphs use (LayerNormalization needs 17). */
    public static final int OPSET = 17;
    /** The ONNX IR version matching {@link #OPSET}. */
    public static final int IR_VERSION = 8;
    /** The heads that can be exported. */
    public static final List<String> HEADS = List.of("retrieval", "imageclassification", "vqa", "nlvr2");

    private OnnxExport() {}

    /**
     * Export settings.
     *
     * @param int8 also write the int8 variant of every graph
     * @param externalDataThreshold initializer bytes above which the weights go to an external data file
     */
    public record Options(boolean int8, long externalDataThreshold) {
        /** Float32 graphs, external data above 1.8 GB. */
        public static final Options DEFAULT = new Options(false, 1_800_000_000L);

        /**
         * Validates the settings.
         *
         * @throws IllegalArgumentException if the threshold is negative
         */
        public Options {
            if (externalDataThreshold < 0) {
                throw new IllegalArgumentException("externalDataThreshold must be >= 0, got " + externalDataThreshold);
            }
        }

        /**
         * The same settings with or without the int8 variant.
         *
         * @param on whether to write int8 graphs too
         * @return new options
         */
        public Options withInt8(boolean on) {
            return new Options(on, externalDataThreshold);
        }
    }

    /**
     * One written graph.
     *
     * @param graph {@code image_tower}, {@code text_tower} or {@code classification}
     * @param precision {@code fp32} or {@code int8}
     * @param file the {@code .onnx} file
     * @param externalData the external data file, or null when the weights are inside
     * @param bytes size of the graph file plus its external data
     */
    public record Exported(String graph, String precision, Path file, Path externalData, long bytes) {}

    /**
     * Writes the graphs of {@code model}'s head into {@code dir} (created if missing; existing files of the same
     * names are replaced).
     *
     * @param model a loaded model whose head is one of {@link #HEADS}
     * @param dir the output folder
     * @param options what to write
     * @return the written files, fp32 first
     * @throws InvalidInputException if the head cannot be exported
     * @throws IOException if a file cannot be written or the checkpoint re-read
     */
    public static List<Exported> export(Beit3 model, Path dir, Options options) throws IOException {
        String head = model.headId();
        if (!HEADS.contains(head)) {
            throw new InvalidInputException("the " + head + " head cannot be exported to ONNX yet; exportable heads: "
                    + HEADS + " (VQA, NLVR2 and captioning are not done)");
        }
        Checkpoint checkpoint = Checkpoint.open(Path.of(model.provenance().checkpoint()));
        if (!checkpoint.sha256().equals(model.provenance().checkpointSha256())) {
            throw new CheckpointException(checkpoint.source() + " changed since the model was loaded (sha256 "
                    + checkpoint.sha256() + ", loaded " + model.provenance().checkpointSha256() + "); reload it");
        }
        Files.createDirectories(dir);
        List<Exported> out = new ArrayList<>();
        for (boolean int8 : options.int8() ? new boolean[] {false, true} : new boolean[] {false}) {
            Beit3Graphs graphs = new Beit3Graphs(checkpoint, model.config(), int8);
            String suffix = int8 ? ".int8.onnx" : ".onnx";
            if (head.equals("retrieval")) {
                GraphBuilder img = new GraphBuilder("beit3_retrieval_image_tower");
                graphs.imageTower(img);
                out.add(write(img, "image_tower", int8, model, dir.resolve("retrieval_image" + suffix), options));
                GraphBuilder txt = new GraphBuilder("beit3_retrieval_text_tower");
                graphs.textTower(txt);
                out.add(write(txt, "text_tower", int8, model, dir.resolve("retrieval_text" + suffix), options));
            } else if (head.equals("imageclassification")) {
                GraphBuilder cls = new GraphBuilder("beit3_imageclassification");
                graphs.classifier(cls);
                out.add(write(cls, "classification", int8, model, dir.resolve("imageclassification" + suffix), options));
            } else if (head.equals("vqa")) {
                GraphBuilder vqa = new GraphBuilder("beit3_vqa");
                graphs.vqa(vqa);
                out.add(write(vqa, "vqa", int8, model, dir.resolve("vqa" + suffix), options));
            } else {
                GraphBuilder nlvr2 = new GraphBuilder("beit3_nlvr2");
                graphs.nlvr2(nlvr2);
                out.add(write(nlvr2, "nlvr2", int8, model, dir.resolve("nlvr2" + suffix), options));
            }
        }
        return out;
    }

    private static Exported write(GraphBuilder g, String graph, boolean int8, Beit3 model, Path file, Options options)
            throws IOException {
        Map<String, String> meta = metadata(model, graph, int8);
        Path data = OnnxFiles.write(g, meta, file, g.initializerBytes() > options.externalDataThreshold());
        long bytes = Files.size(file) + (data == null ? 0 : Files.size(data));
        return new Exported(graph, int8 ? "int8" : "fp32", file, data, bytes);
    }

    /** The metadata_props of a graph: what a consumer needs to feed it without this library. */
    static Map<String, String> metadata(Beit3 model, String graph, boolean int8) {
        Map<String, String> m = new LinkedHashMap<>();
        var cfg = model.config();
        m.put("beit3.family", "beit3");
        m.put("beit3.head", model.headId());
        m.put("beit3.graph", graph);
        m.put("beit3.precision", int8 ? "int8 (dynamic: int8 per-channel weights, uint8 activations per call)" : "fp32");
        m.put("beit3.config", cfg.summary());
        m.put("beit3.checkpoint", Path.of(model.provenance().checkpoint()).getFileName().toString());
        m.put("beit3.checkpoint_sha256", model.provenance().checkpointSha256());
        m.put("beit3.library_version", model.provenance().libraryVersion());
        boolean images = !graph.equals("text_tower");
        boolean texts = !graph.equals("image_tower") && !graph.equals("classification");
        if (images) {
            ImageTransformSpec t = model.imageTransform();
            m.put("beit3.image_size", Integer.toString(cfg.imageSize()));
            m.put("beit3.patch_size", Integer.toString(cfg.patchSize()));
            m.put("beit3.image_transform", t.toString() + (t.kind().name().equals("VL_EVAL")
                    ? " (resize to S×S, PIL bicubic, no crop)"
                    : " (resize shorter side to S, PIL bicubic, center crop S×S)"));
            m.put("beit3.image_mean", join(t.mean()));
            m.put("beit3.image_std", join(t.std()));
            m.put("beit3.pixel_values", "float32 (batch, 3, S, S), RGB channel-first, (uint8/255 - mean) / std");
        }
        if (texts) {
            m.put("beit3.max_text_length", Integer.toString(model.maxTextLength()));
            m.put("beit3.vocab_size", Integer.toString(cfg.vocabSize()));
            SpecialTokens ids = model.specialTokens();
            m.put("beit3.tokenizer", "SentencePiece with XLM-R ids: <s>=" + ids.bos() + " <pad>="
                    + ids.pad() + " </s>=" + ids.eos() + " <unk>=" + ids.unknown()
                    + ", other piece = spm id + 1, <mask> = pieces + 1");
            m.put("beit3.text_segment", "[0] + ids[:L-2] + [2], right-padded with 1 to L; padding_mask 1 = padding,"
                    + " 0 = real token (BOS/EOS included); the length may vary per call");
            Tokenizer tok = model.tokenizer();
            if (tok != null) {
                m.put("beit3.tokenizer_file", Path.of(tok.name()).getFileName().toString());
                m.put("beit3.tokenizer_sha256", tok.sha256());
                m.put("beit3.mask_id", Integer.toString(tok.maskId()));
            }
        }
        if (!graph.endsWith("_tower") && !model.labels().isEmpty()) {
            m.put("beit3.labels", model.labels().stream().map(l -> "\"" + l.replace("\\", "\\\\").replace("\"", "\\\"")
                    + "\"").collect(Collectors.joining(",", "[", "]")));
        }
        return m;
    }

    private static String join(float[] v) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < v.length; i++) {
            sb.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%s", v[i]));
        }
        return sb.toString();
    }

    static String describe(Exported e) {
        return String.format(Locale.ROOT, "%s %s %s (%,d bytes%s)", e.graph(), e.precision(), e.file().getFileName(),
                e.bytes(), e.externalData() == null ? "" : ", weights in " + e.externalData().getFileName());
    }

    static String dims(long[] d) {
        return Arrays.toString(d);
    }
}
