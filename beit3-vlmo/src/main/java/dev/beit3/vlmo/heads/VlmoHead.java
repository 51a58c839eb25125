package dev.beit3.vlmo.heads;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.Encoder;
import dev.beit3.api.HeadInput;
import dev.beit3.api.TaskHead;
import java.util.List;

/** A VLMo {@link TaskHead}: its id and output names given once; {@link #forward} refuses other families. */
abstract class VlmoHead implements TaskHead {
    private final String id;
    private final List<String> outputNames;

    VlmoHead(String id, String... outputNames) {
        this.id = id;
        this.outputNames = List.of(outputNames);
    }

    @Override
    public final String id() {
        return id;
    }

    @Override
    public final List<String> outputNames() {
        return outputNames;
    }

    @Override
    public final NDList forward(Encoder encoder, HeadInput input, NDManager scope) {
        VlmoHeadSupport.requireVlmo(encoder, id);
        return run(encoder, input, scope);
    }

    /** The head's computation on an encoder of the VLMo family; outputs in the order of {@link #outputNames}. */
    abstract NDList run(Encoder encoder, HeadInput input, NDManager scope);
}
