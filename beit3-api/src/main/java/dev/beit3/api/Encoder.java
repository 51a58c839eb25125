package dev.beit3.api;

import ai.djl.ndarray.NDManager;
import java.util.Optional;
import java.util.Set;

/**
 * A Multiway encoder: embeddings, L layers routed by a {@link RoutingPlan}, optional final norm.
 *
 * <p>Implementations are thread-safe. Arrays of the result are attached to {@code scope}, which the
 * caller owns and closes.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
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

    /**
     * The names of the extra branch passes this encoder carries (see {@link FamilyProvider#branches}).
     *
     * @return the names; empty by default
     */
    default Set<String> branchNames() {
        return Set.of();
    }

    /**
     * Re-runs the top layers of a finished pass along a branch (e.g. VLMo's {@code "vl"} pass), with the same
     * key padding and per-layer attention bias as the pass.
     *
     * @param name a name of {@link #branchNames()}
     * @param main a pass of this encoder run with {@link EncoderInput#withAllHiddenStates(boolean) all hidden
     *     states}
     * @param scope the manager that receives every array of the result
     * @return output = the branch's final output (B, Ttot, D); hiddenStates = the outputs of the re-run layers
     * @throws IllegalArgumentException for an unknown branch or a pass without hidden states
     */
    default EncoderOutput runBranch(String name, EncoderOutput main, NDManager scope) {
        throw new IllegalArgumentException("this encoder has no branch '" + name + "'; branches: " + branchNames());
    }

    /**
     * Opens an incremental decoding (a key/value cache over a growing image + text sequence), when this
     * encoder supports one.
     *
     * @param owner manager the session's own sub-manager is created under
     * @return the session, or empty when this encoder (or its family's token order) cannot decode
     *     incrementally; callers then re-encode the whole sequence at every step
     */
    default Optional<DecodingSession> startDecoding(NDManager owner) {
        return Optional.empty();
    }
}
