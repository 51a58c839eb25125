package dev.beit3.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.AttentionExpert;
import dev.beit3.api.DecodingSession;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.EncoderOutput;
import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.FamilyProvider;
import dev.beit3.api.FamilyProvider.BranchPass;
import dev.beit3.api.FeedForwardExpert;
import dev.beit3.api.InputLayout;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.LayerSlot;
import dev.beit3.api.Modality;
import dev.beit3.api.OutputNormExpert;
import dev.beit3.api.ProviderException;
import dev.beit3.api.Route;
import dev.beit3.api.RoutingPlan;
import dev.beit3.api.Segment;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The Multiway Transformer encoder: per-modality embeddings, L layers whose slots are served by the
 * experts a {@link RoutingPlan} names, the shared attention in between, and an optional final norm.
 *
 * <p>Shapes: B batch, Nv vision tokens (cls + N patches), T text tokens, Ttot = Nv + T (fused), D
 * width, H heads.
 *
 * <p>Per call, every intermediate array lives in a per-layer sub-manager of the caller's scope and
 * is closed when the layer ends; only the results (and requested hidden states) stay in the scope.
 *
 * <p>What differs between families (the token order of a fused sequence, whether padded text rows are
 * zeroed, how many text positions are reserved, the default plan, extra branch passes) comes from the
 * family's {@link FamilyProvider}; the encoder holds no family test.
 *
 * <p><b>Branches.</b> A model may carry named branch passes ({@link FamilyProvider#branches}) that re-run the
 * top layers from an intermediate hidden state ({@link #runBranch}): VLMo's single-modality passes compute a
 * second, "VL" output by re-running layers s…L−1 on the output of layer s−1 with the vision-language FFN for
 * every token. Branch experts are built once, at load, next to the main ones.
 *
 * <p><b>Incremental decoding.</b> For families whose fused sequence puts the image first, {@link
 * #startDecoding} opens a session that keeps the keys and values of earlier tokens, so a step encodes only its
 * new tokens (captioning).
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class MultiwayEncoder implements Encoder {
    private final EncoderConfig config;
    private final FamilyProvider family;
    private final RoutingPlan plan;
    private final Map<Modality, TokenEmbedding> embeddings;
    private final Map<String, Expert> experts;
    private final AttentionBias attentionBias;
    private final Map<String, BranchPass> branches;
    private final dev.beit3.api.AttentionKernel attention; // the kernel backend's, or null for DJL's

    private MultiwayEncoder(Builder b, Map<String, Expert> experts, Map<String, BranchPass> branches) {
        this.config = b.config;
        this.attention = b.weights.kernels().flatMap(dev.beit3.api.Kernels::attention).orElse(null);
        this.family = b.family;
        this.plan = b.plan;
        this.embeddings = Map.copyOf(b.embeddings);
        this.experts = Map.copyOf(experts);
        this.attentionBias = b.attentionBias;
        this.branches = Collections.unmodifiableMap(new LinkedHashMap<>(branches));
    }

    /**
     * An extra additive score bias computed per call (e.g. VLMo's relative position bias).
     */
    @FunctionalInterface
    public interface AttentionBias {
        /**
         * Returns the bias for one layer.
         *
         * @param layout what the sequence holds
         * @param layer layer index
         * @param textTokens T (0 without text)
         * @param scope manager for the result
         * @return an array broadcastable to (B, H, Ttot, Ttot), or null for none
         */
        NDArray bias(InputLayout layout, int layer, int textTokens, NDManager scope);
    }

    /**
     * A builder of the encoder.
     *
     * @param config the configuration (its family decides the {@link FamilyProvider} unless one is given)
     * @return the builder
     */
    public static Builder builder(EncoderConfig config) {
        return new Builder(config);
    }

    /**
     * Builds the encoder with the family's branch passes: asks every provider the plan names for its experts.
     *
     * @param config the configuration
     * @param plan the routing plan
     * @param providers looks a provider up by id (e.g. a registry's {@code expert(id)})
     * @param embeddings the token embedding of each modality the plan's layouts need
     * @param encoderWeights the checkpoint at the encoder's key prefix (BEiT-3: {@code "beit3.encoder."})
     * @param attentionBias extra score bias, or null
     * @return the encoder
     * @throws ProviderException when a provider is missing or cannot serve a slot
     */
    public static MultiwayEncoder build(EncoderConfig config, RoutingPlan plan,
            Function<String, ExpertProvider> providers, Map<Modality, TokenEmbedding> embeddings,
            WeightSource encoderWeights, AttentionBias attentionBias) {
        return builder(config).plan(plan).experts(providers).embeddings(embeddings).weights(encoderWeights)
                .attentionBias(attentionBias).build();
    }

    /** Collects what an encoder is made of; {@link #build()} creates the experts. */
    public static final class Builder {
        private final EncoderConfig config;
        private FamilyProvider family;
        private RoutingPlan plan;
        private Function<String, ExpertProvider> providers;
        private final Map<Modality, TokenEmbedding> embeddings = new HashMap<>();
        private WeightSource weights;
        private AttentionBias attentionBias;
        private List<BranchPass> branches;

        private Builder(EncoderConfig config) {
            this.config = Objects.requireNonNull(config, "config");
        }

        /**
         * The family's facts (default: the provider of {@code config.family()} found by ServiceLoader).
         *
         * @param provider the family provider
         * @return this builder
         */
        public Builder family(FamilyProvider provider) {
            this.family = provider;
            return this;
        }

        /**
         * The routing plan (default: the family's {@link FamilyProvider#defaultPlan}).
         *
         * @param p the plan
         * @return this builder
         */
        public Builder plan(RoutingPlan p) {
            this.plan = p;
            return this;
        }

        /**
         * Looks an expert provider up by id (required).
         *
         * @param lookup e.g. a registry's {@code expert(id)}
         * @return this builder
         */
        public Builder experts(Function<String, ExpertProvider> lookup) {
            this.providers = lookup;
            return this;
        }

        /**
         * The token embedding of one modality.
         *
         * @param m the modality
         * @param e its embedding
         * @return this builder
         */
        public Builder embedding(Modality m, TokenEmbedding e) {
            embeddings.put(m, e);
            return this;
        }

        /**
         * The token embeddings of the modalities the plan's layouts need.
         *
         * @param all modality → embedding
         * @return this builder
         */
        public Builder embeddings(Map<Modality, TokenEmbedding> all) {
            embeddings.putAll(all);
            return this;
        }

        /**
         * The checkpoint at the encoder's key prefix (required; BEiT-3: {@code "beit3.encoder."}).
         *
         * @param encoderWeights the weights
         * @return this builder
         */
        public Builder weights(WeightSource encoderWeights) {
            this.weights = encoderWeights;
            return this;
        }

        /**
         * An extra additive score bias (default none).
         *
         * @param bias the bias, or null
         * @return this builder
         */
        public Builder attentionBias(AttentionBias bias) {
            this.attentionBias = bias;
            return this;
        }

        /**
         * The branch passes (default: the family's {@link FamilyProvider#branches}).
         *
         * @param passes the passes
         * @return this builder
         */
        public Builder branches(List<BranchPass> passes) {
            this.branches = List.copyOf(passes);
            return this;
        }

        /**
         * Creates the experts of the plan and of every branch (experts the main plan built for the same layer,
         * slot and id are shared).
         *
         * @return the encoder
         * @throws ProviderException when a provider is missing or cannot serve a slot
         * @throws IllegalArgumentException when a plan does not have the configuration's layers
         */
        public MultiwayEncoder build() {
            Objects.requireNonNull(providers, "experts: call experts(lookup) before build()");
            Objects.requireNonNull(weights, "weights: call weights(encoderWeights) before build()");
            if (family == null) {
                family = FamilyProviders.of(config.family());
            }
            if (plan == null) {
                plan = family.defaultPlan(config);
            }
            if (plan.layers() != config.layers()) {
                throw new IllegalArgumentException("routing plan has " + plan.layers() + " layers, config "
                        + config.layers());
            }
            Map<String, Expert> experts = new HashMap<>();
            createExperts(config, plan, providers, weights, experts);
            Map<String, BranchPass> byName = new LinkedHashMap<>();
            for (BranchPass b : branches != null ? branches : family.branches(config)) {
                if (b.plan().layers() != config.layers()) {
                    throw new IllegalArgumentException("branch plan '" + b.name() + "' has " + b.plan().layers()
                            + " layers, config " + config.layers());
                }
                createExperts(config, b.plan(), providers, weights, experts);
                byName.put(b.name(), b);
            }
            return new MultiwayEncoder(this, experts, byName);
        }
    }

    /**
     * The branch plans this encoder carries.
     *
     * @return name → plan
     */
    public Map<String, RoutingPlan> branches() {
        Map<String, RoutingPlan> m = new LinkedHashMap<>();
        branches.forEach((name, b) -> m.put(name, b.plan()));
        return Collections.unmodifiableMap(m);
    }

    @Override
    public Set<String> branchNames() {
        return branches.keySet();
    }

    private static void createExperts(EncoderConfig config, RoutingPlan plan, Function<String, ExpertProvider> providers,
            WeightSource encoderWeights, Map<String, Expert> experts) {
        for (InputLayout layout : plan.table().keySet()) {
            for (int layer = 0; layer <= config.layers(); layer++) {
                for (LayerSlot slot : LayerSlot.values()) {
                    for (Route r : plan.routes(layout, layer, slot)) {
                        String key = key(layer, slot, r.expertId());
                        if (experts.containsKey(key)) {
                            continue;
                        }
                        ExpertProvider p = providers.apply(r.expertId());
                        if (p == null) {
                            throw new ProviderException("no expert provider '" + r.expertId()
                                    + "' for layer " + layer + " " + slot);
                        }
                        if (!p.slots().contains(slot)) {
                            throw new ProviderException("expert provider '" + p.id() + "' cannot serve slot " + slot
                                    + " (it serves " + p.slots() + ")");
                        }
                        Expert e = p.create(new ExpertSpec(config, layer, slot, p.modality(), Map.of()),
                                encoderWeights);
                        Class<?> want = switch (slot) {
                            case ATTENTION -> AttentionExpert.class;
                            case FFN -> FeedForwardExpert.class;
                            case FINAL_NORM -> OutputNormExpert.class;
                        };
                        if (!want.isInstance(e)) {
                            throw new ProviderException("expert provider '" + p.id() + "' returned "
                                    + e.getClass().getName() + " for slot " + slot + "; expected a "
                                    + want.getSimpleName());
                        }
                        experts.put(key, e);
                    }
                }
            }
        }
    }

    private static String key(int layer, LayerSlot slot, String id) {
        return layer + "/" + slot + "/" + id;
    }

    @Override
    public EncoderConfig config() {
        return config;
    }

    @Override
    public RoutingPlan plan() {
        return plan;
    }

    /**
     * The embedding of a modality.
     *
     * @param m the modality
     * @return the embedding, or null
     */
    public TokenEmbedding embedding(Modality m) {
        return embeddings.get(m);
    }

    /**
     * The family facts this encoder follows.
     *
     * @return the family provider
     */
    public FamilyProvider family() {
        return family;
    }

    /** A contiguous token range of the joint sequence. */
    private record Span(long start, long end) {
        long length() {
            return end - start;
        }
    }

    /**
     * The embedded joint sequence of one call, before the layers.
     *
     * @param x (B, Ttot, D)
     * @param layout what it holds
     * @param spans the token range of each segment
     * @param pad (B, Ttot) 1 = padded key, or null when no text padding mask was given
     * @param split where the second part of a fused sequence starts (see {@link EncoderOutput#splitPosition})
     * @param visionTokens Nv (0 without image)
     * @param textTokens T (0 without text)
     * @param joined whether {@code x} was made here by joining the parts (else it is a part itself)
     */
    private record Sequence(NDArray x, InputLayout layout, Map<Segment, Span> spans, NDArray pad, int split,
            long visionTokens, long textTokens, boolean joined) {}

    /**
     * What one run of the layers reads: the plan, the layout and segments of the sequence, the first layer,
     * the additive bias (key padding and attention mask), and the key/value cache of an incremental step.
     */
    private record Pass(RoutingPlan plan, InputLayout layout, Map<Segment, Span> spans, int fromLayer,
            int textTokens, NDArray bias, KeyValueCache cache) {}

    @Override
    public EncoderOutput encode(EncoderInput input, NDManager scope) {
        Sequence seq = embed(input, 0, scope);
        NDArray x = seq.x();
        long batch = x.getShape().get(0);
        long total = seq.visionTokens() + seq.textTokens();
        NDArray pad = seq.pad();
        if (pad != null) {
            if (family.zeroPaddedRows()) {
                x = x.mul(pad.neg().add(1f).expandDims(2)); // zero padded rows (B, Ttot, D)
            }
        } else {
            pad = scope.zeros(new Shape(batch, total));
        }
        // (B, 1, 1, Ttot), or null without padded keys (no padding mask given: no key is padded, no check needed)
        NDArray keyBias = seq.pad() == null ? null : keyBias(pad, scope);
        NDArray bias = keyBias;
        if (input.attentionMask() != null) {
            NDArray am = own(input.attentionMask(), scope).toType(DataType.FLOAT32, false);
            Shape ams = am.getShape();
            if (ams.get(ams.dimension() - 1) != total || ams.get(ams.dimension() - 2) != total) {
                throw new InvalidInputException("attention mask has shape " + ams + "; expected (" + total + ", "
                        + total + ") or (B, " + total + ", " + total + ")");
            }
            if (ams.dimension() == 3) {
                am = am.expandDims(1); // (B, 1, Ttot, Ttot)
            }
            bias = keyBias == null ? am : am.add(keyBias);
        }
        NDList hidden = input.allHiddenStates() ? new NDList(x) : null;
        Pass pass = new Pass(plan, seq.layout(), seq.spans(), 0, (int) seq.textTokens(), bias, null);
        NDArray out = run(pass, x, hidden, scope);
        if (hidden == null && (x != seq.x() || seq.joined()) && x != out) {
            x.close();
        }
        return new EncoderOutput(out, hidden == null ? new NDList() : hidden, seq.split(), pad, seq.layout());
    }

    /**
     * Validates the input and embeds it: the vision tokens with their positions, the text tokens with positions
     * from {@code textOffset}, joined in the family's token order. Every array it makes lives in {@code scope}.
     */
    private Sequence embed(EncoderInput input, int textOffset, NDManager scope) {
        InputLayout layout = input.layout();
        NDArray vision = null;
        NDArray text = null;
        NDArray textPad = null;
        long batch = -1;
        if (input.image() != null) {
            NDArray img = own(input.image(), scope);
            Shape s = img.getShape();
            if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) != config.imageSize() || s.get(3) != config.imageSize()) {
                throw new InvalidInputException("image batch has shape " + s + "; this model expects (B, 3, "
                        + config.imageSize() + ", " + config.imageSize() + ") — preprocess at the model's image size"
                        + " or load the checkpoint with imageSize " + s.get(s.dimension() - 1)
                        + " (positions are interpolated)");
            }
            // numerical guard: one elementwise op and one reduction per batch (max propagates NaN)
            float peak = img.abs().max().toType(DataType.FLOAT32, false).getFloat();
            if (!Float.isFinite(peak)) {
                throw new InvalidInputException("image batch of shape " + s + " holds " + (Float.isNaN(peak) ? "NaN"
                        : "infinite") + " values: check the preprocessing (a division by a zero std?) or the source"
                        + " of the pixels; the encoder needs finite inputs");
            }
            batch = s.get(0);
            EncoderInput own = input.visionMaskedPositions() == null ? input
                    : input.withVisionMask(own(input.visionMaskedPositions(), scope));
            TokenEmbedding ve = requireEmbedding(Modality.VISION);
            vision = ve.addPositions(ve.embed(own.withImage(img))); // (B, Nv, D)
        }
        if (input.textIds() != null) {
            NDArray ids = own(input.textIds(), scope).toType(DataType.INT64, false);
            Shape s = ids.getShape();
            if (s.dimension() != 2) {
                throw new InvalidInputException("text ids have shape " + s + "; expected (B, T)");
            }
            int textLimit = family.textLimit(config);
            if (textOffset + s.get(1) > textLimit) {
                throw new InvalidInputException("text has " + (textOffset + s.get(1)) + " tokens; this model reads"
                        + " at most " + textLimit + " (truncate the segment)");
            }
            if (batch >= 0 && s.get(0) != batch) {
                throw new InvalidInputException("image batch " + batch + " and text batch " + s.get(0) + " differ");
            }
            batch = s.get(0);
            if (input.textPaddingMask() != null) {
                textPad = own(input.textPaddingMask(), scope).toType(DataType.FLOAT32, false);
                if (!textPad.getShape().equals(s)) {
                    throw new InvalidInputException("padding mask has shape " + textPad.getShape()
                            + " but text ids have " + s);
                }
            }
            TokenEmbedding te = requireEmbedding(Modality.LANGUAGE);
            text = te.addPositions(te.embed(EncoderInput.text(ids, textPad)), textOffset); // (B, T, D)
        }
        long nv = vision == null ? 0 : vision.getShape().get(1);
        long nt = text == null ? 0 : text.getShape().get(1);
        boolean textFirst = family.tokenOrder() == FamilyProvider.TokenOrder.TEXT_FIRST;
        NDArray x;
        NDArray pad = null; // key padding mask (1 = padded) (B, Ttot)
        if (vision != null && text != null) {
            NDArray visionPad = textPad == null ? null : scope.zeros(new Shape(batch, nv));
            x = textFirst ? NDArrays.concat(new NDList(text, vision), 1) : NDArrays.concat(new NDList(vision, text), 1);
            if (textPad != null) {
                pad = textFirst ? NDArrays.concat(new NDList(textPad, visionPad), 1)
                        : NDArrays.concat(new NDList(visionPad, textPad), 1);
            }
        } else if (vision != null) {
            x = vision;
        } else {
            x = text;
            pad = textPad;
        }
        int split = layout == InputLayout.VISION ? -1
                : layout == InputLayout.LANGUAGE ? 0 : (int) (textFirst ? nt : nv);
        return new Sequence(x, layout, spans(layout, nv, nt), pad, split, nv, nt, vision != null && text != null);
    }

    /** The token range of each segment of a sequence of {@code nv} vision and {@code nt} text tokens. */
    private Map<Segment, Span> spans(InputLayout layout, long nv, long nt) {
        boolean textFirst = family.tokenOrder() == FamilyProvider.TokenOrder.TEXT_FIRST;
        Span vision;
        Span text;
        switch (layout) {
            case VISION -> {
                vision = new Span(0, nv);
                text = new Span(nv, nv);
            }
            case LANGUAGE -> {
                vision = new Span(0, 0);
                text = new Span(0, nt);
            }
            default -> {
                vision = textFirst ? new Span(nt, nt + nv) : new Span(0, nv);
                text = textFirst ? new Span(0, nt) : new Span(nv, nv + nt);
            }
        }
        return Map.of(Segment.VISION_PART, vision, Segment.LANGUAGE_PART, text, Segment.ALL, new Span(0, nv + nt));
    }

    /**
     * Runs layers {@code fromLayer…L−1} and the final norm of the pass's plan; adds each layer output to
     * {@code hidden} unless it is null. The input {@code x} is never closed.
     *
     * @return the final output (B, Ttot, D)
     */
    private NDArray run(Pass p, NDArray x, NDList hidden, NDManager scope) {
        NDArray first = x;
        for (int layer = p.fromLayer(); layer < config.layers(); layer++) {
            NDArray next;
            try (NDManager ls = scope.newSubManager()) {
                x.tempAttach(ls);
                NDArray layerBias = p.bias();
                if (attentionBias != null) {
                    NDArray extra = attentionBias.bias(p.layout(), layer, p.textTokens(), ls);
                    if (extra != null) {
                        layerBias = p.bias() == null ? extra : extra.add(p.bias());
                    }
                }
                next = layer(p, x, layer, layerBias);
                next.attach(scope);
            }
            if (hidden == null && x != first) {
                x.close();
            }
            x = next;
            if (hidden != null) {
                hidden.add(x);
            }
        }
        return finalNorm(p, x);
    }

    /** The final norm slot of the pass's plan over {@code x} (B, Ttot, D), or {@code x} when the plan has none. */
    private NDArray finalNorm(Pass p, NDArray x) {
        List<Route> finals = sorted(p.plan().routes(p.layout(), config.layers(), LayerSlot.FINAL_NORM), p.spans());
        if (finals.isEmpty()) {
            return x;
        }
        List<NDArray> parts = new ArrayList<>();
        for (Route r : finals) {
            OutputNormExpert e = (OutputNormExpert) experts.get(key(config.layers(), LayerSlot.FINAL_NORM, r.expertId()));
            parts.add(e.normalize(slice(x, p.spans().get(r.segment()))));
        }
        return cat(parts);
    }

    @Override
    public EncoderOutput runBranch(String name, EncoderOutput main, NDManager scope) {
        BranchPass b = branches.get(name);
        if (b == null) {
            throw new IllegalArgumentException("this encoder has no branch '" + name + "'; branches: "
                    + branches.keySet());
        }
        return runBranch(name, main, b.fromLayer(), scope);
    }

    /**
     * Re-runs layers {@code fromLayer…L−1} of a finished pass along a branch plan, starting from the
     * pass's hidden state {@code fromLayer} (the output of layer {@code fromLayer − 1}), with the same
     * key padding and the same per-layer attention bias (layer l of the branch uses layer l's bias).
     * The input's extra attention mask, if any, is not re-applied.
     *
     * @param name the branch (see {@link #branches()})
     * @param main a pass of this encoder run with {@code allHiddenStates}
     * @param fromLayer first layer to re-run, 0…L−1
     * @param scope manager of the result
     * @return output = the branch's final (normalised) output (B, Ttot, D); hiddenStates = the outputs of
     *     layers fromLayer…L−1 along the branch (before the final norm); split, padding and layout as {@code main}
     * @throws IllegalArgumentException for an unknown branch, a pass without hidden states, or a bad layer
     */
    public EncoderOutput runBranch(String name, EncoderOutput main, int fromLayer, NDManager scope) {
        BranchPass b = branches.get(name);
        if (b == null) {
            throw new IllegalArgumentException("this encoder has no branch '" + name + "'; branches: "
                    + branches.keySet());
        }
        if (fromLayer < 0 || fromLayer >= config.layers()) {
            throw new IllegalArgumentException("branch start layer " + fromLayer + " outside 0.." + (config.layers() - 1));
        }
        if (main.hiddenStates().size() != config.layers() + 1) {
            throw new IllegalArgumentException("the pass handed to runBranch has no hidden states; run it with"
                    + " EncoderInput.withAllHiddenStates(true)");
        }
        InputLayout layout = main.layout();
        NDArray x = main.hiddenStates().get(fromLayer); // (B, Ttot, D)
        long total = x.getShape().get(1);
        int split = main.splitPosition();
        boolean textFirst = family.tokenOrder() == FamilyProvider.TokenOrder.TEXT_FIRST;
        long nt = switch (layout) {
            case VISION -> 0;
            case LANGUAGE -> total;
            case FUSED -> textFirst ? split : total - split;
        };
        Map<Segment, Span> spans = spans(layout, total - nt, nt);
        NDArray pad = main.paddingMask(); // (B, Ttot), 1 = padded key
        NDArray keyBias = keyBias(pad, scope); // (B, 1, 1, Ttot) or null
        NDList hidden = new NDList();
        NDArray out = run(new Pass(b.plan(), layout, spans, fromLayer, (int) nt, keyBias, null), x, hidden, scope);
        return new EncoderOutput(out, hidden, split, pad, layout);
    }

    /**
     * One Multiway layer. With a cache, the new tokens' keys and values are appended to it first and
     * the queries attend to every cached key (incremental decoding).
     */
    private NDArray layer(Pass p, NDArray x, int layer, NDArray bias) {
        Map<Segment, Span> spans = p.spans();
        List<Route> att = sorted(p.plan().routes(p.layout(), layer, LayerSlot.ATTENTION), spans);
        List<NDArray> qs = new ArrayList<>();
        List<NDArray> ks = new ArrayList<>();
        List<NDArray> vs = new ArrayList<>();
        List<AttentionExpert> attExperts = new ArrayList<>();
        for (Route r : att) {
            AttentionExpert e = (AttentionExpert) experts.get(key(layer, LayerSlot.ATTENTION, r.expertId()));
            NDList qkv = e.projectQkv(slice(x, spans.get(r.segment()))); // 3 × (B, Te, D)
            qs.add(qkv.get(0));
            ks.add(qkv.get(1));
            vs.add(qkv.get(2));
            attExperts.add(e);
        }
        NDArray keys = cat(ks); // (B, Ttot, D)
        NDArray values = cat(vs);
        KeyValueCache cache = p.cache();
        if (cache != null) {
            cache.append(layer, keys, values); // now (B, Tc + Ttot, D)
            keys = cache.keys(layer);
            values = cache.values(layer);
            keys.tempAttach(x.getManager()); // results of ops on them land in the layer's scope
            values.tempAttach(x.getManager());
        }
        NDArray attended = SharedAttention.attend(attention, cat(qs), keys, values, config.heads(), bias); // (B, Ttot, D)
        List<NDArray> outs = new ArrayList<>();
        for (int i = 0; i < att.size(); i++) {
            Span span = spans.get(att.get(i).segment());
            outs.add(attExperts.get(i).projectOutput(slice(attended, span), slice(x, span))); // x + branch
        }
        NDArray h = cat(outs); // (B, Ttot, D)
        List<Route> ffn = sorted(p.plan().routes(p.layout(), layer, LayerSlot.FFN), spans);
        List<NDArray> fs = new ArrayList<>();
        for (Route r : ffn) {
            FeedForwardExpert e = (FeedForwardExpert) experts.get(key(layer, LayerSlot.FFN, r.expertId()));
            fs.add(e.forwardWithResidual(slice(h, spans.get(r.segment())))); // h + branch
        }
        // each part out of place: the FFN experts' LayerNorm saved h (or a view of it) for the backward pass,
        // so an in-place add would break autograd (training)
        return cat(fs); // (B, Ttot, D)
    }

    /**
     * Opens an incremental decoding when the family's fused sequence puts the image first (the only order in
     * which text can grow at the end of the sequence).
     */
    @Override
    public Optional<DecodingSession> startDecoding(NDManager owner) {
        if (family.tokenOrder() != FamilyProvider.TokenOrder.IMAGE_FIRST) {
            return Optional.empty();
        }
        return Optional.of(new CachedDecoding(this, owner));
    }

    /**
     * One incremental step of a session: encodes only the new tokens of a growing fused sequence (image first,
     * then text) whose earlier tokens' keys and values sit in {@code cache}, and appends the new keys and values
     * to it. The new text continues at position {@code textOffset}.
     *
     * @return the new tokens' output (R, Tn, D) after the final norm; no hidden states
     */
    EncoderOutput encodeIncrement(EncoderInput input, KeyValueCache cache, int textOffset, NDManager scope) {
        if (input.textPaddingMask() != null) {
            throw new InvalidInputException("a decoding step takes no padding mask; decode rows of one length");
        }
        Sequence seq = embed(input, textOffset, scope);
        NDArray x = seq.x();
        long nv = seq.visionTokens();
        long nt = seq.textTokens();
        // every step is part of one fused sequence: image first, then text
        Map<Segment, Span> spans = Map.of(Segment.VISION_PART, new Span(0, nv), Segment.LANGUAGE_PART,
                new Span(nv, nv + nt), Segment.ALL, new Span(0, nv + nt));
        NDArray bias = null;
        if (input.attentionMask() != null) {
            bias = own(input.attentionMask(), scope).toType(DataType.FLOAT32, false);
            Shape ms = bias.getShape();
            long keys = cache.length() + nv + nt;
            if (ms.get(ms.dimension() - 1) != keys || ms.get(ms.dimension() - 2) != nv + nt) {
                throw new InvalidInputException("decoding step attention mask has shape " + ms + "; expected ("
                        + (nv + nt) + ", " + keys + ") or (R, " + (nv + nt) + ", " + keys
                        + ") over [cached tokens, new tokens]");
            }
            if (ms.dimension() == 3) {
                bias = bias.expandDims(1); // (R, 1, Tn, Tc + Tn)
            }
        }
        NDArray out = run(new Pass(plan, InputLayout.FUSED, spans, 0, (int) nt, bias, cache), x, null, scope);
        return new EncoderOutput(out, new NDList(), (int) nv, scope.zeros(new Shape(x.getShape().get(0), nv + nt)),
                InputLayout.FUSED);
    }

    /**
     * The key padding bias: −∞ at padded keys, 0 elsewhere, as (B, 1, 1, Ttot); null when no key is
     * padded, so unpadded passes (every image-only pass) skip a full pass over the (B, H, T, T) scores.
     */
    private static NDArray keyBias(NDArray pad, NDManager scope) {
        if (pad.max().toType(DataType.FLOAT32, false).getFloat() < 0.5f) {
            return null;
        }
        Shape s = pad.getShape();
        return NDArrays.where(pad.gt(0.5f), scope.full(s, Float.NEGATIVE_INFINITY), scope.zeros(s))
                .reshape(s.get(0), 1, 1, s.get(1));
    }

    private static List<Route> sorted(List<Route> routes, Map<Segment, Span> spans) {
        List<Route> rs = new ArrayList<>();
        for (Route r : routes) {
            if (spans.get(r.segment()).length() > 0) {
                rs.add(r);
            }
        }
        rs.sort(Comparator.comparingLong(r -> spans.get(r.segment()).start()));
        return rs;
    }

    private static NDArray slice(NDArray x, Span s) {
        long t = x.getShape().get(1);
        if (s.start() == 0 && s.end() == t) {
            return x;
        }
        return x.get(":, {}:{}", s.start(), s.end());
    }

    private static NDArray cat(List<NDArray> parts) {
        return parts.size() == 1 ? parts.get(0) : NDArrays.concat(new NDList(parts), 1);
    }

    private TokenEmbedding requireEmbedding(Modality m) {
        TokenEmbedding e = embeddings.get(m);
        if (e == null) {
            throw new InvalidInputException("this model has no " + m + " embedding, so it cannot read " + m
                    + " input; embeddings: " + embeddings.keySet());
        }
        return e;
    }

    /** A copy of a caller's array owned by {@code scope}, so every result derived from it lands there. */
    private static NDArray own(NDArray a, NDManager scope) {
        NDArray c = a.duplicate();
        c.attach(scope);
        return c;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("MultiwayEncoder[").append(config.summary()).append("]\n");
        embeddings.values().forEach(e -> {
            if (!e.provenance().isEmpty()) {
                sb.append("  ").append(e.modality()).append(" embedding: ").append(e.provenance()).append('\n');
            }
        });
        sb.append(plan.describe());
        branches.forEach((name, b) -> sb.append("branch '").append(name).append("':\n").append(b.plan().describe()));
        return sb.toString();
    }
}
