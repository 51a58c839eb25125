package dev.beit3.core.load;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.Api;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.Kernels;
import dev.beit3.api.TaskHead;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointLayout;
import dev.beit3.core.checkpoint.LoadReport;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.kernels.KernelSelection;
import dev.beit3.core.plugin.ProviderRegistry;
import java.util.List;

/**
 * What {@link ModelLoader#load} built. {@link #close()} frees what the load owns (the weights manager unless the
 * caller gave one, the kernel backend unless the caller gave one); a model that hands them on (e.g. to the
 * facade, which shares them between its models) closes them itself instead.
 *
 * @param checkpoint the checkpoint, opened once
 * @param layout its layout, with the registry's heads matched
 * @param registry the providers the model was built from
 * @param config the encoder configuration
 * @param encoder the encoder
 * @param heads the heads built, in order (one for {@link LoadRequest.Heads#ONE})
 * @param headDetected whether the head was detected from the keys rather than named by the caller
 * @param report the strict load report (complete: checked by the loader)
 * @param weights the manager holding the weights
 * @param ownsWeights whether the load created {@code weights} (else the caller's)
 * @param kernels the chosen backend and why, or null when the caller gave the backend
 * @param kernelsInUse the backend the weights were prepared for (null: the DJL reference)
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record LoadedModel(Checkpoint checkpoint, CheckpointLayout layout, ProviderRegistry registry,
        EncoderConfig config, MultiwayEncoder encoder, List<Head> heads, boolean headDetected, LoadReport report,
        NDManager weights, boolean ownsWeights, KernelSelection.Choice kernels, Kernels kernelsInUse)
        implements AutoCloseable {

    /**
     * One built head.
     *
     * @param provider its provider
     * @param spec what it was built for
     * @param head the head
     */
    public record Head(HeadProvider provider, HeadSpec spec, TaskHead head) {}

    /** Freezes the heads. */
    public LoadedModel {
        heads = List.copyOf(heads);
    }

    /**
     * The head of a {@link LoadRequest.Heads#ONE} load.
     *
     * @return the head
     * @throws IllegalStateException when the load built none
     */
    public Head head() {
        if (heads.isEmpty()) {
            throw new IllegalStateException("this load built no head");
        }
        return heads.get(0);
    }

    /** Frees the weights and the backend this load owns. */
    @Override
    public void close() {
        try {
            if (ownsWeights) {
                weights.close();
            }
        } finally {
            if (kernels != null) {
                kernels.kernels().close();
            }
        }
    }
}
