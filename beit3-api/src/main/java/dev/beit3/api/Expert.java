package dev.beit3.api;

/**
 * The parameters serving the tokens of one modality in one slot of one layer.
 *
 * <p>An expert implements exactly one of the slot interfaces: {@link AttentionExpert}, {@link
 * FeedForwardExpert} or {@link OutputNormExpert}. Experts are immutable after construction and safe
 * to call from several threads; their weights belong to the model's manager.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface Expert {
    /**
     * The spec the expert was built from.
     *
     * @return the spec
     */
    ExpertSpec spec();
}
