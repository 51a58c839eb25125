package dev.beit3.core.load;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.Api;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Kernels;
import dev.beit3.api.Precision;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.plugin.ProviderRegistry;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What {@link ModelLoader#load} builds. Start with {@link #builder()}; only the checkpoint is required.
 *
 * @param file the checkpoint file, opened once by the loader (or null when {@code checkpoint} is given)
 * @param checkpoint an already opened checkpoint, used as it is (or null to open {@code file})
 * @param registry the providers, or null to discover them (once, for this load)
 * @param heads which heads to build
 * @param headId the head to build with {@link Heads#ONE}, or null to detect it from the signature keys
 * @param headCheck runs on the chosen head id before any weight is read (throw to refuse), or null
 * @param headOptions options for the head providers
 * @param attentionHeads H, or null for the family's default
 * @param imageSize S, or null for the checkpoint's
 * @param config a whole encoder configuration instead of the one read off the layout (e.g. a benchmark's
 *     variant), or null
 * @param lowMemory keep the encoder's large matrices in float16
 * @param kernelsGiven whether {@code kernels} is the backend to use (the caller's, not closed by the model);
 *     otherwise one is chosen from {@code kernelsId} and {@code precision} and owned by the loaded model
 * @param kernels the caller's backend when {@code kernelsGiven} (null: the DJL reference as the weights have it)
 * @param kernelsId a backend id, {@code "auto"}, or null for the system property's
 * @param precision the precision, or null for the system property's (fp32)
 * @param manager the manager the weights are created in (the caller's, not closed by the model), or null for a
 *     new base manager the loaded model owns
 * @param assembly the family's encoder assembly, or null for BEiT-3's
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record LoadRequest(Path file, Checkpoint checkpoint, ProviderRegistry registry, Heads heads, String headId,
        Consumer<String> headCheck, Map<String, String> headOptions, Integer attentionHeads, Integer imageSize,
        EncoderConfig config, boolean lowMemory, boolean kernelsGiven, Kernels kernels, String kernelsId,
        Precision precision, NDManager manager, EncoderAssembly assembly) {

    /** Which heads a load builds. */
    public enum Heads {
        /** One head: {@link LoadRequest#headId()}, or the most specific one whose signature keys occur. */
        ONE,
        /** Every head of the family whose signature keys occur (possibly none). */
        ALL_MATCHING,
        /** The encoder only. */
        NONE
    }

    /** Validates and freezes. */
    public LoadRequest {
        if (file == null && checkpoint == null) {
            throw new dev.beit3.api.InvalidInputException("no checkpoint given: call checkpoint(path)");
        }
        Objects.requireNonNull(heads, "heads");
        headOptions = Map.copyOf(Objects.requireNonNullElse(headOptions, Map.of()));
    }

    /**
     * Starts a request.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds a {@link LoadRequest}. */
    public static final class Builder {
        private Path file;
        private Checkpoint checkpoint;
        private ProviderRegistry registry;
        private Heads heads = Heads.ONE;
        private String headId;
        private Consumer<String> headCheck;
        private Map<String, String> headOptions = Map.of();
        private Integer attentionHeads;
        private Integer imageSize;
        private EncoderConfig config;
        private boolean lowMemory;
        private boolean kernelsGiven;
        private Kernels kernels;
        private String kernelsId;
        private Precision precision;
        private NDManager manager;
        private EncoderAssembly assembly;

        private Builder() {}

        /**
         * The checkpoint file; the loader opens it (once).
         *
         * @param f the file
         * @return this
         */
        public Builder checkpoint(Path f) {
            this.file = f;
            return this;
        }

        /**
         * An opened checkpoint, used as it is.
         *
         * @param c the checkpoint
         * @return this
         */
        public Builder checkpoint(Checkpoint c) {
            this.checkpoint = c;
            return this;
        }

        /**
         * The providers (default: discovered once for this load).
         *
         * @param r the registry, or null
         * @return this
         */
        public Builder registry(ProviderRegistry r) {
            this.registry = r;
            return this;
        }

        /**
         * One head by id, or detected from the keys when null.
         *
         * @param id the head id, or null
         * @return this
         */
        public Builder head(String id) {
            this.heads = Heads.ONE;
            this.headId = id;
            return this;
        }

        /**
         * Which heads to build.
         *
         * @param h the selection
         * @return this
         */
        public Builder heads(Heads h) {
            this.heads = h;
            return this;
        }

        /**
         * A check of the chosen head id, run before any weight is read.
         *
         * @param check throws to refuse the head, or null
         * @return this
         */
        public Builder headCheck(Consumer<String> check) {
            this.headCheck = check;
            return this;
        }

        /**
         * Options for the head providers.
         *
         * @param o the options
         * @return this
         */
        public Builder headOptions(Map<String, String> o) {
            this.headOptions = o;
            return this;
        }

        /**
         * H (default: the family's).
         *
         * @param h heads, or null
         * @return this
         */
        public Builder attentionHeads(Integer h) {
            this.attentionHeads = h;
            return this;
        }

        /**
         * S (default: the checkpoint's).
         *
         * @param s image side, or null
         * @return this
         */
        public Builder imageSize(Integer s) {
            this.imageSize = s;
            return this;
        }

        /**
         * A whole encoder configuration instead of the layout's.
         *
         * @param c the configuration
         * @return this
         */
        public Builder config(EncoderConfig c) {
            this.config = c;
            return this;
        }

        /**
         * Float16 storage of the encoder's large matrices.
         *
         * @param on whether
         * @return this
         */
        public Builder lowMemory(boolean on) {
            this.lowMemory = on;
            return this;
        }

        /**
         * The backend to use, owned by the caller (null: the DJL reference).
         *
         * @param k the backend, or null
         * @return this
         */
        public Builder kernels(Kernels k) {
            this.kernelsGiven = true;
            this.kernels = k;
            return this;
        }

        /**
         * A backend to choose ({@link dev.beit3.core.kernels.KernelSelection}), owned by the loaded model.
         *
         * @param id backend id, {@code "auto"}, or null for the system property's
         * @param p precision, or null for the system property's
         * @return this
         */
        public Builder kernels(String id, Precision p) {
            this.kernelsGiven = false;
            this.kernels = null;
            this.kernelsId = id;
            this.precision = p;
            return this;
        }

        /**
         * The manager the weights are created in (the caller closes it).
         *
         * @param m the manager
         * @return this
         */
        public Builder into(NDManager m) {
            this.manager = m;
            return this;
        }

        /**
         * The family's encoder assembly (default: BEiT-3's).
         *
         * @param a the assembly
         * @return this
         */
        public Builder assembly(EncoderAssembly a) {
            this.assembly = a;
            return this;
        }

        /**
         * The request.
         *
         * @return the request
         */
        public LoadRequest build() {
            return new LoadRequest(file, checkpoint, registry, heads, headId, headCheck, headOptions, attentionHeads,
                    imageSize, config, lowMemory, kernelsGiven, kernels, kernelsId, precision, manager, assembly);
        }
    }
}
