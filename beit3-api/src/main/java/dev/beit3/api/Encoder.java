package dev.beit3.api;

import ai.djl.ndarray.NDManager;

/**
 * A Multiway encoder: embeddings, L layers routed by a {@link RoutingPlan}, optional final norm.
 *
 * <p>Implementations are thread-safe. Arrays of the result are attached to {@code scope}, which the
 * caller owns and closes.
 */
@Api(status = Api.Status.STABLE)
public interface Encoder {
    /**
     * The configuration.
     *
     * @return the config
     */
    EncoderConfig config();

    /**
     * The routing plan the encoder follows.
     *
     * @return the plan
     */
    RoutingPlan plan();

    /**
     * Runs the encoder.
     *
     * @param input the batch (its arrays may live in any manager)
     * @param scope the manager that receives every array of the result
     * @return the output
     * @throws InvalidInputException on a shape or size that does not fit the configuration
     */
    EncoderOutput encode(EncoderInput input, NDManager scope);
}
