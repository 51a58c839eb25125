package dev.beit3.core.load;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.Kernels;
import dev.beit3.api.TaskHead;
import dev.beit3.api.WeightSource;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointLayout;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.Beit3Encoders;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.kernels.KernelSelection;
import dev.beit3.core.plugin.ProviderRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Loads a model: checkpoint (opened once) → {@link CheckpointLayout} (from the key/shape index, heads matched by
 * their signature keys) → the family's check → head (named or detected) → encoder configuration → kernel
 * backend → encoder and head over one {@link CheckpointWeights} → the strict load report. The providers come
 * from one registry, discovered once per load when the request gives none, and are passed along to every step.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class ModelLoader {
    private ModelLoader() {}

    /**
     * Loads what the request asks for.
     *
     * @param request what to build
     * @return the loaded model; close it (or hand its weights and backend on)
     * @throws CheckpointException when the checkpoint cannot be read, is of another family, holds no weights
     *     for the head, or does not fit the model (the load report)
     * @throws dev.beit3.api.InvalidInputException for settings the encoder cannot use
     * @throws dev.beit3.api.ProviderException when a provider is missing
     */
    public static LoadedModel load(LoadRequest request) {
        ProviderRegistry reg = request.registry() != null ? request.registry() : ProviderRegistry.discover();
        Checkpoint ckpt = request.checkpoint() != null ? request.checkpoint() : open(request);
        CheckpointLayout layout = CheckpointLayout.of(ckpt, reg);
        EncoderAssembly assembly = request.assembly() != null ? request.assembly() : EncoderAssembly.beit3();
        assembly.check(layout, ckpt);
        List<HeadProvider> providers = new ArrayList<>();
        String headId = null;
        switch (request.heads()) {
            case ONE -> {
                headId = request.headId() != null ? request.headId() : layout.detectHead(reg);
                if (request.headCheck() != null) {
                    request.headCheck().accept(headId);
                }
                HeadProvider hp = reg.head(headId);
                layout.requireHead(hp);
                providers.add(hp);
            }
            case ALL_MATCHING -> layout.matchingHeads().forEach(id -> providers.add(reg.head(id)));
            case NONE -> { }
            default -> throw new IllegalStateException(String.valueOf(request.heads()));
        }
        EncoderConfig cfg = assembly.configure(layout, request);
        KernelSelection.Choice choice = request.kernelsGiven() ? null
                : KernelSelection.choose(reg, request.kernelsId(), request.precision());
        Kernels kernels = choice != null ? choice.kernels() : request.kernels();
        NDManager weights = request.manager() != null ? request.manager() : NDManager.newBaseManager();
        try {
            CheckpointWeights ws = ckpt.weights(weights, kernels).withLowMemory(request.lowMemory());
            MultiwayEncoder enc = assembly.build(cfg, ws, reg);
            List<LoadedModel.Head> heads = new ArrayList<>();
            for (HeadProvider hp : providers) {
                HeadSpec spec = new HeadSpec(cfg, hp.preset(), request.headOptions());
                heads.add(new LoadedModel.Head(hp, spec, hp.create(spec, ws)));
            }
            ws.report().throwIfIncomplete(layout.name() + " as " + assembly.describe(cfg)
                    + (headId == null ? "" : " with the " + headId + " head"));
            return new LoadedModel(ckpt, layout, reg, cfg, enc, heads, request.headId() == null && headId != null,
                    ws.report(), weights, request.manager() == null, choice, kernels);
        } catch (RuntimeException e) {
            if (request.manager() == null) {
                weights.close();
            }
            if (choice != null) {
                choice.kernels().close();
            }
            throw e;
        }
    }

    private static Checkpoint open(LoadRequest request) {
        try {
            return Checkpoint.open(request.file());
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + request.file() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The BEiT-3 encoder over any weight source (a checkpoint's, or a trainer's autograd leaves), with the
     * released checkpoints' routing plan.
     *
     * @param config the configuration
     * @param weights the weights at the checkpoint's root
     * @param registry where the vision and language providers come from
     * @return the encoder; the caller checks the load report
     */
    public static MultiwayEncoder beit3Encoder(EncoderConfig config, WeightSource weights, ProviderRegistry registry) {
        return Beit3Encoders.build(config, weights, Beit3Encoders.plan(config), registry::expert, registry::embedding);
    }

    /**
     * A head over any weight source, built for an encoder configuration.
     *
     * @param provider the head's provider
     * @param config the encoder configuration
     * @param options the head's options
     * @param weights the weights at the checkpoint's root
     * @return the head
     */
    public static TaskHead head(HeadProvider provider, EncoderConfig config, Map<String, String> options,
            WeightSource weights) {
        return provider.create(new HeadSpec(config, provider.preset(), options), weights);
    }
}
