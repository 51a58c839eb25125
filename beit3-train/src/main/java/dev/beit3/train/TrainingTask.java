package dev.beit3.train;

import ai.djl.ndarray.NDArray;

/**
 * A training objective: the loss of one batch, computed differentiably on a {@link Network}.
 * Built-in objectives come from {@link Tasks}.
 */
public interface TrainingTask {
    /**
     * A short name, e.g. {@code "vqa"} or {@code "mlm_text"}.
     *
     * @return the name
     */
    String id();

    /**
     * The task head provider the objective needs.
     *
     * @return a head id, or null when the objective uses the encoder and extra parameters only
     */
    String headId();

    /**
     * Computes the loss (call inside a {@code GradientCollector}).
     *
     * @param net the step's network
     * @param batch the batch (arrays in {@code net.scope()})
     * @param globalStep the optimizer step number (0-based; some losses change with it)
     * @return a 0-d float32 loss in {@code net.scope()}
     */
    NDArray loss(Network net, Batch batch, long globalStep);
}
