package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.RgbImage;
import dev.beit3.api.TextBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The examples of one batch as a {@link TaskData} builder sees them: the parsed lines, one seeded generator
 * per example (augmentation and masking of example p depend on (seed, p) only) and one per batch (Mixup), and
 * the dataset's decoding: images augmented and normalised, texts tokenized into segments.
 */
final class Examples {
    private final TrainingData data;
    private final List<JsonObject> lines;
    private final List<Random> rngs;
    private final Random batchRng;
    private final NDManager manager;

    Examples(TrainingData data, List<JsonObject> lines, List<Random> rngs, Random batchRng, NDManager manager) {
        this.data = data;
        this.lines = List.copyOf(lines);
        this.rngs = List.copyOf(rngs);
        this.batchRng = batchRng;
        this.manager = manager;
    }

    /** @return the dataset */
    TrainingData data() {
        return data;
    }

    /** @return the dataset's settings */
    TrainingData.Config config() {
        return data.config();
    }

    /** @return B */
    int size() {
        return lines.size();
    }

    /** @return the parsed lines, in batch order */
    List<JsonObject> lines() {
        return lines;
    }

    /**
     * @param i row
     * @return the line of row i
     */
    JsonObject line(int i) {
        return lines.get(i);
    }

    /**
     * @param i row
     * @return the generator of row i's example
     */
    Random rng(int i) {
        return rngs.get(i);
    }

    /** @return the generator of the batch (Mixup / CutMix) */
    Random batchRng() {
        return batchRng;
    }

    /** @return the owner of the batch's arrays */
    NDManager manager() {
        return manager;
    }

    /**
     * The images under a line field, augmented and normalised.
     *
     * @param field the JSON field with the image path
     * @return (B, 3, S, S)
     */
    NDArray images(String field) {
        int s = config().imageSize();
        return manager.create(pixels(field), new Shape(lines.size(), 3, s, s)); // (B, 3, S, S)
    }

    /**
     * The batch's images, augmented and normalised, as one (B, 3, S, S) row-major array.
     *
     * @param field the JSON field with the image path
     * @return the pixels
     */
    float[] pixels(String field) {
        int s = config().imageSize();
        float[] all = new float[lines.size() * 3 * s * s];
        for (int i = 0; i < lines.size(); i++) {
            JsonObject o = lines.get(i);
            if (!o.has(field)) {
                throw new InvalidInputException(config().task() + " line without \"" + field + "\": " + o);
            }
            RgbImage img = config().augmentation().apply(data.image(o.get(field).getAsString()), s, rngs.get(i),
                    data.preprocessor());
            if (config().randAugment() != null) {
                img = config().randAugment().apply(img, rngs.get(i));
            }
            float[] t = data.preprocessor().toTensor(img, data.transform());
            if (t.length != 3 * s * s) {
                throw new InvalidInputException("image " + o.get(field).getAsString() + " does not become " + s + "x"
                        + s);
            }
            System.arraycopy(t, 0, all, i * t.length, t.length);
        }
        return all;
    }

    /**
     * The texts under a line field as segments ({@link TrainingData.Config#textMaxLen()}).
     *
     * @param field the JSON field
     * @return ids and padding mask
     */
    TextBatch segments(String field) {
        List<String> texts = new ArrayList<>();
        for (JsonObject o : lines) {
            if (!o.has(field)) {
                throw new InvalidInputException(config().task() + " line without \"" + field + "\": " + o);
            }
            texts.add(o.get(field).getAsString());
        }
        return data.tokenizer().batch(texts, config().textMaxLen());
    }

    /**
     * Writes the segments of a line field as {@link BatchKey#LANGUAGE_TOKENS} and {@link BatchKey#PADDING_MASK}.
     *
     * @param field the JSON field
     * @param out the batch being built
     * @return the segments
     */
    TextBatch text(String field, Map<BatchKey, NDArray> out) {
        TextBatch tb = segments(field);
        out.put(BatchKey.LANGUAGE_TOKENS, manager.create(tb.ids()));
        out.put(BatchKey.PADDING_MASK, manager.create(tb.paddingMask()));
        return tb;
    }

    /**
     * The field of the first line's text: {@code text}, else {@code caption}.
     *
     * @return the field name
     */
    String textOrCaption() {
        return lines.get(0).has("text") ? "text" : "caption";
    }

    /** Masks each row with its own generator (so a row's masking does not depend on its batch-mates). */
    TokenMasking.Masked maskRows(TokenMasking masking, TextBatch tb) {
        int b = tb.ids().length;
        long[][] in = new long[b][];
        long[][] pos = new long[b][];
        List<Long> targets = new ArrayList<>();
        for (int i = 0; i < b; i++) {
            TokenMasking.Masked r = masking.mask(new long[][] {tb.ids()[i]}, new long[][] {tb.paddingMask()[i]},
                    rngs.get(i));
            in[i] = r.inputIds()[0];
            pos[i] = r.maskedPositions()[0];
            for (long t : r.targets()) {
                targets.add(t);
            }
        }
        return new TokenMasking.Masked(in, pos, targets.stream().mapToLong(Long::longValue).toArray());
    }
}
