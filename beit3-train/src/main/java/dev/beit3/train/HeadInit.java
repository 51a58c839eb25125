package dev.beit3.train;

import dev.beit3.api.InvalidInputException;
import dev.beit3.core.checkpoint.DType;
import dev.beit3.core.checkpoint.TensorData;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * Starts a task model from another checkpoint, as the reference's {@code load_model_and_may_interpolate}
 * with {@code strict=False} does: the {@code beit3.*} encoder tensors are kept, tensors the task model
 * does not have are dropped (another task's head; the final encoder LayerNorm for the tasks whose
 * official model has {@code normalize_output=False}: image classification and VQA), and the task's head
 * tensors that are missing are created with the reference's initialisation
 * ({@code BEiT3Wrapper._init_weights}: Linear weights truncated normal std 0.02 cut at ±0.02 (the wrapper's
 * {@code trunc_normal_} passes {@code a=-std, b=std}), biases 0, LayerNorm 1 / 0;
 * classification head weights then × 0.001; retrieval {@code logit_scale} = ln(1/0.07)). Head tensors the
 * source already has (a checkpoint of the same task, e.g. when resuming) are kept as they are.
 */
public final class HeadInit {
    private HeadInit() {}

    /**
     * The state dict of a task model started from {@code source}.
     *
     * @param source the source tensors (any BEiT-3 checkpoint)
     * @param task task id ({@code imageclassification}, {@code vqa}, {@code nlvr2}, {@code retrieval},
     *     {@code captioning}, {@code mlm_text}, {@code mlm_image_text}, {@code mim_image})
     * @param numClasses classes / answers for the classification and VQA heads (2 for NLVR2; ignored otherwise)
     * @param visualVocab codebook size of the {@code mim_head} (masked image modeling; ignored otherwise)
     * @param seed seed of the initialisation
     * @return tensors in checkpoint order: encoder first, then the head
     */
    public static Map<String, TensorData> forTask(Map<String, TensorData> source, String task, int numClasses,
            int visualVocab, long seed) {
        TensorData emb = source.get("beit3.text_embed.weight");
        if (emb == null) {
            throw new InvalidInputException("the starting checkpoint has no beit3.text_embed.weight: not a BEiT-3 model");
        }
        int d = (int) emb.shape()[1];
        int vocab = (int) emb.shape()[0];
        TaskKind kind = TaskKind.of(task);
        boolean normalizeOutput = kind.normalizeOutput();
        Map<String, long[]> head = kind.headShapes(d, vocab, numClasses, visualVocab);
        boolean pretrain = kind.pretraining();
        Random rng = new Random(seed);
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (Map.Entry<String, TensorData> e : source.entrySet()) {
            String k = e.getKey();
            boolean finalNorm = k.startsWith("beit3.encoder.layer_norm.");
            if (k.startsWith("beit3.") && (!finalNorm || normalizeOutput)) {
                out.put(k, e.getValue());
            } else if (pretrain && (k.startsWith("mlm_head.") || k.startsWith("mim_head."))) {
                out.put(k, e.getValue()); // a pretraining checkpoint keeps both heads
            }
        }
        if (normalizeOutput && !out.containsKey("beit3.encoder.layer_norm.A.weight")) {
            for (String x : new String[] {"A", "B"}) {
                out.put("beit3.encoder.layer_norm." + x + ".weight", filled("beit3.encoder.layer_norm." + x + ".weight",
                        new long[] {d}, 1f));
                out.put("beit3.encoder.layer_norm." + x + ".bias", filled("beit3.encoder.layer_norm." + x + ".bias",
                        new long[] {d}, 0f));
            }
        }
        for (Map.Entry<String, long[]> e : head.entrySet()) {
            String k = e.getKey();
            TensorData have = source.get(k);
            if (have != null && Arrays.equals(have.shape(), e.getValue())) {
                out.put(k, have);
                continue;
            }
            out.put(k, init(k, e.getValue(), kind, rng));
        }
        return out;
    }

    private static TensorData init(String k, long[] shape, TaskKind kind, Random rng) {
        if (k.equals("logit_scale")) {
            return filled(k, shape, (float) Math.log(1 / 0.07));
        }
        boolean norm = k.contains("norm") || k.startsWith("head.1.");
        if (k.endsWith(".bias")) {
            return filled(k, shape, 0f);
        }
        if (norm) {
            return filled(k, shape, 1f);
        }
        double scale = kind.initScale(k);
        float[] v = ModelInit.truncNormal(rng, shape[0] * (shape.length > 1 ? shape[1] : 1), 0.02);
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (v[i] * scale);
        }
        return floats(k, shape, v);
    }

    private static TensorData filled(String k, long[] shape, float value) {
        int n = 1;
        for (long s : shape) {
            n *= (int) s;
        }
        float[] v = new float[n];
        Arrays.fill(v, value);
        return floats(k, shape, v);
    }

    static TensorData floats(String k, long[] shape, float[] v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return new TensorData(k, DType.FLOAT32, shape, b);
    }
}
