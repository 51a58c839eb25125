package dev.beit3.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.AttentionExpert;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.EncoderOutput;
import dev.beit3.api.Expert;
import dev.beit3.api.ExpertProvider;
import dev.beit3.api.ExpertSpec;
import dev.beit3.api.FeedForwardExpert;
import dev.beit3.api.InputLayout;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.LayerSlot;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.OutputNormExpert;
import dev.beit3.api.ProviderException;
import dev.beit3.api.Route;
import dev.beit3.api.RoutingPlan;
import dev.beit3.api.Segment;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
 * <p>Family differences ({@link EncoderConfig#family()}): BEiT-3 puts the image first in a fused
 * sequence and zeroes padded text rows after the embeddings; VLMo puts the text first, leaves padded
 * rows as computed (only keys are masked) and reads up to {@code maxTextPositions} text tokens (its
 * position table has no two reserved rows).
 *
 * <p><b>Branches.</b> A model may carry named extra routing plans ({@link #withBranch}) that re-run the
 * top layers from an intermediate hidden state ({@link #runBranch}): VLMo's single-modality passes
 * compute a second, "VL" output by re-running layers s…L−1 on the output of layer s−1 with the
 * vision-language FFN for every token. Branch experts are built once, at load, next to the main ones.
 */
@Api(status = Api.Status.STABLE)
public final class MultiwayEncoder implements Encoder {
    private final EncoderConfig config;
    private final RoutingPlan plan;
    private final Map<Modality, TokenEmbedding> embeddings;
    private final Map<String, Expert> experts;
    private final AttentionBias attentionBias;
    private final Map<String, RoutingPlan> branches;
    private final dev.beit3.api.AttentionKernel attention; // the kernel backend's, or null for DJL's

    private MultiwayEncoder(EncoderConfig config, RoutingPlan plan, Map<Modality, TokenEmbedding> embeddings,
            Map<String, Expert> experts, AttentionBias attentionBias, Map<String, RoutingPlan> branches,
            dev.beit3.api.AttentionKernel attention) {
        this.attention = attention;
        this.config = config;
        this.plan = plan;
        this.embeddings = Map.copyOf(embeddings);
        this.experts = Map.copyOf(experts);
        this.attentionBias = attentionBias;
        this.branches = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(branches));
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
     * Builds the encoder: asks every provider the plan names for its experts.
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
        Objects.requireNonNull(config, "config");
        if (plan.layers() != config.layers()) {
            throw new IllegalArgumentException("routing plan has " + plan.layers() + " layers, config " + config.layers());
        }
        Map<String, Expert> experts = new HashMap<>();
        createExperts(config, plan, providers, encoderWeights, experts);
        return new MultiwayEncoder(config, plan, embeddings, experts, attentionBias, Map.of(),
                encoderWeights.kernels().flatMap(dev.beit3.api.Kernels::attention).orElse(null));
    }

    /**
     * A copy of this encoder that also carries a named branch plan, whose experts are built now (experts
     * the main plan already built for the same layer, slot and id are shared).
     *
     * @param name branch name, e.g. {@code "vl"}
     * @param branchPlan the plan the branch follows (only its layers from the branch's start are used)
     * @param providers looks a provider up by id
     * @param encoderWeights the checkpoint at the encoder's key prefix
     * @return the new encoder
     * @throws ProviderException when a provider is missing or cannot serve a slot
     */
    public MultiwayEncoder withBranch(String name, RoutingPlan branchPlan, Function<String, ExpertProvider> providers,
            WeightSource encoderWeights) {
        Objects.requireNonNull(name, "name");
        if (branchPlan.layers() != config.layers()) {
            throw new IllegalArgumentException("branch plan '" + name + "' has " + branchPlan.layers()
                    + " layers, config " + config.layers());
        }
        Map<String, Expert> all = new HashMap<>(experts);
        createExperts(config, branchPlan, providers, encoderWeights, all);
        Map<String, RoutingPlan> b = new java.util.LinkedHashMap<>(branches);
        b.put(name, branchPlan);
        return new MultiwayEncoder(config, plan, embeddings, all, attentionBias, b, attention);
    }

    /**
     * The branch plans this encoder carries.
     *
     * @return name → plan
     */
    public Map<String, RoutingPlan> branches() {
        return branches;
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

    /** A contiguous token range of the joint sequence. */
    private record Span(long start, long end) {
        long length() {
            return end - start;
        }
    }

    @Override
    public EncoderOutput encode(EncoderInput input, NDManager scope) {
        InputLayout layout = input.layout();
        boolean textFirst = config.family() == ModelFamily.VLMO;
        boolean zeroPaddedRows = config.family() != ModelFamily.VLMO; // VLMo computes padded rows like any other
        int textLimit = config.family() == ModelFamily.VLMO ? config.maxTextPositions() : config.maxTextPositions() - 2;
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
            vision = requireEmbedding(Modality.VISION).embed(withImage(own, img)); // (B, Nv, D)
            vision = requireEmbedding(Modality.VISION).addPositions(vision);
        }
        if (input.textIds() != null) {
            NDArray ids = own(input.textIds(), scope).toType(DataType.INT64, false);
            Shape s = ids.getShape();
            if (s.dimension() != 2) {
                throw new InvalidInputException("text ids have shape " + s + "; expected (B, T)");
            }
            if (s.get(1) > textLimit) {
                throw new InvalidInputException("text has " + s.get(1) + " tokens; this model reads at most "
                        + textLimit + " (truncate the segment)");
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
            text = te.addPositions(te.embed(EncoderInput.text(ids, textPad))); // (B, T, D)
        }
        long nv = vision == null ? 0 : vision.getShape().get(1);
        long nt = text == null ? 0 : text.getShape().get(1);

        // joint sequence, its segments, and the key padding mask (1 = padded) (B, Ttot)
        NDArray x;
        Span visionSpan;
        Span textSpan;
        NDArray pad = null;
        if (vision != null && text != null) {
            NDArray visionPad = scope.zeros(new Shape(batch, nv));
            NDArray tp = textPad != null ? textPad : scope.zeros(new Shape(batch, nt));
            if (textFirst) {
                x = NDArrays.concat(new NDList(text, vision), 1);
                pad = NDArrays.concat(new NDList(tp, visionPad), 1);
                textSpan = new Span(0, nt);
                visionSpan = new Span(nt, nt + nv);
            } else {
                x = NDArrays.concat(new NDList(vision, text), 1);
                pad = NDArrays.concat(new NDList(visionPad, tp), 1);
                visionSpan = new Span(0, nv);
                textSpan = new Span(nv, nv + nt);
            }
        } else if (vision != null) {
            x = vision;
            visionSpan = new Span(0, nv);
            textSpan = new Span(nv, nv);
        } else {
            x = text;
            textSpan = new Span(0, nt);
            visionSpan = new Span(0, 0);
            pad = textPad;
        }
        long total = nv + nt;
        if (pad != null) {
            if (zeroPaddedRows) {
                x = x.mul(pad.neg().add(1f).expandDims(2)); // zero padded rows (B, Ttot, D)
            }
        } else {
            pad = scope.zeros(new Shape(batch, total));
        }
        NDArray keyBias = keyBias(pad, scope); // (B, 1, 1, Ttot) or null without padded keys
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

        int split = layout == InputLayout.VISION ? -1
                : layout == InputLayout.LANGUAGE ? 0 : (int) (textFirst ? nt : nv);
        Map<Segment, Span> spans = Map.of(Segment.VISION_PART, visionSpan, Segment.LANGUAGE_PART, textSpan,
                Segment.ALL, new Span(0, total));

        NDList hidden = new NDList();
        if (input.allHiddenStates()) {
            hidden.add(x);
        }
        NDArray out = run(plan, x, layout, 0, (int) nt, spans, bias, input.allHiddenStates(), hidden, scope, null);
        if (!input.allHiddenStates() && x != vision && x != text && x != out) {
            x.close();
        }
        return new EncoderOutput(out, hidden, split, pad, layout);
    }

    /**
     * Runs layers {@code from…L−1} and the final norm of {@code p}; adds each layer output to
     * {@code hidden} when {@code keep}. The input {@code x} is never closed.
     *
     * @return the final output (B, Ttot, D)
     */
    private NDArray run(RoutingPlan p, NDArray x, InputLayout layout, int from, int nt, Map<Segment, Span> spans,
            NDArray bias, boolean keep, NDList hidden, NDManager scope, KeyValueCache cache) {
        NDArray first = x;
        for (int layer = from; layer < config.layers(); layer++) {
            NDArray next;
            try (NDManager ls = scope.newSubManager()) {
                x.tempAttach(ls);
                NDArray layerBias = bias;
                if (attentionBias != null) {
                    NDArray extra = attentionBias.bias(layout, layer, nt, ls);
                    if (extra != null) {
                        layerBias = bias == null ? extra : extra.add(bias);
                    }
                }
                next = layer(p, x, layout, layer, spans, layerBias, cache);
                next.attach(scope);
            }
            if (!keep && x != first) {
                x.close();
            }
            x = next;
            if (keep) {
                hidden.add(x);
            }
        }
        return finalNorm(p, x, layout, spans);
    }

    /** The final norm slot of {@code p} over {@code x} (B, Ttot, D), or {@code x} when the plan has none. */
    private NDArray finalNorm(RoutingPlan p, NDArray x, InputLayout layout, Map<Segment, Span> spans) {
        List<Route> finals = sorted(p.routes(layout, config.layers(), LayerSlot.FINAL_NORM), spans);
        if (finals.isEmpty()) {
            return x;
        }
        List<NDArray> parts = new ArrayList<>();
        for (Route r : finals) {
            OutputNormExpert e = (OutputNormExpert) experts.get(key(config.layers(), LayerSlot.FINAL_NORM, r.expertId()));
            parts.add(e.normalize(slice(x, spans.get(r.segment()))));
        }
        return cat(parts);
    }

    /**
     * Re-runs layers {@code fromLayer…L−1} of a finished pass along a branch plan, starting from the
     * pass's hidden state {@code fromLayer} (the output of layer {@code fromLayer − 1}), with the same
     * key padding and the same per-layer attention bias (layer l of the branch uses layer l's bias).
     * The input's extra attention mask, if any, is not re-applied.
     *
     * @param name the branch (see {@link #withBranch})
     * @param main a pass of this encoder run with {@code allHiddenStates}
     * @param fromLayer first layer to re-run, 0…L−1
     * @param scope manager of the result
     * @return output = the branch's final (normalised) output (B, Ttot, D); hiddenStates = the outputs of
     *     layers fromLayer…L−1 along the branch (before the final norm); split, padding and layout as {@code main}
     * @throws IllegalArgumentException for an unknown branch, a pass without hidden states, or a bad layer
     */
    public EncoderOutput runBranch(String name, EncoderOutput main, int fromLayer, NDManager scope) {
        RoutingPlan p = branches.get(name);
        if (p == null) {
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
        long batch = x.getShape().get(0);
        int split = main.splitPosition();
        boolean textFirst = config.family() == ModelFamily.VLMO;
        Span all = new Span(0, total);
        Span none = new Span(0, 0);
        Span visionSpan = switch (layout) {
            case VISION -> all;
            case LANGUAGE -> none;
            case FUSED -> textFirst ? new Span(split, total) : new Span(0, split);
        };
        Span textSpan = switch (layout) {
            case VISION -> none;
            case LANGUAGE -> all;
            case FUSED -> textFirst ? new Span(0, split) : new Span(split, total);
        };
        Map<Segment, Span> spans = Map.of(Segment.VISION_PART, visionSpan, Segment.LANGUAGE_PART, textSpan,
                Segment.ALL, all);
        NDArray pad = main.paddingMask(); // (B, Ttot), 1 = padded key
        NDArray keyBias = keyBias(pad, scope); // (B, 1, 1, Ttot) or null
        NDList hidden = new NDList();
        NDArray out = run(p, x, layout, fromLayer, (int) textSpan.length(), spans, keyBias, true, hidden, scope, null);
        return new EncoderOutput(out, hidden, split, pad, layout);
    }

    /**
     * One Multiway layer. With a cache, the new tokens' keys and values are appended to it first and
     * the queries attend to every cached key (incremental decoding).
     */
    private NDArray layer(RoutingPlan plan, NDArray x, InputLayout layout, int layer, Map<Segment, Span> spans,
            NDArray bias, KeyValueCache cache) {
        List<Route> att = sorted(plan.routes(layout, layer, LayerSlot.ATTENTION), spans);
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
            outs.add(attExperts.get(i).projectOutput(slice(attended, spans.get(att.get(i).segment()))));
        }
        NDArray h = x.add(cat(outs)); // (B, Ttot, D)
        List<Route> ffn = sorted(plan.routes(layout, layer, LayerSlot.FFN), spans);
        List<NDArray> fs = new ArrayList<>();
        for (Route r : ffn) {
            FeedForwardExpert e = (FeedForwardExpert) experts.get(key(layer, LayerSlot.FFN, r.expertId()));
            fs.add(e.forward(slice(h, spans.get(r.segment()))));
        }
        // out of place: the FFN experts' LayerNorm saved h (or a view of it) for the backward pass,
        // so an in-place add would break autograd (training); the cost is one (B, Ttot, D) buffer
        return h.add(cat(fs)); // (B, Ttot, D)
    }

    /**
     * One incremental step: encodes only the new tokens of a growing fused sequence whose earlier
     * tokens' keys and values sit in {@code cache} (image first, then text, BEiT-3 order), and appends
     * the new keys and values to it. The first step usually holds the image and the first text tokens;
     * later steps hold text only, with {@code textOffset} = text tokens already in the sequence.
     *
     * <p>No padding is supported in a step. The attention mask, if any, is (Tn, Tc + Tn) or
     * (R, Tn, Tc + Tn) over [cached tokens, new tokens].
     *
     * @param input the new tokens (image and/or text ids), R rows
     * @param cache keys and values of the earlier tokens (appended to)
     * @param textOffset index of the first new text token within the text
     * @param scope receives the output
     * @return the new tokens' output (R, Tn, D) after the final norm; no hidden states
     */
    public EncoderOutput encodeStep(EncoderInput input, KeyValueCache cache, int textOffset, NDManager scope) {
        if (config.family() != ModelFamily.BEIT3) {
            throw new UnsupportedOperationException("incremental decoding is implemented for BEiT-3 order only");
        }
        NDArray vision = null;
        if (input.image() != null) {
            NDArray img = own(input.image(), scope);
            TokenEmbedding ve = requireEmbedding(Modality.VISION);
            vision = ve.addPositions(ve.embed(withImage(input, img))); // (R, Nv, D)
        }
        NDArray text = null;
        if (input.textIds() != null) {
            NDArray ids = own(input.textIds(), scope).toType(DataType.INT64, false);
            TokenEmbedding te = requireEmbedding(Modality.LANGUAGE);
            text = te.addPositions(te.embed(EncoderInput.text(ids, null)), textOffset); // (R, Tn, D)
        }
        long nv = vision == null ? 0 : vision.getShape().get(1);
        long nt = text == null ? 0 : text.getShape().get(1);
        NDArray x = vision == null ? text : text == null ? vision : NDArrays.concat(new NDList(vision, text), 1);
        InputLayout layout = InputLayout.FUSED;
        Map<Segment, Span> spans = Map.of(Segment.VISION_PART, new Span(0, nv), Segment.LANGUAGE_PART,
                new Span(nv, nv + nt), Segment.ALL, new Span(0, nv + nt));
        NDArray bias = null;
        if (input.attentionMask() != null) {
            bias = own(input.attentionMask(), scope).toType(DataType.FLOAT32, false);
            if (bias.getShape().dimension() == 3) {
                bias = bias.expandDims(1); // (R, 1, Tn, Tc + Tn)
            }
        }
        NDArray out = run(plan, x, layout, 0, (int) nt, spans, bias, false, new NDList(), scope, cache);
        return new EncoderOutput(out, new NDList(), (int) nv, scope.zeros(new Shape(x.getShape().get(0), nv + nt)),
                layout);
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

    private static EncoderInput withImage(EncoderInput in, NDArray img) {
        return new EncoderInput(img, in.textIds(), in.textPaddingMask(), in.visionMaskedPositions(),
                in.attentionMask(), in.allHiddenStates(), in.options());
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
        branches.forEach((name, b) -> sb.append("branch '").append(name).append("':\n").append(b.describe()));
        return sb.toString();
    }
}
