package dev.beit3.api;

import java.util.Set;

/**
 * SPI: builds experts of one kind. Found by {@link java.util.ServiceLoader} (register the class in
 * {@code META-INF/services/dev.beit3.api.ExpertProvider}) or bound through a Guice {@code MapBinder}.
 *
 * <p>Only {@link #id()}, {@link #modality()} and {@link #create} are required; the rest have
 * defaults, so new extension points can be added without breaking providers. A provider sees an
 * {@link ExpertSpec} and a {@link WeightSource} positioned at the layer's key prefix, never the model.
 *
 * <p>Example: a LoRA-adapted FFN is a provider with a new id whose {@code create} reads the base FFN
 * and the adapter tensors; a routing plan that names that id uses it with no change to the core.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface ExpertProvider {
    /**
     * Unique id, e.g. {@code "beit3-vision"}; referenced by routing plans.
     *
     * @return the id
     */
    String id();

    /**
     * The tokens the experts of this provider serve.
     *
     * @return the modality
     */
    Modality modality();

    /**
     * The checkpoint family whose layout {@link #create} reads.
     *
     * @return the family
     */
    default ModelFamily family() {
        return ModelFamily.BEIT3;
    }

    /**
     * The slots this provider can serve.
     *
     * @return the slots
     */
    default Set<LayerSlot> slots() {
        return Set.of(LayerSlot.ATTENTION, LayerSlot.FFN, LayerSlot.FINAL_NORM);
    }

    /**
     * One-line human description for listings.
     *
     * @return the description
     */
    default String description() {
        return id() + " (" + modality() + ")";
    }

    /**
     * Builds the expert for one slot of one layer.
     *
     * @param spec what to build; {@code spec.slot()} decides which expert interface the result implements
     * @param weights the checkpoint seen at the encoder's key prefix (e.g. {@code "beit3.encoder."})
     * @return an {@link AttentionExpert}, {@link FeedForwardExpert} or {@link OutputNormExpert}
     */
    Expert create(ExpertSpec spec, WeightSource weights);
}
