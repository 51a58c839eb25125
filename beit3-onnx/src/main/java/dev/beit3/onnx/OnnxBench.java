package dev.beit3.onnx;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.HeadInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Throughput of a retrieval model's towers in this library's engine (DJL / libtorch) and in ONNX Runtime, fp32 and
 * int8, measured in one process with the runs of the engines interleaved (round robin), so that a busy machine
 * disturbs all of them alike: compare the ratios, not the absolute numbers. Inputs are seeded random pixels and
 * token ids; the outputs of every engine are compared with ours (max abs difference, minimum cosine).
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class OnnxBench {
    private OnnxBench() {}

    /**
     * Settings.
     *
     * @param batch inputs per call
     * @param textLength tokens per text
     * @param runs timed runs per engine
     * @param warmup untimed runs first
     * @param threads ONNX Runtime intra-op threads (0: its default); set DJL's with {@code ai.djl.pytorch.num_threads}
     */
    public record Settings(int batch, int textLength, int runs, int warmup, int threads) {
        /**
         * Validates.
         *
         * @throws InvalidInputException for a non-positive batch, length or run count
         */
        public Settings {
            if (batch < 1 || textLength < 3 || runs < 1 || warmup < 0 || threads < 0) {
                throw new InvalidInputException("bench settings: batch >= 1, text length >= 3, runs >= 1, warmup >= 0,"
                        + " threads >= 0; got " + batch + ", " + textLength + ", " + runs + ", " + warmup + ", " + threads);
            }
        }
    }

    /**
     * One engine on one workload.
     *
     * @param workload e.g. {@code image 224 x8}
     * @param engine {@code beit3-java (DJL)}, {@code onnxruntime fp32}, {@code onnxruntime int8}
     * @param items inputs per call
     * @param minSeconds fastest call
     * @param medianSeconds median call
     * @param maxAbsDiff largest difference of its outputs to ours
     * @param minCosine smallest cosine of its embeddings to ours
     */
    public record Result(String workload, String engine, int items, double minSeconds, double medianSeconds,
            double maxAbsDiff, double minCosine) {
        /**
         * Items per second of the median call.
         *
         * @return the rate
         */
        public double medianRate() {
            return items / medianSeconds;
        }

        /**
         * Items per second of the fastest call.
         *
         * @return the rate
         */
        public double bestRate() {
            return items / minSeconds;
        }
    }

    /**
     * Benchmarks the image and text towers.
     *
     * @param model a retrieval model
     * @param onnxDir where {@link OnnxExport} wrote its graphs (fp32, and int8 if present)
     * @param s settings
     * @return results: per workload, ours first
     * @throws NoSuchFileException if the fp32 graphs are missing
     */
    public static List<Result> run(Beit3 model, Path onnxDir, Settings s) throws NoSuchFileException {
        if (!model.headId().equals("retrieval")) {
            throw new InvalidInputException("the ONNX bench runs a retrieval model's towers; got the " + model.headId()
                    + " head");
        }
        int size = model.config().imageSize();
        SplittableRandom rnd = new SplittableRandom(7);
        float[] pixels = new float[s.batch() * 3 * size * size];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) (rnd.nextDouble() * 2 - 1);
        }
        long[][] ids = new long[s.batch()][s.textLength()];
        long[][] mask = new long[s.batch()][s.textLength()];
        for (long[] row : ids) {
            for (int j = 0; j < row.length; j++) {
                row[j] = j == 0 ? 0 : j == row.length - 1 ? 2 : 4 + rnd.nextInt(model.config().vocabSize() - 4);
            }
        }
        List<Result> out = new ArrayList<>();
        List<String> precisions = new ArrayList<>(List.of(""));
        if (java.nio.file.Files.isRegularFile(onnxDir.resolve("retrieval_image.int8.onnx"))) {
            precisions.add(".int8");
        }
        for (String tower : new String[] {"image", "text"}) {
            List<String> names = new ArrayList<>(List.of("beit3-java (DJL)"));
            List<Supplier<float[][]>> calls = new ArrayList<>();
            List<OnnxModel> open = new ArrayList<>();
            try {
                if (tower.equals("image")) {
                    calls.add(() -> rows(model.run(m -> HeadInput.ofImages(m.create(pixels, new Shape(s.batch(), 3,
                            size, size)))), 0, s.batch()));
                } else {
                    calls.add(() -> rows(model.run(m -> HeadInput.ofText(longs(m, ids), longs(m, mask))), 1,
                            s.batch()));
                }
                for (String p : precisions) {
                    OnnxModel g = OnnxModel.open(onnxDir.resolve("retrieval_" + tower + p + ".onnx"), s.threads());
                    open.add(g);
                    names.add("onnxruntime " + (p.isEmpty() ? "fp32" : "int8"));
                    calls.add(tower.equals("image") ? () -> g.runImages(pixels, s.batch()) : () -> g.runTexts(ids, mask));
                }
                String workload = tower.equals("image") ? "image " + size + " px x" + s.batch()
                        : "text " + s.textLength() + " tokens x" + s.batch();
                out.addAll(measure(workload, names, calls, s));
            } finally {
                open.forEach(OnnxModel::close);
            }
        }
        return out;
    }

    private static ai.djl.ndarray.NDArray longs(NDManager m, long[][] v) {
        long[] flat = Arrays.stream(v).flatMapToLong(Arrays::stream).toArray();
        return m.create(flat, new Shape(v.length, v[0].length));
    }

    /** The head's output {@code index} (by position) as rows. */
    private static float[][] rows(Map<String, float[]> outputs, int index, int batch) {
        float[] flat = new ArrayList<>(outputs.values()).get(index);
        int w = flat.length / batch;
        float[][] r = new float[batch][w];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(flat, i * w, r[i], 0, w);
        }
        return r;
    }

    private static List<Result> measure(String workload, List<String> names, List<Supplier<float[][]>> calls, Settings s) {
        int n = calls.size();
        float[][][] outputs = new float[n][][];
        for (int w = 0; w < s.warmup(); w++) {
            for (int e = 0; e < n; e++) {
                outputs[e] = calls.get(e).get();
            }
        }
        double[][] times = new double[n][s.runs()];
        for (int r = 0; r < s.runs(); r++) {
            for (int e = 0; e < n; e++) {
                long t0 = System.nanoTime();
                outputs[e] = calls.get(e).get();
                times[e][r] = (System.nanoTime() - t0) / 1e9;
            }
        }
        List<Result> out = new ArrayList<>();
        for (int e = 0; e < n; e++) {
            double[] t = times[e].clone();
            Arrays.sort(t);
            double median = t.length % 2 == 1 ? t[t.length / 2] : (t[t.length / 2 - 1] + t[t.length / 2]) / 2;
            double diff = 0;
            double cos = 1;
            for (int i = 0; i < outputs[0].length; i++) {
                double dot = 0;
                double na = 0;
                double nb = 0;
                for (int j = 0; j < outputs[0][i].length; j++) {
                    diff = Math.max(diff, Math.abs(outputs[e][i][j] - outputs[0][i][j]));
                    dot += (double) outputs[e][i][j] * outputs[0][i][j];
                    na += (double) outputs[e][i][j] * outputs[e][i][j];
                    nb += (double) outputs[0][i][j] * outputs[0][i][j];
                }
                cos = Math.min(cos, dot / Math.sqrt(na * nb));
            }
            out.add(new Result(workload, names.get(e), outputs[e].length, t[0], median, diff, cos));
        }
        return out;
    }
}
