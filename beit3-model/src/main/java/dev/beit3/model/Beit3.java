package dev.beit3.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.Modality;
import dev.beit3.api.ModelClosedException;
import dev.beit3.api.Kernels;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.Precision;
import dev.beit3.api.RoutingPlan;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.kernels.KernelSelection;
import dev.beit3.core.encoder.Beit3Encoders;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.expert.language.text.Beit3Tokenizer;
import dev.beit3.api.TextBatch;
import dev.beit3.expert.vision.image.ImageDecoder;
import dev.beit3.api.ImageLimits;
import dev.beit3.expert.vision.image.ImageTransform;
import dev.beit3.api.RgbImage;
import dev.beit3.api.CaptioningHead;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

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
 * <p>Thread-safe: calls run concurrently, each in its own native memory scope. {@link #close()} waits
 * for running calls; calls after close fail with {@link ModelClosedException}.
 */
@Api(status = Api.Status.STABLE)
public final class Beit3 implements AutoCloseable {
    private final Shared shared;
    private final MultiwayEncoder encoder;
    private final TaskHead head;
    private final HeadSpec headSpec;
    private final NDManager headWeights;
    private final Beit3Tokenizer tokenizer;
    private final List<String> labels;
    private final ImageTransform transform;
    private final ImageLimits limits;
    private final int maxTextLength;
    private final Provenance provenance;
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private volatile boolean closed;

    /** Encoder weights shared by the models built with {@link #withHead}; closed with the last one. */
    private static final class Shared {
        final NDManager weights;
        final Checkpoint checkpoint;
        final Beit3Tokenizer tokenizer;
        final ProviderRegistry registry;
        final int batchSize;
        final Kernels kernels;
        final AtomicInteger users = new AtomicInteger(1);

        Shared(NDManager weights, Checkpoint checkpoint, Beit3Tokenizer tokenizer, ProviderRegistry registry,
                int batchSize, Kernels kernels) {
            this.kernels = kernels;
            this.weights = weights;
            this.checkpoint = checkpoint;
            this.tokenizer = tokenizer;
            this.registry = registry;
            this.batchSize = batchSize;
        }

        void release() {
            if (users.decrementAndGet() == 0) {
                weights.close();
                kernels.close();
                if (tokenizer != null) {
                    tokenizer.close();
                }
            }
        }
    }

    private Beit3(Shared shared, MultiwayEncoder encoder, TaskHead head, HeadSpec headSpec, NDManager headWeights,
            Beit3Tokenizer tokenizer, List<String> labels, ImageTransform transform, ImageLimits limits,
            int maxTextLength, Provenance provenance) {
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
    }

    /**
     * The head a checkpoint was fine-tuned for, read from its keys without loading any weights (only
     * the file's structure is read), e.g. to refuse a checkpoint of the wrong task early.
     *
     * @param checkpoint a BEiT-3 {@code .pth} or safetensors file
     * @return the head id, e.g. {@code "vqa"}
     * @throws CheckpointException when the file is unreadable, not BEiT-3, or holds no known head
     */
    public static String detectHead(Path checkpoint) {
        try {
            return CheckpointLayout.of(Checkpoint.open(checkpoint)).detectHead(ProviderRegistry.discover());
        } catch (IOException e) {
            throw new CheckpointException("cannot read checkpoint " + checkpoint + ": " + e.getMessage(), e);
        }
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
    java.util.List<String> headOutputNames() {
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
     * @return the transform
     */
    public ImageTransform imageTransform() {
        return transform;
    }

    /**
     * The tokenizer, if one was given.
     *
     * @return the tokenizer or null
     */
    public Beit3Tokenizer tokenizer() {
        return tokenizer;
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
            return ImageDecoder.decode(file, limits);
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

    private Beit3Tokenizer needTokenizer() {
        if (closed) {
            // checked before tokenizing (outside the call's lock), so a closed model reports itself, not its tokenizer
            throw new ModelClosedException("this BEiT-3 model (" + head.id() + ") is closed; load it again");
        }
        if (tokenizer == null) {
            throw new InvalidInputException("this model was built without a tokenizer; pass the .spm file with"
                    + " Beit3.builder().tokenizer(path) (the official one is beit3.spm)");
        }
        return tokenizer;
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
            NDList out = head.forward(encoder, new HeadInput(transform.batch(images.subList(a, b), scope), null, null,
                    null, Map.of()), scope);
            float[][] logits = rows(out.get(0));
            List<Classification> res = new ArrayList<>();
            for (float[] l : logits) {
                res.add(new Classification(top(l, topK, softmax(l)), l));
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
        return chunked(images.size(), (a, b) -> call(scope -> List.of(rows(head.forward(encoder,
                new HeadInput(transform.batch(images.subList(a, b), scope), null, null, null, Map.of()), scope)
                .get(0))))).toArray(new float[0][]);
    }

    /**
     * L2-normalised text embeddings (retrieval head, text-only pass).
     *
     * @param texts the texts
     * @return one vector per text
     */
    public float[][] embedTexts(List<String> texts) {
        requireHead("retrieval", "embedTexts");
        Beit3Tokenizer tok = needTokenizer();
        return chunked(texts.size(), (a, b) -> {
            TextBatch batch = tok.batch(texts.subList(a, b), maxTextLength);
            return call(scope -> List.of(rows(head.forward(encoder,
                    new HeadInput(null, null, batch.toIds(scope), batch.toPaddingMask(scope), Map.of()), scope)
                    .get(1))));
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
        Beit3Tokenizer tok = needTokenizer();
        return chunked(images.size(), (a, b) -> call(scope -> {
            TextBatch batch = tok.batch(questions.subList(a, b), maxTextLength);
            NDList out = head.forward(encoder, new HeadInput(transform.batch(images.subList(a, b), scope), null,
                    batch.toIds(scope), batch.toPaddingMask(scope), Map.of()), scope);
            List<Answer> res = new ArrayList<>();
            for (float[] l : rows(out.get(0))) {
                double[] p = new double[l.length];
                for (int i = 0; i < l.length; i++) {
                    p[i] = 1 / (1 + Math.exp(-l[i]));
                }
                List<Label> top = top(l, topK, p);
                res.add(new Answer(top.get(0).label(), top, l));
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
        Beit3Tokenizer tok = needTokenizer();
        return chunked(left.size(), (a, b) -> call(scope -> {
            TextBatch batch = tok.batch(sentences.subList(a, b), maxTextLength);
            NDList out = head.forward(encoder, new HeadInput(transform.batch(left.subList(a, b), scope),
                    transform.batch(right.subList(a, b), scope), batch.toIds(scope), batch.toPaddingMask(scope),
                    Map.of()), scope);
            List<Verdict> res = new ArrayList<>();
            for (float[] l : rows(out.get(0))) {
                double[] p = softmax(l);
                res.add(new Verdict(l[1] > l[0], p[1], l));
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
        Beit3Tokenizer tok = needTokenizer();
        if (!(head instanceof CaptioningHead ch)) {
            throw new InvalidInputException("head " + head.id() + " does not generate captions");
        }
        return chunked(images.size(), (a, b) -> call(scope -> {
            CaptioningHead.Generation g = ch.generate(encoder, transform.batch(images.subList(a, b), scope), decoding,
                    false, scope);
            List<Caption> res = new ArrayList<>();
            for (int i = 0; i < b - a; i++) {
                res.add(new Caption(tok.decode(g.decodedIds()[i]), g.decodedIds()[i], g.scores()[i]));
            }
            return res;
        }));
    }

    /**
     * The reference decoding settings for this model: 3 beams, {@link #maxTextLength()} slots, length
     * penalty 0.6, the tokenizer's mask id.
     *
     * @return the settings
     */
    public CaptioningHead.Decoding decoding() {
        return new CaptioningHead.Decoding(3, maxTextLength, 0.6, needTokenizer().maskId(), 0, 1, 2);
    }

    /**
     * Runs the head on raw tensors: the generic path for custom heads.
     *
     * @param input builds the head input inside the call's scope
     * @return the outputs as float arrays keyed by the head's output names (integer outputs widened)
     */
    public Map<String, float[]> run(java.util.function.Function<NDManager, HeadInput> input) {
        return call(scope -> {
            NDList out = head.forward(encoder, input.apply(scope), scope);
            Map<String, float[]> res = new java.util.LinkedHashMap<>();
            for (int i = 0; i < out.size(); i++) {
                res.put(head.outputNames().get(i), out.get(i).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
                        .toFloatArray());
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
        return guarded(() -> {
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
                shared.users.incrementAndGet();
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
        return guarded(() -> head.forward(encoder, input, scope));
    }

    // ------------------------------------------------------------------ plumbing

    /** Runs {@code body} on index ranges of at most the batch size and concatenates the results. */
    private <R> List<R> chunked(int n, java.util.function.BiFunction<Integer, Integer, List<R>> body) {
        if (n == 0) {
            throw new InvalidInputException("no inputs given");
        }
        List<R> out = new ArrayList<>(n);
        for (int from = 0; from < n; from += shared.batchSize) {
            out.addAll(body.apply(from, Math.min(n, from + shared.batchSize)));
        }
        return out;
    }

    private interface ScopedCall<T> {
        T apply(NDManager scope);
    }

    private <T> T call(ScopedCall<T> body) {
        return guarded(() -> {
            try (NDManager scope = shared.weights.newSubManager()) {
                return body.apply(scope);
            }
        });
    }

    private <T> T guarded(java.util.function.Supplier<T> body) {
        ReentrantReadWriteLock.ReadLock r = lock.readLock();
        r.lock();
        try {
            if (closed) {
                throw new ModelClosedException("this BEiT-3 model (" + head.id() + ") is closed; load it again");
            }
            return body.get();
        } finally {
            r.unlock();
        }
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

    private List<Label> top(float[] logits, int k, double[] probs) {
        Integer[] idx = new Integer[logits.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (a, b) -> Float.compare(logits[b], logits[a]));
        List<Label> out = new ArrayList<>();
        for (int i = 0; i < Math.min(Math.max(k, 1), idx.length); i++) {
            int c = idx[i];
            out.add(new Label(c, c < labels.size() ? labels.get(c) : String.valueOf(c), logits[c], probs[c]));
        }
        return out;
    }

    private static double[] softmax(float[] l) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : l) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[l.length];
        for (int i = 0; i < l.length; i++) {
            p[i] = Math.exp(l[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < l.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    private static float[][] rows(NDArray a) {
        long n = a.getShape().get(0);
        long d = a.getShape().dimension() > 1 ? a.getShape().get(1) : 1;
        float[] flat = a.toFloatArray();
        float[][] out = new float[(int) n][];
        for (int i = 0; i < n; i++) {
            out[i] = Arrays.copyOfRange(flat, (int) (i * d), (int) ((i + 1) * d));
        }
        return out;
    }

    /**
     * Closes the model: waits for running calls, then frees its native memory (the encoder weights
     * when no model built by {@link #withHead} still uses them). Idempotent.
     */
    @Override
    public void close() {
        ReentrantReadWriteLock.WriteLock w = lock.writeLock();
        w.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (headWeights != null) {
                headWeights.close();
            }
            shared.release();
        } finally {
            w.unlock();
        }
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
        private ImageTransform transform;
        private ImageLimits limits = ImageLimits.defaults();
        private Map<String, String> headOptions = new HashMap<>();
        private ProviderRegistry registry;
        private int batchSize = 16;
        private boolean lowMemory;
        private String kernelsId;
        private Precision precision;

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
        public Builder imageTransform(ImageTransform t) {
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
         * Loads the checkpoint, builds encoder and head, and checks the strict load report.
         *
         * @return the model
         * @throws CheckpointException when the checkpoint cannot be read or does not fit
         */
        public Beit3 build() {
            if (checkpoint == null) {
                throw new InvalidInputException("no checkpoint given: call checkpoint(path)");
            }
            ProviderRegistry reg = registry != null ? registry : ProviderRegistry.discover();
            Checkpoint ckpt;
            try {
                ckpt = Checkpoint.open(checkpoint);
            } catch (IOException e) {
                throw new CheckpointException("cannot read checkpoint " + checkpoint + ": " + e.getMessage(), e);
            }
            CheckpointLayout layout = CheckpointLayout.of(ckpt);
            String hid = headId != null ? headId : layout.detectHead(reg);
            HeadProvider hp = reg.head(hid);
            layout.requireHead(hp, reg);
            TaskPreset preset = hp.preset();
            int h = attentionHeads != null ? attentionHeads : layout.defaultHeads();
            EncoderConfig cfg;
            try {
                cfg = new EncoderConfig(ModelFamily.BEIT3, layout.dim(), h, layout.layers(), layout.ffnDim(),
                        layout.patchSize(), imageSize != null ? imageSize : layout.imageSize(), layout.vocabSize(), 1024,
                        1e-5, layout.finalLayerNorm(), layout.layers());
            } catch (IllegalArgumentException e) {
                // a setting the caller chose (or a checkpoint shape) that the encoder cannot use: bad input
                String m = e.getMessage();
                String setting = m.startsWith("imageSize") ? " (Beit3.builder().imageSize(s))"
                        : m.startsWith("dim") ? " (Beit3.builder().attentionHeads(h))" : "";
                throw new InvalidInputException(checkpoint.getFileName() + ": " + m + setting, e);
            }
            Beit3Tokenizer tok = null;
            KernelSelection.Choice kc = KernelSelection.choose(reg, kernelsId, precision);
            NDManager weights = NDManager.newBaseManager();
            try {
                if (tokenizerFile != null) {
                    try {
                        tok = Beit3Tokenizer.load(tokenizerFile);
                    } catch (IOException e) {
                        throw new InvalidInputException("cannot read tokenizer " + tokenizerFile + ": "
                                + e.getMessage(), e);
                    }
                }
                CheckpointWeights ws = ckpt.weights(weights, kc.kernels()).withLowMemory(lowMemory);
                MultiwayEncoder enc = Beit3Encoders.build(cfg, ws, Beit3Encoders.plan(cfg), reg::expert,
                        reg::embedding);
                HeadSpec spec = new HeadSpec(cfg, preset, headOptions);
                TaskHead head = hp.create(spec, ws);
                ws.report().throwIfIncomplete(checkpoint.getFileName() + " as " + cfg.summary() + " with the "
                        + hid + " head");
                if (tok != null && tok.vocabularySize() > cfg.vocabSize()) {
                    throw new InvalidInputException("tokenizer " + tokenizerFile + " has " + tok.vocabularySize()
                            + " ids but the model's text embedding has " + cfg.vocabSize()
                            + " rows; is it the tokenizer of this model?");
                }
                int textLen = maxTextLength != null ? maxTextLength : preset.maxTextTokens() > 0
                        ? preset.maxTextTokens() : 64;
                ImageTransform tf = transform != null ? transform
                        : preset.name().equals("imageclassification") ? ImageTransform.imagenetEval(cfg.imageSize())
                        : ImageTransform.vlEval(cfg.imageSize());
                List<String> notes = new ArrayList<>();
                if (lowMemory && !kc.kernels().usesModelArrays()) {
                    notes.add("low-memory mode: not applied by the " + kc.kernels().id() + " backend, which keeps its"
                            + " own copy of the matrices (its bf16 precision halves them)");
                } else if (lowMemory) {
                    notes.add("low-memory mode: encoder matrices kept in float16, widened per call");
                    System.gc(); // the closed float32 originals free their (direct) memory only after a GC
                }
                String interp = enc.embedding(Modality.VISION) == null ? "" : enc.embedding(Modality.VISION).provenance();
                if (!interp.isEmpty()) {
                    notes.add(interp);
                }
                Provenance prov = new Provenance(checkpoint.toString(), ckpt.sha256(), cfg.summary(),
                        hid + (headId != null ? " (chosen by the caller)" : " (detected from the checkpoint keys)"),
                        ws.report().unexpected(), notes,
                        tok == null ? "" : tokenizerFile + " (sha256 " + tok.sha256() + ")", Version.VALUE,
                        kc.describe());
                return new Beit3(new Shared(weights, ckpt, tok, reg, batchSize, kc.kernels()), enc, head, spec, null, tok, labels, tf, limits, textLen,
                        prov);
            } catch (RuntimeException e) {
                weights.close();
                kc.kernels().close();
                if (tok != null) {
                    tok.close();
                }
                throw e;
            }
        }
    }
}
