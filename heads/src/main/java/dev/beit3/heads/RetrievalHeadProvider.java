package dev.beit3.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.HeadInput;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.LinearWeights;
import dev.beit3.core.spi.DeclaredHeadProvider;
import java.util.List;
import java.util.Set;

/**
 * Image–text retrieval ({@code BEiT3ForRetrieval}), a dual encoder: an image-only pass gives
 * {@code vision_cls} = l2norm(vision_head(out₀)), a text-only pass {@code language_cls} =
 * l2norm(language_head(out₀)); {@code scores} = vision_cls · language_clsᵀ (cosine similarity).
 * Outputs that lack their input are (0, D) arrays; {@code scores} is (0, 0) unless both are given.
 * {@code logit_scale} (a logarithm) only enters the training loss.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class RetrievalHeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "retrieval";

    /** Creates the provider. */
    public RetrievalHeadProvider() {
        super(ID, ModelFamily.BEIT3, TaskPreset.RETRIEVAL, Set.of("vision_head.weight", "language_head.weight"),
                "retrieval: L2-normalised image and text embeddings, cosine similarity");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        long e = HeadSupport.outFeatures(ws, "vision_head.weight", "retrieval head");
        String p = "retrieval head";
        NDArray scale = ws.optional("logit_scale", new Shape(), p).orElse(null);
        return new Head(LinearWeights.load(ws, "vision_head", e, d, false, p),
                LinearWeights.load(ws, "language_head", e, d, false, p), scale, e);
    }

    private record Head(LinearWeights visionHead, LinearWeights languageHead, NDArray logitScale, long dim)
            implements TaskHead {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public List<String> outputNames() {
            return List.of("vision_cls", "language_cls", "scores");
        }

        @Override
        public NDList forward(Encoder encoder, HeadInput input, NDManager scope) {
            if (input.images() == null && input.textIds() == null) {
                throw new InvalidInputException("the retrieval head needs images, texts, or both");
            }
            NDArray v = input.images() == null ? scope.zeros(new Shape(0, dim))
                    : HeadSupport.l2normalize(visionHead.apply(
                            encoder.encode(EncoderInput.vision(input.images()), scope).output().get(":, 0")));
            NDArray t = input.textIds() == null ? scope.zeros(new Shape(0, dim))
                    : HeadSupport.l2normalize(languageHead.apply(encoder.encode(
                            EncoderInput.text(input.textIds(), input.textPaddingMask()), scope).output().get(":, 0")));
            NDArray scores = input.images() != null && input.textIds() != null ? v.matMul(t.transpose())
                    : scope.zeros(new Shape(0, 0));
            return new NDList(v, t, scores);
        }
    }
}
