package dev.beit3.api;

/**
 * The checkpoint family a model comes from; decides which experts own which parameters.
 *
 * <ul>
 *   <li>{@link #BEIT3}: the released BEiT-3 checkpoints (keys {@code beit3.*}); two experts per layer
 *       ({@code A} = vision, {@code B} = language), each owning a whole attention + FFN bundle.
 *   <li>{@link #VLMO}: VLMo checkpoints (keys {@code transformer.*}); shared attention, per-modality
 *       FFN experts and a vision-language FFN expert in the top layers.
 * </ul>
 */
@Api(status = Api.Status.STABLE)
public enum ModelFamily {
    /** Released BEiT-3 checkpoints. */
    BEIT3("BEiT-3"),
    /** VLMo checkpoints, BEiT-3's precursor with a real vision-language expert. */
    VLMO("VLMo");

    private final String displayName;

    ModelFamily(String displayName) {
        this.displayName = displayName;
    }

    /**
     * Returns the human-readable name, e.g. {@code "BEiT-3"}.
     *
     * @return the name
     */
    public String displayName() {
        return displayName;
    }
}
