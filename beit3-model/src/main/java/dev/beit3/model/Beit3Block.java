package dev.beit3.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.beit3.api.HeadInput;
import dev.beit3.api.InvalidInputException;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Map;

/**
 * A loaded {@link Beit3} as a DJL {@link ai.djl.nn.Block}, so it runs through DJL's {@code Predictor}.
 * Inputs are identified by name: {@code images} (B, 3, S, S), {@code second_images}, {@code text_ids}
 * (B, T), {@code padding_mask} (B, T); outputs are the head's, named by the head. Inference only: the
 * block has no trainable DJL parameters (the weights live in the model).
 */
final class Beit3Block extends AbstractBlock {
    private final Beit3 model;
    private final Map<String, String> options;

    Beit3Block(Beit3 model, Map<String, String> options) {
        this.model = model;
        this.options = Map.copyOf(options);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training,
            PairList<String, Object> params) {
        if (training) {
            throw new UnsupportedOperationException("the BEiT-3 DJL block is inference only; see beit3-train");
        }
        NDArray images = named(inputs, "images");
        NDArray second = named(inputs, "second_images");
        NDArray ids = named(inputs, "text_ids");
        NDArray pad = named(inputs, "padding_mask");
        if (images == null && ids == null) {
            throw new InvalidInputException("the BEiT-3 block needs an NDArray named images or text_ids; got "
                    + inputs.getShapes().length + " unnamed arrays");
        }
        NDList out = model.forwardInScope(HeadInput.builder().images(images).secondImages(second).text(ids, pad)
                .options(options).build(), inputs.head().getManager());
        for (int i = 0; i < out.size(); i++) {
            out.get(i).setName(model.headOutputNames().get(i));
        }
        return out;
    }

    private static NDArray named(NDList list, String name) {
        for (NDArray a : list) {
            if (name.equals(a.getName())) {
                return name.equals("text_ids") || name.equals("padding_mask") ? a.toType(DataType.INT64, false) : a;
            }
        }
        return null;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException("output shapes depend on the head; run the block instead");
    }

    @Override
    public void loadParameters(ai.djl.ndarray.NDManager manager, DataInputStream is) {
        throw new UnsupportedOperationException("weights come from the BEiT-3 checkpoint, not DJL parameter files");
    }

    @Override
    public void saveParameters(DataOutputStream os) {
        throw new UnsupportedOperationException("save the BEiT-3 checkpoint instead (beit3 convert)");
    }
}
