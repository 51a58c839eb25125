package dev.beit3.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.Api;
import dev.beit3.api.CaptioningHead;
import dev.beit3.api.DecodingSession;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.EncoderOutput;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.LinearWeights;
import dev.beit3.core.nn.MaskedRows;
import dev.beit3.core.spi.DeclaredHeadProvider;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Image captioning ({@code BEiT3ForCaptioning}): {@code mlm_head} over the text outputs of a fused
 * pass under the captioning mask ({@link CaptioningMask}), and the reference beam search ({@link
 * CaptioningBeamSearch}), with the keys and values of earlier tokens in the encoder's {@link DecodingSession}
 * when it has one. {@link TaskHead#forward} generates: it returns {@code decoded_ids} (B, Lmax) int64 and
 * {@code scores} (B); options {@code beamSize}, {@code maxLength}, {@code lengthPenalty}, {@code maskId}
 * (required).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class CaptioningHeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "captioning";

    /** Creates the provider. */
    public CaptioningHeadProvider() {
        super(ID, ModelFamily.BEIT3, TaskPreset.CAPTIONING, Set.of("mlm_head.weight"),
                "captioning: masked-LM head under the captioning mask + reference beam search");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        long vocab = HeadSupport.outFeatures(ws, "mlm_head.weight", "captioning head");
        return new Head(LinearWeights.load(ws, "mlm_head", vocab, d, true, "captioning head"), (int) vocab);
    }

    /** The captioning head: the masked-LM head and the search around it. Shapes as in {@link CaptioningHead}. */
    static final class Head implements CaptioningHead {
        private final LinearWeights mlm;
        private final int vocab;

        Head(LinearWeights mlm, int vocab) {
            this.mlm = mlm;
            this.vocab = vocab;
        }

        @Override
        public String id() {
            return ID;
        }

        @Override
        public List<String> outputNames() {
            return List.of("decoded_ids", "scores");
        }

        @Override
        public NDList forward(Encoder encoder, HeadInput input, NDManager scope) {
            NDArray img = HeadSupport.need(input.images(), "images", ID);
            if (!input.options().containsKey("maskId")) {
                throw new InvalidInputException("the captioning head needs option maskId (the tokenizer's <mask> id)");
            }
            Decoding dec = Decoding.builder(input.intOption("maskId", -1)).beams(input.intOption("beamSize", 3))
                    .maxLength(input.intOption("maxLength", 32)).lengthPenalty(input.doubleOption("lengthPenalty", 0.6))
                    .build();
            Generation g = generate(encoder, img, dec, false, scope);
            long[] flat = Arrays.stream(g.decodedIds()).flatMapToLong(Arrays::stream).toArray();
            return new NDList(scope.create(flat, new Shape(g.decodedIds().length, dec.maxLength())),
                    scope.create(toFloats(g.scores())));
        }

        private static float[] toFloats(double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }

        @Override
        public NDArray maskedLm(Encoder encoder, NDArray images, NDArray textIds, NDArray paddingMask,
                NDArray maskedPositions, NDManager scope) {
            int t = (int) textIds.getShape().get(1);
            int nv = encoder.config().numPatches() + 1;
            EncoderInput in = EncoderInput.fused(images, textIds, paddingMask)
                    .withAttentionMask(CaptioningMask.full(nv, t, scope));
            EncoderOutput out = encoder.encode(in, scope);
            NDArray text = out.output().get(":, {}:", nv); // (B, T, D)
            return mlm.apply(MaskedRows.select(text, maskedPositions)); // (M, V), rows in row-major order of the mask
        }

        @Override
        public Generation generate(Encoder encoder, NDArray images, Decoding dec, boolean recordSteps,
                NDManager scope) {
            int b = (int) images.getShape().get(0);
            Optional<DecodingSession> session = dec.useCache() ? encoder.startDecoding(scope) : Optional.empty();
            try (CaptioningSteps steps = session.<CaptioningSteps>map(s -> new CaptioningSteps.Cached(s, encoder,
                    images, mlm, dec.beams(), dec.maskId()))
                    .orElseGet(() -> new CaptioningSteps.Recomputed(encoder, images, mlm, dec.beams()))) {
                return new CaptioningBeamSearch(dec, vocab).run(b, steps, recordSteps, scope);
            }
        }
    }
}
