package dev.beit3.vlmo.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.EncoderOutput;
import dev.beit3.api.HeadInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.LayerNormWeights;
import dev.beit3.core.nn.LinearWeights;
import dev.beit3.core.nn.Ops;
import dev.beit3.vlmo.VlmoEncoders;

/** Helpers shared by the VLMo heads. Shapes: B batch, T text tokens, D width. */
final class VlmoHeadSupport {
    private VlmoHeadSupport() {}

    /** Output features of a stored linear weight, or a message naming the key and the head. */
    static long outFeatures(WeightSource ws, String key, String head) {
        return ws.shape(key).map(s -> s.get(0)).orElseThrow(() -> new CheckpointException("checkpoint has no key "
                + key + " (expected for the " + head + " head); head keys present: " + ws.keys().stream()
                        .filter(k -> !k.startsWith("transformer.") && !k.startsWith("text_embeddings.")).sorted().toList()
                + "; was this checkpoint fine-tuned for another task?"));
    }

    /** Refuses encoders of another family. */
    static void requireVlmo(Encoder encoder, String head) {
        if (!ModelFamily.VLMO.equals(encoder.config().family())) {
            throw new InvalidInputException("the " + head + " head reads VLMo checkpoints; this encoder is "
                    + encoder.config().family().displayName());
        }
    }

    /** A required input, or a message naming it. */
    static NDArray need(NDArray a, String what, String head) {
        if (a == null) {
            throw new InvalidInputException("the " + head + " head needs " + what);
        }
        return a;
    }

    /** One fused pass (text first) with the given image token type. */
    static EncoderOutput fused(Encoder encoder, NDArray images, HeadInput in, int imageTokenType, NDManager scope) {
        EncoderInput ei = EncoderInput.fused(images, in.textIds(), in.textPaddingMask())
                .withOption(VlmoEncoders.IMAGE_TOKEN_TYPE, Integer.toString(imageTokenType));
        return encoder.encode(ei, scope);
    }

    /** x / ‖x‖ over the last axis (VLMo's ITC normalisation, no epsilon). */
    static NDArray l2(NDArray x) {
        return x.div(x.norm(new int[] {-1}, true)); // (…, E)
    }

    /**
     * The VL branch output (final-normed) of a single-modality pass run with all hidden states.
     *
     * @return (B, Ttot, D), or null when the encoder has no VL branch
     */
    static NDArray vlBranch(Encoder encoder, EncoderOutput main, NDManager scope) {
        if (!encoder.branchNames().contains(VlmoEncoders.BRANCH_VL)) {
            return null;
        }
        return encoder.runBranch(VlmoEncoders.BRANCH_VL, main, scope).output();
    }

    /** The pooler: tanh(dense(x[:, 0])), token 0 = the text [CLS] of a fused pass. */
    record Pooler(LinearWeights dense) {
        static Pooler load(WeightSource ws, long dim) {
            return new Pooler(LinearWeights.load(ws, "pooler.dense", dim, dim, true, "VLMo pooler"));
        }

        NDArray apply(NDArray encoderOut) {
            return dense.apply(encoderOut.get(":, 0")).tanh(); // (B, D)
        }
    }

    /** VQA / NLVR2 classifier: {@code .3(gelu(LayerNorm_1e-5(.0(x))))}. */
    record Classifier(LinearWeights first, LayerNormWeights norm, LinearWeights last) {
        static Classifier load(WeightSource ws, String name, long in, String head) {
            long hidden = outFeatures(ws, name + ".0.weight", head);
            long classes = outFeatures(ws, name + ".3.weight", head);
            String p = head + " classifier";
            return new Classifier(LinearWeights.load(ws, name + ".0", hidden, in, true, p),
                    LayerNormWeights.load(ws, name + ".1", hidden, 1e-5, p),
                    LinearWeights.load(ws, name + ".3", classes, hidden, true, p));
        }

        NDArray apply(NDArray x) {
            return last.apply(Ops.gelu(norm.apply(first.apply(x)))); // (B, C)
        }
    }

    /**
     * Pooler + classifier over the pooled text [CLS] of a fused pass: VQA (one pass, image token type 1) and
     * NLVR2 ({@code pair}: a second pass over the second images with token type 2, the two poolers joined).
     */
    static final class PooledClassifierHead extends VlmoHead {
        private final Pooler pooler;
        private final Classifier classifier;
        private final boolean pair;

        PooledClassifierHead(String id, Pooler pooler, Classifier classifier, boolean pair) {
            super(id, "logits", "cls_feats");
            this.pooler = pooler;
            this.classifier = classifier;
            this.pair = pair;
        }

        @Override
        NDList run(Encoder encoder, HeadInput input, NDManager scope) {
            NDArray first = need(input.images(), pair ? "the first images" : "images", id());
            NDArray second = pair ? need(input.secondImages(), "the second images", id()) : null;
            need(input.textIds(), pair ? "text ids" : "question ids", id());
            NDArray cls = pooler.apply(fused(encoder, first, input, 1, scope).output()); // (B, D)
            if (pair) {
                NDArray c2 = pooler.apply(fused(encoder, second, input, 2, scope).output()); // (B, D)
                cls = cls.concat(c2, 1); // (B, 2D)
            }
            return new NDList(classifier.apply(cls), cls);
        }
    }
}
