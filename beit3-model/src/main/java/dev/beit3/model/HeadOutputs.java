package dev.beit3.model;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The heads' raw outputs as typed results: logits rows to {@link Classification} (softmax), {@link Answer} (sigmoid,
 * VQA is trained with BCE) and {@link Verdict} (softmax over false/true), embeddings to rows. The one place of this
 * math, shared by the facade and {@link Beit3Translators}.
 */
final class HeadOutputs {
    private HeadOutputs() {}

    /**
     * The rows of a (B, D) or (B,) float array.
     *
     * @param a the array
     * @return B rows of D values
     */
    static float[][] rows(NDArray a) {
        long n = a.getShape().get(0);
        long d = a.getShape().dimension() > 1 ? a.getShape().get(1) : 1;
        float[] flat = a.toFloatArray();
        float[][] out = new float[(int) n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, (int) (i * d), (int) ((i + 1) * d));
        }
        return out;
    }

    /**
     * Classification logits: the best {@code k} classes with softmax probabilities.
     *
     * @param logits one row
     * @param k how many classes to report (at least 1)
     * @param labels class names by index (shorter lists name the rest by index)
     * @return the result
     */
    static Classification classification(float[] logits, int k, List<String> labels) {
        return new Classification(top(logits, k, softmax(logits), labels), logits);
    }

    /**
     * VQA logits: the best {@code k} answers with sigmoid probabilities.
     *
     * @param logits one row
     * @param k how many answers to report (at least 1)
     * @param labels answer texts by index
     * @return the result
     */
    static Answer answer(float[] logits, int k, List<String> labels) {
        List<Label> top = top(logits, k, sigmoid(logits), labels);
        return new Answer(top.get(0).label(), top, logits);
    }

    /**
     * NLVR2 logits (false, true): whether the sentence holds and the softmax probability of true.
     *
     * @param logits one row of two
     * @return the verdict
     */
    static Verdict verdict(float[] logits) {
        return new Verdict(logits[1] > logits[0], softmax(logits)[1], logits);
    }

    /**
     * The name of a class index.
     *
     * @param index the logit index
     * @param labels the names
     * @return the label, or the index as text
     */
    static String label(int index, List<String> labels) {
        return index < labels.size() ? labels.get(index) : String.valueOf(index);
    }

    private static List<Label> top(float[] logits, int k, double[] probs, List<String> labels) {
        Integer[] idx = new Integer[logits.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Float.compare(logits[b], logits[a]));
        List<Label> out = new ArrayList<>();
        for (int i = 0; i < Math.min(Math.max(k, 1), idx.length); i++) {
            int c = idx[i];
            out.add(new Label(c, label(c, labels), logits[c], probs[c]));
        }
        return out;
    }

    static double[] softmax(float[] l) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            p[i] = Math.exp(l[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < l.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    static double[] sigmoid(float[] l) {
        double[] p = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            p[i] = 1 / (1 + Math.exp(-l[i]));
        }
        return p;
    }
}
