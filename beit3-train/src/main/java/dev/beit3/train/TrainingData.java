package dev.beit3.train;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.beit3.api.ImageLimits;
import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.ImageTransformSpec;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.RgbImage;
import dev.beit3.api.Tokenizer;
import dev.beit3.core.plugin.ProviderRegistry;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * A training or evaluation dataset in the simple folder format: {@code DIR/data.jsonl} (one JSON object per
 * line, image paths relative to {@code DIR}) plus optional label lists. Lines per task:
 *
 * <pre>
 * imageclassification  {"image": "x.png", "label": 3}
 * vqa                  {"image": "x.png", "question": "...", "answers": {"yes": 1.0}}   soft VQAv2 scores
 *                      {"image": "x.png", "question": "...", "answer": "yes"}           one answer = score 1
 *                      (answers by text need DIR/answers.json, a JSON list; integer keys are indices)
 * nlvr2                {"image_a": "a.png", "image_b": "b.png", "sentence": "...", "label": 1}  (or true/false)
 * retrieval            {"image": "x.png", "text": "..."}          (or "caption")
 * captioning           {"image": "x.png", "caption": "..."}
 * mlm_text             {"text": "..."}
 * mlm_image_text       {"image": "x.png", "text": "..."}
 * mim_image            {"image": "x.png", "visual_tokens": [ids of the N patches]}   or {"image": "x.png"} with a
 *                      VisualTokenizer computing the targets
 * </pre>
 *
 * <p>Class names for classification may be given in {@code DIR/labels.json} (a JSON list); otherwise the
 * number of classes is 1 + the largest label.
 *
 * <p>Streamed: opening indexes the byte offset of every line (8 bytes per example); a batch reads its lines
 * and decodes its images on demand. Batch {@code k} is a pure function of (seed, k): examples in a
 * per-epoch seeded permutation (or in file order without shuffling), augmentation and masking drawn from a
 * per-example seeded generator. A resumed run therefore sees exactly the batches an uninterrupted run
 * would ({@link #batches(long, NDManager)} from the resumed step).
 *
 * <p>Images: decoded as the official {@code default_loader} (RGB), then the configured {@link Augmentation}
 * (random resized crop + flip, or nothing), then the task's official evaluation transform at the model's
 * size (ImageNet mean/std for classification; mean = std = 0.5 otherwise), which is the identity on the
 * geometry once the crop has the model's size. Text: the official segments of the {@link Tokenizer}.
 * Captioning: the official {@code CaptioningDataset} masking ({@link TokenMasking#captioning}). Masked
 * language modeling: {@link TokenMasking#random}; masked image modeling: {@link PatchMasking#blockwise}.
 *
 * <p>This class holds what every task shares: the file index, the order of the examples and the read-ahead.
 * What a task's lines become is its data builder's ({@code TaskData}, one per task next to the task's
 * objective, e.g. {@code VqaTask}); the arrays are under {@link BatchKey}s.
 */
public final class TrainingData {
    /** The file every dataset folder holds. */
    public static final String FILE = "data.jsonl";

    /**
     * Dataset settings.
     *
     * @param task task id: {@code imageclassification}, {@code vqa}, {@code nlvr2}, {@code retrieval},
     *     {@code captioning}, {@code mlm_text}, {@code mlm_image_text}, {@code mim_image}
     * @param dir the dataset folder
     * @param batchSize examples per batch
     * @param imageSize the model's image side S
     * @param textMaxLen text segment length (bos and eos included)
     * @param augmentation training geometry (use {@link Augmentation#none()} for evaluation)
     * @param shuffle whether each epoch is a seeded permutation (else file order)
     * @param seed seed of order, augmentation and masking
     * @param maskProbability captioning mask probability, or the MLM ratio (text tasks)
     * @param mimRatio fraction of patches masked for {@code mim_image}
     * @param randAugment augmentation of the (cropped, flipped) pictures ({@link RandAugment} for image
     *     classification, {@link VlRandomAugment} for the vision-language tasks), or null for none
     * @param erasing random erasing of the normalised classification images, or null for none
     * @param mixup Mixup / CutMix of classification batches (adds {@code soft_target}), or null for none
     */
    public record Config(String task, Path dir, int batchSize, int imageSize, int textMaxLen, Augmentation augmentation,
            boolean shuffle, long seed, double maskProbability, double mimRatio, PictureAugment randAugment,
            RandomErasing erasing, Mixup mixup) {
        /**
         * Settings without random erasing and Mixup.
         *
         * @param task task id
         * @param dir the dataset folder
         * @param batchSize examples per batch
         * @param imageSize the model's image side S
         * @param textMaxLen text segment length
         * @param augmentation training geometry
         * @param shuffle seeded permutation per epoch
         * @param seed seed of order, augmentation and masking
         * @param maskProbability captioning mask probability / MLM ratio
         * @param mimRatio fraction of patches masked for {@code mim_image}
         */
        public Config(String task, Path dir, int batchSize, int imageSize, int textMaxLen, Augmentation augmentation,
                boolean shuffle, long seed, double maskProbability, double mimRatio) {
            this(task, dir, batchSize, imageSize, textMaxLen, augmentation, shuffle, seed, maskProbability, mimRatio,
                    null, null, null);
        }

        /** Validates. */
        public Config {
            boolean classification = "imageclassification".equals(task);
            if (randAugment instanceof VlRandomAugment && (classification || "mim_image".equals(task)
                    || "mlm_text".equals(task))) {
                throw new InvalidInputException("the vision-language RandomAugment belongs to the vision-language"
                        + " recipes (retrieval, VQA, NLVR2, captioning); the " + task + " task cannot use it");
            }
            if ((randAugment instanceof RandAugment || erasing != null || mixup != null) && !classification) {
                throw new InvalidInputException("RandAugment, random erasing and Mixup/CutMix are part of the image"
                        + " classification"
                        + " recipe only; the " + task + " task cannot use them");
            }
            if (mixup != null && batchSize % 2 != 0) {
                throw new InvalidInputException("Mixup/CutMix pairs sample b with sample B−1−b and needs an even batch"
                        + " size (as timm); got " + batchSize);
            }
            if (batchSize < 1 || imageSize < 1 || textMaxLen < 3) {
                throw new InvalidInputException("dataset needs batch ≥ 1, image size ≥ 1, text length ≥ 3; got "
                        + batchSize + ", " + imageSize + ", " + textMaxLen);
            }
            if (augmentation == null) {
                augmentation = Augmentation.none();
            }
        }
    }

    private final Config config;
    private final Tokenizer tokenizer;
    private final Path file;
    private final long[] offsets;
    private final List<String> labels;
    private final Map<String, Integer> labelIndex = new LinkedHashMap<>();
    private final int numClasses;
    private final ImagePreprocessor preprocessor;
    private final ImageTransformSpec transform;
    private final TaskData task;
    private int[] permutation;
    private long permutationEpoch = -1;

    private TrainingData(Config config, Tokenizer tokenizer, ImagePreprocessor preprocessor, long[] offsets,
            List<String> labels, int numClasses) {
        this.config = config;
        this.tokenizer = tokenizer;
        this.preprocessor = preprocessor;
        this.file = config.dir().resolve(FILE);
        this.offsets = offsets;
        this.labels = labels;
        for (int i = 0; i < labels.size(); i++) {
            labelIndex.put(labels.get(i), i);
        }
        this.numClasses = numClasses;
        this.task = TaskData.of(config.task());
        this.transform = task.imagenetNormalisation() ? ImageTransformSpec.imagenetEval(config.imageSize())
                : ImageTransformSpec.vlEval(config.imageSize());
    }

    /**
     * Opens a dataset folder with the default image preprocessing ({@value ImagePreprocessorProvider#DEFAULT_ID}),
     * discovered here; a training run that has discovered its providers passes its own with {@link #open(Config,
     * Tokenizer, ImagePreprocessor)}.
     *
     * @param config the settings
     * @param tokenizer the tokenizer (required for every task with text; may be null for classification and MIM)
     * @return the dataset
     * @throws IOException when {@code data.jsonl} cannot be read
     * @throws InvalidInputException when the folder or a line does not fit the task
     * @throws dev.beit3.api.ProviderException when no image preprocessing is on the class path
     */
    public static TrainingData open(Config config, Tokenizer tokenizer) throws IOException {
        return open(config, tokenizer,
                ProviderRegistry.discover().imagePreprocessor(ImagePreprocessorProvider.DEFAULT_ID).preprocessor());
    }

    /**
     * Opens a dataset folder.
     *
     * @param config the settings
     * @param tokenizer the tokenizer (required for every task with text; may be null for classification and MIM)
     * @param preprocessor the image decoding, resize and transform (the reference's, from {@link
     *     ProviderRegistry#imagePreprocessor})
     * @return the dataset
     * @throws IOException when {@code data.jsonl} cannot be read
     * @throws InvalidInputException when the folder or a line does not fit the task
     */
    public static TrainingData open(Config config, Tokenizer tokenizer, ImagePreprocessor preprocessor)
            throws IOException {
        Objects.requireNonNull(preprocessor, "preprocessor");
        Path f = config.dir().resolve(FILE);
        if (!Files.isRegularFile(f)) {
            throw new NoSuchFileException(f.toString(), null, "a dataset folder needs " + FILE);
        }
        TaskData task = TaskData.of(config.task());
        if (tokenizer == null && task.readsText()) {
            throw new InvalidInputException("the " + config.task() + " task reads text: give the tokenizer (.spm)");
        }
        List<Long> offs = new ArrayList<>();
        int maxLabel = -1;
        byte[] all = Files.readAllBytes(f); // one pass to index lines; the bytes are not kept
        int start = 0;
        for (int i = 0; i <= all.length; i++) {
            if (i == all.length || all[i] == '\n') {
                if (i > start && !new String(all, start, i - start, StandardCharsets.UTF_8).isBlank()) {
                    offs.add((long) start);
                    if (task.countsLabels()) {
                        JsonObject o = parse(new String(all, start, i - start, StandardCharsets.UTF_8), offs.size());
                        if (o.has("label") && o.get("label").getAsJsonPrimitive().isNumber()) {
                            maxLabel = Math.max(maxLabel, o.get("label").getAsInt());
                        }
                    }
                }
                start = i + 1;
            }
        }
        if (offs.isEmpty()) {
            throw new InvalidInputException(f + " has no examples");
        }
        List<String> labels = List.of();
        Path lf = config.dir().resolve(task.labelFile());
        if (Files.isRegularFile(lf)) {
            List<String> l = new ArrayList<>();
            JsonParser.parseString(Files.readString(lf)).getAsJsonArray().forEach(e -> l.add(e.getAsString()));
            labels = List.copyOf(l);
        }
        int classes = task.numClasses(labels, maxLabel, config.dir());
        return new TrainingData(config, tokenizer, preprocessor, offs.stream().mapToLong(Long::longValue).toArray(), labels, classes);
    }

    /**
     * Number of examples.
     *
     * @return the count
     */
    public int size() {
        return offsets.length;
    }

    /**
     * Class names (classification, from {@code labels.json}) or answers (VQA, {@code answers.json}).
     *
     * @return the list (empty when not given)
     */
    public List<String> labels() {
        return labels;
    }

    /**
     * Number of classes (classification, VQA answers, 2 for NLVR2; 0 otherwise).
     *
     * @return C
     */
    public int numClasses() {
        return numClasses;
    }

    /**
     * The settings.
     *
     * @return the config
     */
    public Config config() {
        return config;
    }

    /**
     * An endless stream of batches starting at batch {@code first} (0 for a fresh run, the number of
     * batches already consumed when resuming). Each batch lives in its own sub-manager of {@code manager},
     * closed once {@code retain} newer batches have been handed out.
     *
     * @param first index of the first batch
     * @param retain how many batches stay alive (the trainer's accumulation: it holds that many per step)
     * @param manager parent of the batches' managers
     * @return the batches
     */
    public Iterator<Batch> batches(long first, int retain, NDManager manager) {
        java.util.ArrayDeque<NDManager> alive = new java.util.ArrayDeque<>();
        return new Iterator<>() {
            long next = first;

            @Override
            public boolean hasNext() {
                return true;
            }

            @Override
            public Batch next() {
                while (alive.size() >= Math.max(1, retain)) {
                    alive.removeFirst().close();
                }
                NDManager m = manager.newSubManager();
                alive.addLast(m);
                return batch(next++, m);
            }
        };
    }

    /**
     * {@link #batches(long, int, NDManager)} read ahead: a background thread reads, decodes and
     * augments up to {@code prefetch} batches while the caller trains on the current one. The batches
     * are the same (batch k is a pure function of the seed and k, whichever thread builds it); a batch
     * that cannot be read fails the {@code next()} that would have returned it, with the same exception.
     * Close the stream before its parent manager.
     *
     * @param first index of the first batch
     * @param retain how many handed-out batches stay alive
     * @param manager parent of the batches' managers
     * @param prefetch batches read ahead (≥ 1)
     * @return the batches
     */
    public ReadAhead readAhead(long first, int retain, NDManager manager, int prefetch) {
        if (prefetch < 1) {
            throw new IllegalArgumentException("prefetch must be ≥ 1, got " + prefetch);
        }
        return new ReadAhead(first, retain, manager, prefetch);
    }

    /**
     * Batches read ahead on a daemon thread; {@link #close()} stops reading and frees the batches read but
     * not handed out (call it before closing the parent manager).
     */
    public final class ReadAhead implements Iterator<Batch>, AutoCloseable {
        private final java.util.concurrent.ThreadPoolExecutor reader = new java.util.concurrent.ThreadPoolExecutor(0,
                1, 1, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "beit3-batch-reader");
                    t.setDaemon(true);
                    return t;
                });
        private final java.util.ArrayDeque<java.util.concurrent.Future<Map.Entry<NDManager, Batch>>> ahead =
                new java.util.ArrayDeque<>();
        private final java.util.ArrayDeque<NDManager> alive = new java.util.ArrayDeque<>();
        private final int retain;
        private final NDManager manager;
        private final int prefetch;
        private long submitted;

        private ReadAhead(long first, int retain, NDManager manager, int prefetch) {
            this.submitted = first;
            this.retain = retain;
            this.manager = manager;
            this.prefetch = prefetch;
        }

        private void fill() {
            while (ahead.size() < prefetch + 1) {
                long index = submitted++;
                ahead.addLast(reader.submit(() -> {
                    NDManager m = manager.newSubManager();
                    try {
                        return Map.entry(m, batch(index, m));
                    } catch (RuntimeException e) {
                        m.close();
                        throw e;
                    }
                }));
            }
        }

        @Override
        public boolean hasNext() {
            return true;
        }

        @Override
        public Batch next() {
            fill();
            Map.Entry<NDManager, Batch> e;
            try {
                e = ahead.removeFirst().get();
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while reading a batch", ex);
            } catch (java.util.concurrent.ExecutionException ex) {
                if (ex.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException("cannot read a batch: " + ex.getCause(), ex.getCause());
            }
            while (alive.size() >= Math.max(1, retain)) {
                alive.removeFirst().close();
            }
            alive.addLast(e.getKey());
            fill();
            return e.getValue();
        }

        /** Stops the reader (waiting for the batch being read) and frees every batch it holds. */
        @Override
        public void close() {
            for (var f : ahead) {
                f.cancel(false);
            }
            reader.shutdown();
            try {
                if (!reader.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the batch reader did not stop within 60 s");
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
            }
            for (var f : ahead) {
                if (f.isDone() && !f.isCancelled()) {
                    try {
                        f.get().getKey().close();
                    } catch (Exception ignored) {
                        // a batch that failed to read holds nothing
                    }
                }
            }
            ahead.clear();
            while (!alive.isEmpty()) {
                alive.removeFirst().close();
            }
        }
    }

    /**
     * The same dataset (same index, no re-reading) with RandAugment, random erasing and Mixup / CutMix of
     * the classification batches; Mixup needs the class count, known once the dataset is open.
     *
     * @param randAugment picture augmentation ({@link RandAugment}, {@link VlRandomAugment}), or null
     * @param erasing random erasing, or null
     * @param mixup Mixup / CutMix over {@link #numClasses()} classes, or null
     * @return the dataset with those settings
     */
    public TrainingData withRegularization(PictureAugment randAugment, RandomErasing erasing, Mixup mixup) {
        Config c = config;
        return new TrainingData(new Config(c.task(), c.dir(), c.batchSize(), c.imageSize(), c.textMaxLen(),
                c.augmentation(), c.shuffle(), c.seed(), c.maskProbability(), c.mimRatio(), randAugment, erasing,
                mixup), tokenizer,
                preprocessor, offsets, labels, numClasses);
    }

    /**
     * Batch number {@code index}: examples {@code index·B … index·B + B − 1} of the endless sequence of
     * epochs.
     *
     * @param index the batch index
     * @param manager owner of the arrays
     * @return the batch
     */
    public Batch batch(long index, NDManager manager) {
        int b = config.batchSize();
        List<Integer> rows = new ArrayList<>(b);
        List<Random> rngs = new ArrayList<>(b);
        for (int j = 0; j < b; j++) {
            long p = index * b + j;
            rows.add(exampleAt(p));
            rngs.add(new Random(mix(config.seed(), p)));
        }
        return build(rows, rngs, new Random(mix(config.seed() ^ 0x3C6EF372FE94F82BL, index)), manager);
    }

    /**
     * The examples of the dataset in file order (for evaluation), each as its JSON object.
     *
     * @param from first example
     * @param to end (exclusive)
     * @return the parsed lines
     * @throws IOException on read failure
     */
    public List<JsonObject> lines(int from, int to) throws IOException {
        List<JsonObject> out = new ArrayList<>();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            for (int i = from; i < to; i++) {
                out.add(read(raf, i));
            }
        }
        return out;
    }

    /**
     * Decodes an image of the dataset (path relative to the folder).
     *
     * @param relative the path in the JSON line
     * @return the pixels
     */
    public RgbImage image(String relative) {
        Path p = config.dir().resolve(relative);
        try {
            return preprocessor.read(p, ImageLimits.defaults());
        } catch (IOException e) {
            throw new InvalidInputException("cannot read image " + p + ": " + e.getMessage(), e);
        }
    }

    /**
     * The answer index of an answer text or index string (VQA), or the class index of a label (classification).
     *
     * @param key answer text, or a decimal index
     * @return the index
     * @throws InvalidInputException when unknown
     */
    public int labelIndex(String key) {
        Integer i = labelIndex.get(key);
        if (i != null) {
            return i;
        }
        if (key.matches("\\d+") && Integer.parseInt(key) < Math.max(numClasses, 1)) {
            return Integer.parseInt(key);
        }
        throw new InvalidInputException("answer '" + key + "' is not in " + config.dir().resolve("answers.json"));
    }

    private synchronized int exampleAt(long p) {
        int n = offsets.length;
        long epoch = p / n;
        int within = (int) (p % n);
        if (!config.shuffle()) {
            return within;
        }
        if (epoch != permutationEpoch) {
            permutation = new int[n];
            for (int i = 0; i < n; i++) {
                permutation[i] = i;
            }
            Random r = new Random(mix(config.seed() ^ 0x5DEECE66DL, epoch));
            for (int i = n - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = permutation[i];
                permutation[i] = permutation[j];
                permutation[j] = t;
            }
            permutationEpoch = epoch;
        }
        return permutation[within];
    }

    static long mix(long seed, long p) {
        long z = seed * 0x9E3779B97F4A7C15L + p + 0x632BE59BD9B4E019L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private Batch build(List<Integer> rows, List<Random> rngs, Random batchRng, NDManager m) {
        List<JsonObject> ex = new ArrayList<>();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            for (int r : rows) {
                ex.add(read(raf, r));
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return task.build(new Examples(this, ex, rngs, batchRng, m));
    }

    int classLabel(JsonObject o) {
        JsonElement l = o.get("label");
        if (l == null) {
            throw new InvalidInputException("classification line without \"label\": " + o);
        }
        int y = l.getAsJsonPrimitive().isNumber() ? l.getAsInt() : labelIndex(l.getAsString());
        if (y < 0 || y >= numClasses) {
            throw new InvalidInputException("label " + y + " outside [0, " + numClasses + ")");
        }
        return y;
    }

    static int nlvr2Label(JsonObject o) {
        JsonElement l = o.get("label");
        if (l == null) {
            throw new InvalidInputException("nlvr2 line without \"label\": " + o);
        }
        if (l.getAsJsonPrimitive().isBoolean()) {
            return l.getAsBoolean() ? 1 : 0;
        }
        if (l.getAsJsonPrimitive().isString()) {
            return Boolean.parseBoolean(l.getAsString()) ? 1 : 0;
        }
        return l.getAsInt();
    }

    /**
     * The soft answer scores of a VQA line: {@code answers} (answer → score), or {@code answer} (score 1).
     *
     * @param o the line
     * @return score by answer index
     */
    Map<Integer, Float> vqaTargets(JsonObject o) {
        Map<Integer, Float> t = new LinkedHashMap<>();
        if (o.has("answers")) {
            for (Map.Entry<String, JsonElement> e : o.getAsJsonObject("answers").entrySet()) {
                t.put(labelIndex(e.getKey()), e.getValue().getAsFloat());
            }
        } else if (o.has("answer")) {
            t.put(labelIndex(o.get("answer").getAsString()), 1f);
        } else {
            throw new InvalidInputException("vqa line without \"answers\" or \"answer\": " + o);
        }
        return t;
    }

    /** @return the tokenizer (null for the tasks without text) */
    Tokenizer tokenizer() {
        return tokenizer;
    }

    /** @return the task's evaluation transform at the model's size */
    ImageTransformSpec transform() {
        return transform;
    }

    /** @return the image decoding, resize and transform */
    ImagePreprocessor preprocessor() {
        return preprocessor;
    }

    private JsonObject read(RandomAccessFile raf, int row) throws IOException {
        raf.seek(offsets[row]);
        long end = row + 1 < offsets.length ? offsets[row + 1] : raf.length();
        byte[] b = new byte[(int) (end - offsets[row])];
        raf.readFully(b);
        return parse(new String(b, StandardCharsets.UTF_8).strip(), row + 1);
    }

    private static JsonObject parse(String line, int lineNo) {
        try {
            return JsonParser.parseString(line).getAsJsonObject();
        } catch (RuntimeException e) {
            throw new InvalidInputException(FILE + " line " + lineNo + " is not a JSON object: " + e.getMessage(), e);
        }
    }
}
