package dev.beit3.api;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;

/**
 * Turns encoder passes into a task result. A head drives the encoder itself (one pass, two passes,
 * or a decoding loop), so retrieval, NLVR2 and captioning fit the same contract.
 *
 * <p>Implementations are immutable and thread-safe; weights belong to the model's manager.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface TaskHead {
    /**
     * The id of the provider that built the head.
     *
     * @return the id
     */
    String id();

    /**
     * Names of the arrays {@link #forward} returns, in order (e.g. {@code ["logits"]}).
     *
     * @return the names
     */
    List<String> outputNames();

    /**
     * Runs the head.
     *
     * @param encoder the encoder to drive
     * @param input the task input
     * @param scope manager receiving every array of the result
     * @return the outputs, named by {@link #outputNames()}
     * @throws InvalidInputException when the input lacks what the head needs
     */
    NDList forward(Encoder encoder, HeadInput input, NDManager scope);
}
