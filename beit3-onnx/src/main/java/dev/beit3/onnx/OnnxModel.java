package dev.beit3.onnx;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * An exported BEiT-3 graph opened in ONNX Runtime (CPU, from the Maven jar's bundled native library; nothing is
 * downloaded). Thread-safe: ONNX Runtime sessions run concurrent calls.
 *
 * <pre>{@code
 * try (OnnxModel image = OnnxModel.open(Path.of("onnx/retrieval_image.onnx"), 0)) {
 *     float[][] e = image.runImages(pixels, batch);    // (batch, E), L2-normalised
 * }
 * }</pre>
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class OnnxModel implements AutoCloseable {
    private final OrtEnvironment env;
    private final OrtSession session;
    private final Map<String, String> metadata;
    private final Path file;

    private OnnxModel(Path file, OrtEnvironment env, OrtSession session, Map<String, String> metadata) {
        this.file = file;
        this.env = env;
        this.session = session;
        this.metadata = metadata;
    }

    /**
     * Opens a graph written by {@link OnnxExport}.
     *
     * @param file the {@code .onnx} file (external data, if any, next to it)
     * @param threads intra-op threads, 0 for ONNX Runtime's default (all cores)
     * @return the model
     * @throws NoSuchFileException if the file does not exist
     * @throws InvalidInputException if ONNX Runtime refuses the file
     */
    public static OnnxModel open(Path file, int threads) throws NoSuchFileException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "ONNX model not found");
        }
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
                if (threads > 0) {
                    o.setIntraOpNumThreads(threads);
                    o.setInterOpNumThreads(1);
                }
                o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                OrtSession s = env.createSession(file.toAbsolutePath().toString(), o);
                return new OnnxModel(file, env, s, s.getMetadata().getCustomMetadata());
            }
        } catch (OrtException e) {
            throw new InvalidInputException("ONNX Runtime cannot load " + file + ": " + e.getMessage()
                    + " (is it an ONNX model written by beit3 export --onnx?)", e);
        }
    }

    /**
     * The file's {@code metadata_props} (keys {@code beit3.*}).
     *
     * @return an unmodifiable map
     */
    public Map<String, String> metadata() {
        return Map.copyOf(metadata);
    }

    /**
     * Which graph this is.
     *
     * @return {@code image_tower}, {@code text_tower} or {@code classification}
     */
    public String graph() {
        return metadata.getOrDefault("beit3.graph", "");
    }

    /**
     * Runs a graph with a {@code pixel_values} input (image tower or classifier).
     *
     * @param pixels (batch, 3, S, S) row-major
     * @param batch the batch size
     * @return the output rows: embeddings or logits
     */
    public float[][] runImages(float[] pixels, int batch) {
        int s = Integer.parseInt(metadata.getOrDefault("beit3.image_size", "0"));
        if (batch <= 0 || pixels.length != (long) batch * 3 * s * s) {
            throw new InvalidInputException(file.getFileName() + " takes (batch, 3, " + s + ", " + s
                    + ") pixels; got " + pixels.length + " values for batch " + batch);
        }
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), new long[] {batch, 3, s, s})) {
            return run(Map.of("pixel_values", x));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs the text tower.
     *
     * @param ids (batch, T) token ids
     * @param paddingMask (batch, T), 1 = padding
     * @return (batch, E) embeddings
     */
    public float[][] runTexts(long[][] ids, long[][] paddingMask) {
        int b = ids.length;
        int t = b == 0 ? 0 : ids[0].length;
        long[] flatIds = new long[b * t];
        long[] flatMask = new long[b * t];
        for (int i = 0; i < b; i++) {
            if (ids[i].length != t || paddingMask[i].length != t) {
                throw new InvalidInputException("every row of ids and padding mask must have length " + t);
            }
            System.arraycopy(ids[i], 0, flatIds, i * t, t);
            System.arraycopy(paddingMask[i], 0, flatMask, i * t, t);
        }
        try (OnnxTensor x = OnnxTensor.createTensor(env, LongBuffer.wrap(flatIds), new long[] {b, t});
                OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(flatMask), new long[] {b, t})) {
            return run(Map.of("input_ids", x, "padding_mask", m));
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Runs a fused graph: VQA ({@code pixels} only) or NLVR2 ({@code pixels} and {@code secondPixels}).
     *
     * @param pixels (batch, 3, S, S)
     * @param secondPixels the second images of NLVR2's pairs, or null
     * @param ids (batch, T) token ids
     * @param paddingMask (batch, T), 1 = padding
     * @return (batch, classes) logits
     */
    public float[][] runImageText(float[] pixels, float[] secondPixels, long[][] ids, long[][] paddingMask) {
        int b = ids.length;
        int t = b == 0 ? 0 : ids[0].length;
        int s = Integer.parseInt(metadata.getOrDefault("beit3.image_size", "0"));
        long[] shape = {b, 3, s, s};
        try (OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(pixels), shape);
                OnnxTensor x2 = secondPixels == null ? null
                        : OnnxTensor.createTensor(env, FloatBuffer.wrap(secondPixels), shape);
                OnnxTensor i = OnnxTensor.createTensor(env, LongBuffer.wrap(flat(ids, t)), new long[] {b, t});
                OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(flat(paddingMask, t)), new long[] {b, t})) {
            Map<String, OnnxTensor> in = new java.util.HashMap<>(Map.of("input_ids", i, "padding_mask", m));
            if (x2 == null) {
                in.put("pixel_values", x);
            } else {
                in.put("pixel_values_a", x);
                in.put("pixel_values_b", x2);
            }
            return run(in);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + file + ": " + e.getMessage(), e);
        }
    }

    private static long[] flat(long[][] rows, int t) {
        long[] f = new long[rows.length * t];
        for (int i = 0; i < rows.length; i++) {
            if (rows[i].length != t) {
                throw new InvalidInputException("every row of ids and padding mask must have length " + t);
            }
            System.arraycopy(rows[i], 0, f, i * t, t);
        }
        return f;
    }

    private float[][] run(Map<String, OnnxTensor> inputs) throws OrtException {
        try (OrtSession.Result r = session.run(inputs)) {
            return (float[][]) r.get(0).getValue();
        }
    }

    /** Closes the session. */
    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "OnnxModel[" + file.getFileName() + ", " + graph() + "]";
    }
}
