package dev.beit3.api;

import java.util.List;

/**
 * SPI: what the Multiway encoder does differently for one {@link ModelFamily}, so the encoder itself holds no
 * family test. Found by {@link java.util.ServiceLoader} ({@code META-INF/services/dev.beit3.api.FamilyProvider});
 * the BEiT-3 family's provider ships in {@code beit3-core}, VLMo's in {@code beit3-vlmo}.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public interface FamilyProvider {
    /** Where the text goes in a fused image + text sequence. */
    enum TokenOrder {
        /** {@code [image tokens, text tokens]} (BEiT-3). */
        IMAGE_FIRST,
        /** {@code [text tokens, image tokens]} (VLMo). */
        TEXT_FIRST
    }

    /**
     * A named extra pass that re-runs the top layers of a finished single-modality pass along another routing
     * plan (VLMo's "VL" features: layers s…L−1 again with the vision-language FFN for every token).
     *
     * @param name the branch name, e.g. {@code "vl"}
     * @param plan the routing plan the branch follows (only its layers from {@code fromLayer} are used)
     * @param fromLayer first layer the branch re-runs, 0…L−1
     */
    record BranchPass(String name, RoutingPlan plan, int fromLayer) {
        /** Validates. */
        public BranchPass {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("a branch pass needs a name");
            }
            if (plan == null) {
                throw new IllegalArgumentException("branch pass '" + name + "' needs a routing plan");
            }
            if (fromLayer < 0 || fromLayer >= plan.layers()) {
                throw new IllegalArgumentException("branch pass '" + name + "' starts at layer " + fromLayer
                        + ", outside 0.." + (plan.layers() - 1));
            }
        }
    }

    /**
     * The family served.
     *
     * @return the family
     */
    ModelFamily family();

    /**
     * Where the text goes in a fused sequence.
     *
     * @return the order
     */
    TokenOrder tokenOrder();

    /**
     * Whether the rows of padded text tokens are zeroed after the embeddings (BEiT-3); otherwise they are
     * computed like any other and only masked as keys (VLMo).
     *
     * @return true to zero them
     */
    boolean zeroPaddedRows();

    /**
     * Rows of the text position table that no text token reads (BEiT-3: 2, text positions start at row 2;
     * VLMo: 0): a text may hold at most {@code maxTextPositions − reservedTextPositions()} tokens.
     *
     * @return the reserved rows, ≥ 0
     */
    int reservedTextPositions();

    /**
     * The routing plan of the family's released checkpoints.
     *
     * @param config the configuration
     * @return the plan
     */
    RoutingPlan defaultPlan(EncoderConfig config);

    /**
     * The extra branch passes a model of this configuration carries (none by default).
     *
     * @param config the configuration
     * @return the passes, each built at load next to the main experts
     */
    default List<BranchPass> branches(EncoderConfig config) {
        return List.of();
    }

    /**
     * The most text tokens one sequence of this configuration may hold.
     *
     * @param config the configuration
     * @return {@code maxTextPositions − reservedTextPositions()}
     */
    default int textLimit(EncoderConfig config) {
        return config.maxTextPositions() - reservedTextPositions();
    }
}
