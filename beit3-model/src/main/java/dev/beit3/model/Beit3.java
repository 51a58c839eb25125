package dev.beit3.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.ImageLimits;
import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImageTransformSpec;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelClosedException;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.Precision;
import dev.beit3.api.RgbImage;
import dev.beit3.api.RoutingPlan;
import dev.beit3.api.SpecialTokens;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.api.TextBatch;
import dev.beit3.api.Tokenizer;
import dev.beit3.api.TokenizerProvider;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.Beit3Encoders;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.kernels.KernelSelection;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.api.CaptioningHead;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * A loaded BEiT-3 model: a Multiway encoder under one task head, with its tokenizer and image
 * transform. The entry point of the library.
 *
 * <pre>{@code
 * try (Beit3 model = Beit3.builder().checkpoint(Path.of("beit3_base_patch16_480_vqa.pth"))
 *         .tokenizer(Path.of("beit3.spm")).labels(answers).build()) {
 *     Answer a = model.answer(Path.of("cat.jpg"), "what is on the sofa?");
 * }
 * }</pre>
 *
 * <p>Preprocessing and tokenization come from the {@link ImagePreprocessor} and {@link Tokenizer} providers the
 * registry discovers (the expert-vision and expert-language jars), so a missing jar is a
 * {@link dev.beit3.api.ProviderException} naming it.
 *
 * <p>Thread-safe: calls run concurrently, each in its own native memory scope. {@link #close()} waits
 * for running calls; calls after close fail with {@link ModelClosedException}.
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public final class Beit3 implements AutoCloseable {
    private final SharedEncoder shared;
    private final MultiwayEncoder encoder;
    private final TaskHead head;
    private final HeadSpec headSpec;
    private final NDManager headWeights;
    private final Tokenizer tokenizer;
    private final List<String> labels;
    private final ImageTransformSpec transform;
    private final ImageLimits limits;
    private final int maxTextLength;
    private final Provenance provenance;
    private final CallGuard guard;

    private Beit3(SharedEncoder shared, MultiwayEncoder encoder, TaskHead head, HeadSpec headSpec,
            NDManager headWeights, Tokenizer tokenizer, List<String> labels, ImageTransformSpec transform,
            ImageLimits limits, int maxTextLength, Provenance provenance) {
        this.shared = shared;
        this.encoder = encoder;
        this.head = head;
        this.headSpec = headSpec;
        this.headWeights = headWeights;
        this.tokenizer = tokenizer;
        this.labels = labels == null ? List.of() : List.copyOf(labels);
        this.transform = transform;
        this.limits = limits;
        this.maxTextLength = maxTextLength;
        this.provenance = provenance;
        this.guard = new CallGuard(head::id);
    }

    /**
     * Starts building a model.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ accessors

    /**
     * The encoder configuration.
     *
     * @return the config
     */
    public EncoderConfig config() {
        return encoder.config();
    }

    /**
     * The routing plan of the encoder (printable per layer).
     *
     * @return the plan
     */
    public RoutingPlan plan() {
        return encoder.plan();
    }

    /**
     * The class or answer labels given at build time.
     *
     * @return the labels (possibly empty)
     */
    public List<String> labels() {
        return labels;
    }

    /** The names of the head's outputs, in order. */
    List<String> headOutputNames() {
        return head.outputNames();
    }

    /**
     * The head id.
     *
     * @return e.g. {@code "vqa"}
     */
    public String headId() {
        return head.id();
    }

    /**
     * Where the model came from.
     *
     * @return the provenance
     */
    public Provenance provenance() {
        return provenance;
    }

    /**
     * The image transform inputs go through.
     *
     * @return the transform's kind and size
     */
    public ImageTransformSpec imageTransform() {
        return transform;
    }

    /**
     * The image preprocessing of this model (decoding and the transforms), e.g. to prepare pixels for an
     * exported graph exactly as the model does: {@code imagePreprocessor().toTensor(img, imageTransform())}.
     *
     * @return the preprocessor
     */
    public ImagePreprocessor imagePreprocessor() {
        return shared.images;
    }

    /**
     * The tokenizer, if one was given.
     *
     * @return the tokenizer or null
     */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * The ids of the special tokens of this model's text side: its tokenizer's, or, for a model built without one,
     * those of the tokenizer provider {@link Builder#tokenizer(Path)} uses (fixed by the vocabulary's convention).
     *
     * @return bos, pad, eos, unknown
     */
    public SpecialTokens specialTokens() {
        return tokenizer != null ? tokenizer.specialTokens()
                : shared.registry.tokenizer(TokenizerProvider.DEFAULT_ID).specialTokens();
    }

    /**
     * The text segment length (reference {@code max_len}).
     *
     * @return the length
     */
    public int maxTextLength() {
        return maxTextLength;
    }

    // ------------------------------------------------------------------ inputs

    /**
     * Decodes an image file with this model's limits.
     *
     * @param file the image
     * @return the RGB pixels
     */
    public RgbImage readImage(Path file) {
        try {
            return shared.images.read(file, limits);
        } catch (IOException e) {
            throw new InvalidInputException("cannot read image " + file + ": " + e.getMessage(), e);
        }
    }

    private List<RgbImage> read(List<Path> files) {
        List<RgbImage> out = new ArrayList<>(files.size());
        for (Path p : files) {
            out.add(readImage(p));
        }
        return out;
    }

    private Tokenizer needTokenizer() {
        // checked before tokenizing (outside the call's lock), so a closed model reports itself, not its tokenizer
        guard.requireOpen();
        if (tokenizer == null) {
            throw new InvalidInputException("this model was built without a tokenizer; pass the .spm file with"
                    + " Beit3.builder().tokenizer(path) (the official one is beit3.spm)");
        }
        return tokenizer;
    }

    /** The (B, 3, S, S) batch of images {@code [a, b)}, in the call's scope. */
    private ai.djl.ndarray.NDArray pixels(List<RgbImage> images, int a, int b, NDManager scope) {
        return shared.images.batch(images.subList(a, b), transform, scope);
    }

    // ------------------------------------------------------------------ tasks

    /**
     * Classifies images (image classification head).
     *
     * @param images decoded images
     * @param topK how many classes to report
     * @return one result per image
     */
    public List<Classification> classify(List<RgbImage> images, int topK) {
        requireHead("imageclassification", "classify");
        return chunked(images.size(), (a, b) -> call(scope -> {
            NDList out = head.forward(encoder, HeadInput.ofImages(pixels(images, a, b, scope)), scope);
            List<Classification> res = new ArrayList<>();
            for (float[] l : HeadOutputs.rows(out.get(0))) {
                res.add(HeadOutputs.classification(l, topK, labels));
            }
            return res;
        }));
    }

    /**
     * Classifies image files.
     *
     * @param files image files
     * @param topK how many classes to report
     * @return one result per image
     */
    public List<Classification> classifyFiles(List<Path> files, int topK) {
        return classify(read(files), topK);
    }

    /**
     * L2-normalised image embeddings (retrieval head, image-only pass).
     *
     * @param images decoded images
     * @return one vector per image
     */
    public float[][] embedImages(List<RgbImage> images) {
        requireHead("retrieval", "embedImages");
        return chunked(images.size(), (a, b) -> call(scope -> List.of(HeadOutputs.rows(head.forward(encoder,
                HeadInput.ofImages(pixels(images, a, b, scope)), scope).get(0))))).toArray(new float[0][]);
    }

    /**
     * L2-normalised text embeddings (retrieval head, text-only pass).
     *
     * @param texts the texts
     * @return one vector per text
     */
    public float[][] embedTexts(List<String> texts) {
        requireHead("retrieval", "embedTexts");
        Tokenizer tok = needTokenizer();
        return chunked(texts.size(), (a, b) -> {
            TextBatch batch = tok.batch(texts.subList(a, b), maxTextLength);
            return call(scope -> List.of(HeadOutputs.rows(head.forward(encoder,
                    HeadInput.ofText(batch.toIds(scope), batch.toPaddingMask(scope)), scope).get(1))));
        }).toArray(new float[0][]);
    }

    /**
     * Cosine similarities between images and texts.
     *
     * @param images decoded images
     * @param texts the texts
     * @return (images × texts)
     */
    public float[][] similarity(List<RgbImage> images, List<String> texts) {
        return similarity(embedImages(images), embedTexts(texts));
    }

    /**
     * Dot products of embeddings (cosine similarities for L2-normalised vectors).
     *
     * @param imageEmbeddings (I, E)
     * @param textEmbeddings (T, E)
     * @return (I × T)
     */
    public static float[][] similarity(float[][] imageEmbeddings, float[][] textEmbeddings) {
        float[][] s = new float[imageEmbeddings.length][textEmbeddings.length];
        for (int i = 0; i < s.length; i++) {
            for (int j = 0; j < textEmbeddings.length; j++) {
                float acc = 0;
                for (int k = 0; k < imageEmbeddings[i].length; k++) {
                    acc += imageEmbeddings[i][k] * textEmbeddings[j][k];
                }
                s[i][j] = acc;
            }
        }
        return s;
    }

    /**
     * Answers questions about images (VQA head); each image is paired with its question.
     *
     * @param images decoded images
     * @param questions one question per image
     * @param topK how many answers to report
     * @return one answer per pair
     */
    public List<Answer> answer(List<RgbImage> images, List<String> questions, int topK) {
        requireHead("vqa", "answer");
        sameSize(images.size(), questions.size(), "images", "questions");
        Tokenizer tok = needTokenizer();
        return chunked(images.size(), (a, b) -> call(scope -> {
            TextBatch batch = tok.batch(questions.subList(a, b), maxTextLength);
            NDList out = head.forward(encoder, HeadInput.ofImageText(pixels(images, a, b, scope),
                    batch.toIds(scope), batch.toPaddingMask(scope)), scope);
            List<Answer> res = new ArrayList<>();
            for (float[] l : HeadOutputs.rows(out.get(0))) {
                res.add(HeadOutputs.answer(l, topK, labels));
            }
            return res;
        }));
    }

    /**
     * Answers one question about one image file.
     *
     * @param image the image file
     * @param question the question
     * @return the answer
     */
    public Answer answer(Path image, String question) {
        return answer(List.of(readImage(image)), List.of(question), 5).get(0);
    }

    /**
     * Judges sentences about image pairs (NLVR2 head).
     *
     * @param left first images
     * @param right second images
     * @param sentences one sentence per pair
     * @return one verdict per pair
     */
    public List<Verdict> verify(List<RgbImage> left, List<RgbImage> right, List<String> sentences) {
        requireHead("nlvr2", "verify");
        sameSize(left.size(), right.size(), "first images", "second images");
        sameSize(left.size(), sentences.size(), "image pairs", "sentences");
        Tokenizer tok = needTokenizer();
        return chunked(left.size(), (a, b) -> call(scope -> {
            TextBatch batch = tok.batch(sentences.subList(a, b), maxTextLength);
            NDList out = head.forward(encoder, HeadInput.builder().images(pixels(left, a, b, scope))
                    .secondImages(pixels(right, a, b, scope)).text(batch.toIds(scope), batch.toPaddingMask(scope))
                    .build(), scope);
            List<Verdict> res = new ArrayList<>();
            for (float[] l : HeadOutputs.rows(out.get(0))) {
                res.add(HeadOutputs.verdict(l));
            }
            return res;
        }));
    }

    /**
     * Captions images with the reference beam search.
     *
     * @param images decoded images
     * @param decoding beam size, length, penalty (see {@link #decoding()} for this model's defaults)
     * @return one caption per image
     */
    public List<Caption> caption(List<RgbImage> images, CaptioningHead.Decoding decoding) {
        requireHead("captioning", "caption");
        Tokenizer tok = needTokenizer();
        if (!(head instanceof CaptioningHead ch)) {
            throw new InvalidInputException("head " + head.id() + " does not generate captions");
        }
        return chunked(images.size(), (a, b) -> call(scope -> {
            CaptioningHead.Generation g = ch.generate(encoder, pixels(images, a, b, scope), decoding, false, scope);
            List<Caption> res = new ArrayList<>();
            for (int i = 0; i < b - a; i++) {
                res.add(new Caption(tok.decode(g.decodedIds()[i]), g.decodedIds()[i], g.scores()[i]));
            }
            return res;
        }));
    }

    /**
     * The reference decoding settings for this model: 3 beams, {@link #maxTextLength()} slots, length
     * penalty 0.6, the tokenizer's mask and special ids.
     *
     * @return the settings
     */
    public CaptioningHead.Decoding decoding() {
        int mask = needTokenizer().maskId();
        SpecialTokens ids = specialTokens();
        return new CaptioningHead.Decoding(3, maxTextLength, 0.6, mask, ids.bos(), ids.pad(), ids.eos());
    }

    /**
     * Runs the head on raw tensors: the generic path for custom heads.
     *
     * @param input builds the head input inside the call's scope
     * @return the outputs as float arrays keyed by the head's output names (integer outputs widened)
     */
    public Map<String, float[]> run(Function<NDManager, HeadInput> input) {
        return call(scope -> {
            NDList out = head.forward(encoder, input.apply(scope), scope);
            Map<String, float[]> res = new LinkedHashMap<>();
            for (int i = 0; i < out.size(); i++) {
                res.put(head.outputNames().get(i), out.get(i).toType(DataType.FLOAT32, false).toFloatArray());
            }
            return res;
        });
    }

    /**
     * The same encoder (same weights in memory) under another head, e.g. a user's linear probe.
     *
     * @param headId id of a registered {@link HeadProvider}
     * @param headCheckpoint a checkpoint with the head's tensors, or null to read them from this model's checkpoint
     * @param options head options
     * @return a new model sharing this model's encoder; close it independently
     */
    public Beit3 withHead(String headId, Path headCheckpoint, Map<String, String> options) {
        return guard.guarded(() -> {
            HeadProvider hp = shared.registry.head(headId);
            Checkpoint source = shared.checkpoint;
            if (headCheckpoint != null) {
                try {
                    source = Checkpoint.open(headCheckpoint);
                } catch (IOException e) {
                    throw new CheckpointException("cannot read " + headCheckpoint + ": " + e.getMessage(), e);
                }
            }
            NDManager hw = shared.weights.newSubManager();
            try {
                CheckpointWeights ws = source.weights(hw, shared.kernels);
                HeadSpec spec = new HeadSpec(encoder.config(), hp.preset(), options);
                TaskHead h = hp.create(spec, ws);
                ws.report().throwIfIncomplete("head " + headId);
                shared.retain();
                Provenance p = new Provenance(provenance.checkpoint(), provenance.checkpointSha256(),
                        provenance.config(), headId + " (swapped in"
                        + (headCheckpoint == null ? "" : " from " + headCheckpoint) + ")",
                        provenance.unexpectedKeys(), provenance.notes(), provenance.tokenizer(),
                        provenance.libraryVersion(), provenance.kernels());
                return new Beit3(shared, encoder, h, spec, hw, tokenizer, labels, transform, limits, maxTextLength, p);
            } catch (RuntimeException e) {
                hw.close();
                throw e;
            }
        });
    }

    /**
     * Runs the head inside the caller's manager (for the DJL block): no extra scope, same guard.
     *
     * @param input the head input
     * @param scope the caller's manager
     * @return the head outputs
     */
    NDList forwardInScope(HeadInput input, NDManager scope) {
        return guard.guarded(() -> head.forward(encoder, input, scope));
    }

    // ------------------------------------------------------------------ plumbing

    private <R> List<R> chunked(int n, Chunks.Body<R> body) {
        return Chunks.run(n, shared.batchSize, body);
    }

    private <T> T call(Function<NDManager, T> body) {
        return guard.scoped(shared.weights, body);
    }

    private void requireHead(String id, String method) {
        if (!head.id().equals(id)) {
            throw new InvalidInputException(method + " needs the " + id + " head, but this model has the "
                    + head.id() + " head; load a " + id + " checkpoint or use withHead(\"" + id + "\", …)");
        }
    }

    private static void sameSize(int a, int b, String what, String other) {
        if (a != b) {
            throw new InvalidInputException(a + " " + what + " but " + b + " " + other + "; give one per pair");
        }
        if (a == 0) {
            throw new InvalidInputException("no " + what + " given");
        }
    }

    /**
     * Closes the model: waits for running calls, then frees its native memory (the encoder weights
     * when no model built by {@link #withHead} still uses them). Idempotent.
     */
    @Override
    public void close() {
        guard.close(() -> {
            if (headWeights != null) {
                headWeights.close();
            }
            shared.release();
        });
    }

    @Override
    public String toString() {
        return "Beit3[" + encoder.config().summary() + ", head " + head.id() + "]\n" + provenance;
    }

    // ------------------------------------------------------------------ builder

    /** Builds a {@link Beit3}: checkpoint required, everything else detected or defaulted. */
    public static final class Builder {
        private Path checkpoint;
        private Path tokenizerFile;
        private String headId;
        private Integer imageSize;
        private Integer attentionHeads;
        private Integer maxTextLength;
        private List<String> labels;
        private ImageTransformSpec transform;
        private ImageLimits limits = ImageLimits.defaults();
        private Map<String, String> headOptions = new HashMap<>();
        private ProviderRegistry registry;
        private int batchSize = 16;
        private boolean lowMemory;
        private String kernelsId;
        private Precision precision;
        private java.util.function.Consumer<String> headCheck;

        private Builder() {}

        /**
         * The kernel backend of the linear layers: {@code "djl"} (the reference), {@code "onednn"} (the
         * kernels-onednn jar) or {@code "auto"}. Default: the system property {@code beit3.kernels}, else auto
         * (the available backend of the highest priority; logged once). A backend that cannot run here in fp32
         * falls back to djl and the provenance says so.
         *
         * @param id the backend id
         * @return this
         */
        public Builder kernels(String id) {
            this.kernelsId = id;
            return this;
        }

        /**
         * The precision of the linear layers' matrix products. Default: the system property
         * {@code beit3.precision}, else fp32. bf16 and int8 need a backend and CPU that compute them (oneDNN
         * on AVX512_BF16 / VNNI); otherwise {@link #build()} refuses with the reason.
         *
         * @param p the precision
         * @return this
         */
        public Builder precision(Precision p) {
            this.precision = p;
            return this;
        }

        /**
         * Low-memory mode: the encoder's large matrices (q/k/v, output projections, FFN) are kept in
         * float16 and widened to float32 for each call, about halving the weights' memory; results then
         * differ from float32 weights by float16 rounding (about 1e-3 relative). Default off.
         *
         * @param on whether to keep float16 matrices
         * @return this
         */
        public Builder lowMemory(boolean on) {
            this.lowMemory = on;
            return this;
        }

        /**
         * How many inputs go through the encoder at once (larger lists are processed in chunks; results
         * do not depend on it beyond float rounding). Default 16.
         *
         * @param n the batch size
         * @return this
         */
        public Builder batchSize(int n) {
            if (n < 1) {
                throw new InvalidInputException("batch size must be ≥ 1, got " + n);
            }
            this.batchSize = n;
            return this;
        }

        /**
         * The checkpoint ({@code .pth} or safetensors). Required.
         *
         * @param file the file
         * @return this
         */
        public Builder checkpoint(Path file) {
            this.checkpoint = Objects.requireNonNull(file);
            return this;
        }

        /**
         * The SentencePiece model (required for text tasks).
         *
         * @param spm the {@code .spm} file
         * @return this
         */
        public Builder tokenizer(Path spm) {
            this.tokenizerFile = spm;
            return this;
        }

        /**
         * The head to use; default: detected from the checkpoint's keys.
         *
         * @param id head id
         * @return this
         */
        public Builder head(String id) {
            this.headId = id;
            return this;
        }

        /**
         * The image size S; default: the checkpoint's (positions are interpolated when they differ).
         *
         * @param s image side
         * @return this
         */
        public Builder imageSize(int s) {
            this.imageSize = s;
            return this;
        }

        /**
         * Attention heads H; default D/64 (base 12, large 16). Needed for non-standard widths.
         *
         * @param h heads
         * @return this
         */
        public Builder attentionHeads(int h) {
            this.attentionHeads = h;
            return this;
        }

        /**
         * Text segment length; default: the task preset's (64; captioning 32).
         *
         * @param n length
         * @return this
         */
        public Builder maxTextLength(int n) {
            this.maxTextLength = n;
            return this;
        }

        /**
         * Class or answer labels, by logit index.
         *
         * @param l the labels
         * @return this
         */
        public Builder labels(List<String> l) {
            this.labels = l;
            return this;
        }

        /**
         * Overrides the image transform (default: imagenet_eval for classification, vl_eval otherwise).
         *
         * @param t the transform
         * @return this
         */
        public Builder imageTransform(ImageTransformSpec t) {
            this.transform = t;
            return this;
        }

        /**
         * Input limits (maximum image pixels).
         *
         * @param l the limits
         * @return this
         */
        public Builder imageLimits(ImageLimits l) {
            this.limits = Objects.requireNonNull(l);
            return this;
        }

        /**
         * An option for the head provider.
         *
         * @param key name
         * @param value value
         * @return this
         */
        public Builder headOption(String key, String value) {
            headOptions.put(key, value);
            return this;
        }

        /**
         * The provider registry (default: {@link ProviderRegistry#discover()}).
         *
         * @param r the registry
         * @return this
         */
        public Builder registry(ProviderRegistry r) {
            this.registry = r;
            return this;
        }

        /**
         * A check of the head (named, or detected from the checkpoint's keys) made before any weight is read,
         * e.g. to refuse a checkpoint of another task early: {@code check} throws to refuse it.
         *
         * @param check receives the head id
         * @return this
         */
        public Builder checkHead(java.util.function.Consumer<String> check) {
            this.headCheck = check;
            return this;
        }

        /**
         * Loads the checkpoint (opened once, providers discovered once unless {@link #registry} gave them),
         * builds encoder and head, and checks the strict load report.
         *
         * @return the model
         * @throws CheckpointException when the checkpoint cannot be read or does not fit
         */
        public Beit3 build() {
            if (checkpoint == null) {
                throw new InvalidInputException("no checkpoint given: call checkpoint(path)");
            }
            dev.beit3.core.load.LoadedModel m = dev.beit3.core.load.ModelLoader.load(
                    dev.beit3.core.load.LoadRequest.builder().checkpoint(checkpoint).registry(registry).head(headId)
                            .headCheck(headCheck).headOptions(headOptions).attentionHeads(attentionHeads)
                            .imageSize(imageSize).lowMemory(lowMemory).kernels(kernelsId, precision).build());
            KernelSelection.Choice kc = m.kernels();
            EncoderConfig cfg = m.config();
            MultiwayEncoder enc = m.encoder();
            String hid = m.head().provider().id();
            TaskPreset preset = m.head().spec().task();
            Tokenizer tok = null;
            try {
                if (tokenizerFile != null) {
                    try {
                        tok = m.registry().tokenizer(TokenizerProvider.DEFAULT_ID).load(tokenizerFile);
                    } catch (IOException e) {
                        throw new InvalidInputException("cannot read tokenizer " + tokenizerFile + ": "
                                + e.getMessage(), e);
                    }
                }
                if (tok != null && tok.vocabularySize() > cfg.vocabSize()) {
                    throw new InvalidInputException("tokenizer " + tokenizerFile + " has " + tok.vocabularySize()
                            + " ids but the model's text embedding has " + cfg.vocabSize()
                            + " rows; is it the tokenizer of this model?");
                }
                int textLen = maxTextLength != null ? maxTextLength : preset.maxTextTokens() > 0
                        ? preset.maxTextTokens() : 64;
                ImageTransformSpec tf = transform != null ? transform
                        : preset.name().equals("imageclassification") ? ImageTransformSpec.imagenetEval(cfg.imageSize())
                        : ImageTransformSpec.vlEval(cfg.imageSize());
                List<String> notes = new ArrayList<>();
                if (lowMemory && !kc.kernels().usesModelArrays()) {
                    notes.add("low-memory mode: not applied by the " + kc.kernels().id() + " backend, which keeps its"
                            + " own copy of the matrices (its bf16 precision halves them)");
                } else if (lowMemory) {
                    notes.add("low-memory mode: encoder matrices kept in float16, widened per call");
                }
                String interp = enc.embedding(Modality.VISION) == null ? "" : enc.embedding(Modality.VISION).provenance();
                if (!interp.isEmpty()) {
                    notes.add(interp);
                }
                Provenance prov = new Provenance(checkpoint.toString(), m.checkpoint().sha256(), cfg.summary(),
                        hid + (m.headDetected() ? " (detected from the checkpoint keys)" : " (chosen by the caller)"),
                        m.report().unexpected(), notes,
                        tok == null ? "" : tokenizerFile + " (sha256 " + tok.sha256() + ")", Version.VALUE,
                        kc.describe());
                return new Beit3(new SharedEncoder(m.weights(), m.checkpoint(), tok, m.registry(), batchSize, kc.kernels()),
                        enc, m.head().head(), m.head().spec(), null, tok, labels, tf, limits, textLen, prov);
            } catch (RuntimeException e) {
                m.close();
                if (tok != null) {
                    tok.close();
                }
                throw e;
            }
        }
    }
}
