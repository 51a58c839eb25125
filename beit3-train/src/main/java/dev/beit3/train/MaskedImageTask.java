package dev.beit3.train;

import ai.djl.ndarray.NDArray;
import com.google.gson.JsonObject;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.nn.Ops;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Masked image modeling ({@code mim_image}): lines {@code {"image", "visual_tokens": [ids of the N patches]}} (or
 * {@code {"image"}} with a {@link VisualTokenizer}) become {@link BatchKey#IMAGE}, the blockwise mask {@link
 * BatchKey#VISION_MASKED_POS} ({@link PatchMasking#blockwise}) and {@link BatchKey#VISUAL_TOKEN_IDS}; the
 * objective is cross-entropy of {@code mim_head} at the masked patches.
 */
final class MaskedImageTask {
    /** The task id. */
    static final String ID = "mim_image";

    private MaskedImageTask() {}

    /**
     * The objective ({@link Tasks#maskedImageModeling(VisualTokenizer)}).
     *
     * @param tokenizer where targets come from when the batch has none (may be null when it always has)
     * @return the task
     */
    static TrainingTask objective(VisualTokenizer tokenizer) {
        return new TrainingTask() {
            @Override
            public String id() {
                return ID;
            }

            @Override
            public String headId() {
                return null;
            }

            @Override
            public NDArray loss(Network net, Batch b, long step) {
                NDArray img = b.require(BatchKey.IMAGE);
                NDArray mask = b.require(BatchKey.VISION_MASKED_POS);
                NDArray out = net.encoder().encode(EncoderInput.vision(img).withVisionMask(mask), net.scope())
                        .output(); // (B, 1 + N, D)
                NDArray h = Tasks.selectRows(out.get(":, 1:"), mask); // (M, D)
                NDArray logits = Ops.linear(h, net.parameter("mim_head.weight"), net.parameter("mim_head.bias"));
                NDArray targets;
                if (b.has(BatchKey.MIM_TARGETS)) {
                    targets = b.require(BatchKey.MIM_TARGETS);
                } else {
                    NDArray ids = b.has(BatchKey.VISUAL_TOKEN_IDS) ? b.require(BatchKey.VISUAL_TOKEN_IDS)
                            : requireTokenizer(tokenizer).tokenize(img, net.scope()); // (B, N)
                    targets = Tasks.selectRows(ids.expandDims(2), mask).squeeze(1); // (M)
                }
                return Losses.maskedCrossEntropy(logits, targets);
            }
        };
    }

    private static VisualTokenizer requireTokenizer(VisualTokenizer t) {
        if (t == null) {
            throw new InvalidInputException("masked image modeling needs visual token targets: give the batch"
                    + " '" + BatchKey.VISUAL_TOKEN_IDS + "' or '" + BatchKey.MIM_TARGETS + "', or plug in a"
                    + " VisualTokenizer");
        }
        return t;
    }

    /** The data builder: images, their blockwise masks and the visual tokens of the lines that give them. */
    static final class Data implements TaskData {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public boolean readsText() {
            return false;
        }

        @Override
        public Batch build(Examples ex) {
            int b = ex.size();
            Map<BatchKey, NDArray> a = new EnumMap<>(BatchKey.class);
            a.put(BatchKey.IMAGE, ex.images("image"));
            int grid = ex.config().imageSize() / 16; // BEiT-3's patch side
            long with = ex.lines().stream().filter(o -> o.has("visual_tokens")).count();
            if (with != 0 && with != b) {
                throw new InvalidInputException("mim_image: " + with + " of the " + b + " lines of a batch have"
                        + " \"visual_tokens\"; give them on every line, or on none and pass a visual tokenizer");
            }
            long[][] tokens = with == 0 ? null : new long[b][];
            long[][] masks = new long[b][];
            for (int i = 0; i < b; i++) {
                JsonObject o = ex.line(i);
                int g = grid;
                if (tokens != null) {
                    var arr = o.getAsJsonArray("visual_tokens");
                    tokens[i] = new long[arr.size()];
                    for (int k = 0; k < arr.size(); k++) {
                        tokens[i][k] = arr.get(k).getAsLong();
                    }
                    g = (int) Math.round(Math.sqrt(arr.size()));
                    if (g * g != arr.size()) {
                        throw new InvalidInputException("visual_tokens must have a square number of entries (one"
                                + " per patch of the G×G grid), got " + arr.size());
                    }
                }
                masks[i] = PatchMasking.blockwise(Math.max(1, (int) Math.round(ex.config().mimRatio() * g * g)), 4,
                        0.3).mask(g, g, ex.rng(i));
            }
            if (tokens != null) {
                a.put(BatchKey.VISUAL_TOKEN_IDS, ex.manager().create(tokens));
            }
            a.put(BatchKey.VISION_MASKED_POS, ex.manager().create(masks));
            return new Batch(a);
        }
    }

    /** The pretraining task: the encoder and {@code mim_head} over the visual codebook, no task head. */
    static final class Kind implements TaskKind {
        @Override
        public String id() {
            return ID;
        }

        @Override
        public TaskData data() {
            return new Data();
        }

        @Override
        public TrainingTask objective(double labelSmoothing, VisualTokenizer visual) {
            return MaskedImageTask.objective(visual);
        }

        @Override
        public Map<String, long[]> headShapes(int d, int vocab, int numClasses, int visualVocab) {
            Map<String, long[]> head = new LinkedHashMap<>();
            head.put("mim_head.weight", new long[] {visualVocab, d});
            head.put("mim_head.bias", new long[] {visualVocab});
            return head;
        }

        @Override
        public boolean pretraining() {
            return true;
        }
    }
}
