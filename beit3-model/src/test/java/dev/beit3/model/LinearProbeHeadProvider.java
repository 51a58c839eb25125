package dev.beit3.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.TaskHead;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.Ops;
import java.util.List;

/** A user's own head, registered only through a test {@code META-INF/services} file: a linear probe on the cls token. */
public final class LinearProbeHeadProvider implements HeadProvider {
    /** Creates it. */
    public LinearProbeHeadProvider() {}

    @Override
    public String id() {
        return "linear-probe";
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long classes = ws.shape("probe.weight").orElseThrow().get(0);
        NDArray w = ws.require("probe.weight", new Shape(classes, spec.encoder().dim()), "linear probe");
        NDArray b = ws.require("probe.bias", new Shape(classes), "linear probe");
        return new TaskHead() {
            @Override
            public String id() {
                return "linear-probe";
            }

            @Override
            public List<String> outputNames() {
                return List.of("logits");
            }

            @Override
            public NDList forward(Encoder encoder, HeadInput input, NDManager scope) {
                NDArray cls = encoder.encode(EncoderInput.vision(input.images()), scope).output().get(":, 0");
                return new NDList(Ops.linear(cls, w, b));
            }
        };
    }
}
