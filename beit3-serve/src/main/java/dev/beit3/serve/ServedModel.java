package dev.beit3.serve;

import dev.beit3.api.RgbImage;
import dev.beit3.api.CaptioningHead;
import dev.beit3.model.Answer;
import dev.beit3.model.Beit3;
import dev.beit3.model.Caption;
import dev.beit3.model.Classification;
import dev.beit3.model.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * A loaded model with one {@link Batcher} per task its head serves: retrieval → image and text embeddings,
 * imageclassification → classes, vqa → answers, nlvr2 → verdicts, captioning → captions.
 */
final class ServedModel implements AutoCloseable {
    /** An image and its question. */
    record Question(RgbImage image, String question) {}

    /** Two images and a sentence about them. */
    record Pair(RgbImage left, RgbImage right, String sentence) {}

    /** Which endpoints each head serves. */
    static final Map<String, List<String>> ENDPOINTS = Map.of(
            "retrieval", List.of("embed", "similarity"),
            "imageclassification", List.of("classify"),
            "vqa", List.of("vqa"),
            "nlvr2", List.of("nlvr2"),
            "captioning", List.of("caption"));

    final String name;
    final String source;
    final Beit3 model;
    final Duration loadTime;
    final Batcher<RgbImage, float[]> imageEmbeddings;
    final Batcher<String, float[]> textEmbeddings;
    final Batcher<RgbImage, Classification> classes;
    final Batcher<Question, Answer> answers;
    final Batcher<Pair, Verdict> verdicts;
    final Batcher<RgbImage, Caption> captions;
    private final List<Batcher<?, ?>> all = new ArrayList<>();

    ServedModel(String name, String source, Beit3 model, Duration loadTime, ServeSettings s, Metrics metrics,
            Runnable beforeBatch) {
        this.name = name;
        this.source = source;
        this.model = model;
        this.loadTime = loadTime;
        String head = model.headId();
        imageEmbeddings = head.equals("retrieval") ? batcher("embed-image", s, metrics, beforeBatch,
                (k, items) -> Arrays.asList(model.embedImages(items))) : null;
        textEmbeddings = head.equals("retrieval") ? batcher("embed-text", s, metrics, beforeBatch,
                (k, items) -> Arrays.asList(model.embedTexts(items))) : null;
        classes = head.equals("imageclassification") ? batcher("classify", s, metrics, beforeBatch,
                (k, items) -> model.classify(items, (Integer) k)) : null;
        answers = head.equals("vqa") ? this.<Question, Answer>batcher("vqa", s, metrics, beforeBatch,
                (k, items) -> model.answer(items.stream().map(Question::image).toList(),
                        items.stream().map(Question::question).toList(), (Integer) k)) : null;
        verdicts = head.equals("nlvr2") ? this.<Pair, Verdict>batcher("nlvr2", s, metrics, beforeBatch,
                (k, items) -> model.verify(items.stream().map(Pair::left).toList(),
                        items.stream().map(Pair::right).toList(), items.stream().map(Pair::sentence).toList())) : null;
        captions = head.equals("captioning") ? batcher("caption", s, metrics, beforeBatch,
                (k, items) -> model.caption(items, (CaptioningHead.Decoding) k)) : null;
    }

    private <I, R> Batcher<I, R> batcher(String task, ServeSettings s, Metrics metrics, Runnable beforeBatch,
            BiFunction<Object, List<I>, List<R>> run) {
        Batcher<I, R> b = new Batcher<>(name + "/" + task, s.queueCapacity(), s.maxBatch(), s.maxDelay(), s.workers(), run,
                metrics.batcher(name, task), beforeBatch);
        all.add(b);
        return b;
    }

    List<String> endpoints() {
        return ENDPOINTS.getOrDefault(model.headId(), List.of());
    }

    /** The decoding for a caption request: the model's reference settings with the request's beams and length. */
    CaptioningHead.Decoding decoding(Integer beams, Integer maxLength) {
        CaptioningHead.Decoding d = model.decoding();
        return new CaptioningHead.Decoding(beams == null ? d.beams() : beams,
                maxLength == null ? d.maxLength() : maxLength, d.lengthPenalty(), d.maskId(), d.clsId(), d.padId(),
                d.eosId(), d.useCache());
    }

    /** Lets every batcher finish its queue within {@code timeout}. */
    void drain(Duration timeout) {
        long end = System.nanoTime() + timeout.toNanos();
        for (Batcher<?, ?> b : all) {
            b.drain(Duration.ofNanos(Math.max(1, end - System.nanoTime())));
        }
    }

    @Override
    public void close() {
        for (Batcher<?, ?> b : all) {
            b.close();
        }
        model.close();
    }
}
