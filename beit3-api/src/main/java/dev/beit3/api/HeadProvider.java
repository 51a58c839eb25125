package dev.beit3.api;

import java.util.Set;

/**
 * SPI: builds task heads of one kind. Found by {@link java.util.ServiceLoader} (register in
 * {@code META-INF/services/dev.beit3.api.HeadProvider}) or bound through a Guice {@code MapBinder}.
 *
 * <p>Only {@link #id()} and {@link #create} are required. A user's own head (say a linear probe)
 * is a provider with a new id; models built with that id use it with no change to the library.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public interface HeadProvider {
    /**
     * Unique id, e.g. {@code "vqa"}.
     *
     * @return the id
     */
    String id();

    /**
     * The checkpoint family whose keys this head reads.
     *
     * @return the family
     */
    default ModelFamily family() {
        return ModelFamily.BEIT3;
    }

    /**
     * Top-level checkpoint keys whose presence (all of them) identifies a checkpoint fine-tuned for
     * this head, used to pick a head when the user names none; empty = never picked automatically.
     *
     * @return the keys
     */
    default Set<String> signatureKeys() {
        return Set.of();
    }

    /**
     * The task preset this head serves by default (image size, text length, final norm).
     *
     * @return the preset
     */
    default TaskPreset preset() {
        return TaskPreset.PRETRAINED;
    }

    /**
     * One-line human description for listings.
     *
     * @return the description
     */
    default String description() {
        return id();
    }

    /**
     * Builds the head.
     *
     * @param spec encoder configuration, task and options
     * @param weights the checkpoint at its root (head keys have no {@code beit3.} prefix)
     * @return the head
     */
    TaskHead create(HeadSpec spec, WeightSource weights);
}
