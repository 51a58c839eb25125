package dev.beit3.model;

import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.NoBatchifyTranslator;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.TextBatch;
import dev.beit3.api.RgbImage;
import java.util.ArrayList;
import java.util.List;

/**
 * DJL {@link Translator}s for a loaded {@link Beit3}, so it also works through DJL's {@code Predictor}
 * (and {@code Criteria} via {@link Beit3ModelZoo}). Preprocessing is the model's own (reference
 * transform and tokenizer), so a Predictor gives the same numbers as the facade.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public final class Beit3Translators {
    private Beit3Translators() {}

    /**
     * Image → classes with softmax probabilities (classification head).
     *
     * @param model the model
     * @return the translator
     */
    public static Translator<Image, Classifications> classification(Beit3 model) {
        return new NoBatchifyTranslator<>() {
            @Override
            public NDList processInput(TranslatorContext ctx, Image input) {
                return images(model, ctx.getNDManager(), input);
            }

            @Override
            public Classifications processOutput(TranslatorContext ctx, NDList list) {
                float[] logits = HeadOutputs.rows(list.get(0))[0];
                Classification c = HeadOutputs.classification(logits, logits.length, model.labels());
                List<String> names = new ArrayList<>(logits.length);
                List<Double> probs = new ArrayList<>(logits.length);
                for (Label l : c.top()) {
                    names.add(l.label());
                    probs.add(l.probability());
                }
                return new Classifications(names, probs);
            }
        };
    }

    /**
     * Image → L2-normalised embedding (retrieval head).
     *
     * @param model the model
     * @return the translator
     */
    public static Translator<Image, float[]> imageEmbedding(Beit3 model) {
        return new NoBatchifyTranslator<>() {
            @Override
            public NDList processInput(TranslatorContext ctx, Image input) {
                return images(model, ctx.getNDManager(), input);
            }

            @Override
            public float[] processOutput(TranslatorContext ctx, NDList list) {
                return HeadOutputs.rows(list.get(0))[0];
            }
        };
    }

    /**
     * Text → L2-normalised embedding (retrieval head).
     *
     * @param model the model
     * @return the translator
     */
    public static Translator<String, float[]> textEmbedding(Beit3 model) {
        return new NoBatchifyTranslator<>() {
            @Override
            public NDList processInput(TranslatorContext ctx, String input) {
                return text(model, ctx.getNDManager(), input, new NDList());
            }

            @Override
            public float[] processOutput(TranslatorContext ctx, NDList list) {
                return HeadOutputs.rows(list.get(1))[0];
            }
        };
    }

    /**
     * Image + question → answer text (VQA head).
     *
     * @param model the model
     * @return the translator
     */
    public static Translator<ImageQuestion, String> vqa(Beit3 model) {
        return new NoBatchifyTranslator<>() {
            @Override
            public NDList processInput(TranslatorContext ctx, ImageQuestion input) {
                return text(model, ctx.getNDManager(), input.question(), images(model, ctx.getNDManager(), input.image()));
            }

            @Override
            public String processOutput(TranslatorContext ctx, NDList list) {
                return HeadOutputs.answer(HeadOutputs.rows(list.get(0))[0], 1, model.labels()).answer();
            }
        };
    }

    /**
     * Image → caption text (captioning head; the model's reference decoding settings).
     *
     * @param model the model
     * @return the translator
     */
    public static Translator<Image, String> caption(Beit3 model) {
        return new NoBatchifyTranslator<>() {
            @Override
            public NDList processInput(TranslatorContext ctx, Image input) {
                return images(model, ctx.getNDManager(), input);
            }

            @Override
            public String processOutput(TranslatorContext ctx, NDList list) {
                long[] ids = list.get(0).get(0).toType(DataType.INT64, false).toLongArray();
                return model.tokenizer().decode(ids);
            }
        };
    }

    /** Converts a DJL image to RGB bytes the way the reference does (alpha dropped) and preprocesses it. */
    static RgbImage rgb(NDManager m, Image image) {
        NDArray hwc = image.toNDArray(m, Image.Flag.COLOR).toType(DataType.UINT8, false); // (H, W, 3)
        if (hwc.getShape().dimension() != 3 || hwc.getShape().get(2) != 3) {
            throw new InvalidInputException("image converts to " + hwc.getShape() + ", expected (H, W, 3)");
        }
        return new RgbImage((int) hwc.getShape().get(1), (int) hwc.getShape().get(0), hwc.toByteArray());
    }

    private static NDList images(Beit3 model, NDManager m, Image image) {
        NDArray batch = model.imagePreprocessor().batch(List.of(rgb(m, image)), model.imageTransform(), m); // (1, 3, S, S)
        batch.setName("images");
        return new NDList(batch);
    }

    private static NDList text(Beit3 model, NDManager m, String text, NDList into) {
        if (model.tokenizer() == null) {
            throw new InvalidInputException("this model has no tokenizer; build it with tokenizer(path)");
        }
        TextBatch b = model.tokenizer().batch(List.of(text), model.maxTextLength());
        NDArray ids = b.toIds(m);
        ids.setName("text_ids");
        NDArray pad = b.toPaddingMask(m);
        pad.setName("padding_mask");
        into.add(ids);
        into.add(pad);
        return into;
    }
}
