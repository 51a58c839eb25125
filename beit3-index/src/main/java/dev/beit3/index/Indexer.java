package dev.beit3.index;

import dev.beit3.api.Api;
import dev.beit3.api.Beit3Exception;
import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import dev.beit3.api.RgbImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Incremental adds of image files and texts to a {@link Beit3Index}: each item's SHA-256 is compared with the
 * stored one, unchanged items are skipped (not even decoded), changed ones re-embedded and replaced, new ones
 * added; the index is committed every {@link Options#commitEvery()} changes and at the end, so an interrupted run
 * loses at most the changes since its last commit and a re-run completes the rest.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class Indexer {
    private Indexer() {}

    /**
     * How an add runs.
     *
     * @param batchSize images or texts per forward pass
     * @param threads threads that read, hash and decode image files (embedding uses the engine's own threads)
     * @param commitEvery commit after this many added or replaced documents
     * @param prune also delete the image documents whose files are gone
     */
    public record Options(int batchSize, int threads, int commitEvery, boolean prune) {
        /** Batches of 16, 2 reader threads, a commit every 1,000 changes, no pruning. */
        public static final Options DEFAULT = new Options(16, 2, 1000, false);

        /**
         * Validates.
         *
         * @throws InvalidInputException when a count is not positive
         */
        public Options {
            if (batchSize < 1 || threads < 1 || commitEvery < 1) {
                throw new InvalidInputException("batch size, threads and commit interval must be positive, got "
                        + batchSize + ", " + threads + ", " + commitEvery);
            }
        }
    }

    /** Hears about progress; every method has a no-op default. */
    public interface Listener {
        /**
         * Items finished so far.
         *
         * @param done items processed (skipped, added, replaced or failed)
         * @param total all items
         */
        default void progress(int done, int total) {}

        /**
         * An item could not be read or embedded; the add goes on.
         *
         * @param item the file or text
         * @param reason why
         */
        default void failed(String item, String reason) {}

        /**
         * A commit made the index durable.
         *
         * @param changes added + replaced documents of this run so far, all durable now
         */
        default void committed(int changes) {}
    }

    /**
     * What an add did.
     *
     * @param added new documents
     * @param replaced documents whose content changed
     * @param unchanged items skipped because their hash was already indexed
     * @param deleted documents pruned
     * @param failures items that could not be read or embedded (with the reason)
     */
    public record Report(int added, int replaced, int unchanged, int deleted, List<String> failures) {}

    /**
     * Adds image files (id = absolute normalised path).
     *
     * @param index an index opened with a retrieval model
     * @param files the image files
     * @param options batch size, threads, commit interval, pruning
     * @param listener progress
     * @return the counts
     */
    public static Report addImages(Beit3Index index, List<Path> files, Options options, Listener listener) {
        Beit3 model = index.beit3();
        Map<String, String> known = index.contentHashes(IndexDocument.Modality.IMAGE);
        Counter c = new Counter(index, options, listener, files.size());
        ExecutorService pool = Executors.newFixedThreadPool(options.threads(), r -> {
            Thread t = new Thread(r, "beit3-index-reader");
            t.setDaemon(true);
            return t;
        });
        try {
            for (int start = 0; start < files.size(); start += options.batchSize()) {
                List<Path> batch = files.subList(start, Math.min(files.size(), start + options.batchSize()));
                List<Future<Read>> reads = new ArrayList<>();
                for (Path f : batch) {
                    reads.add(pool.submit(() -> read(model, f, known)));
                }
                List<Read> todo = new ArrayList<>();
                for (Future<Read> fr : reads) {
                    Read r = get(fr);
                    if (r.error() != null) {
                        c.fail(r.file().toString(), r.error());
                    } else if (r.image() == null) {
                        c.unchanged++;
                        c.tick(1);
                    } else {
                        todo.add(r);
                    }
                }
                if (todo.isEmpty()) {
                    continue;
                }
                float[][] v;
                try {
                    v = model.embedImages(todo.stream().map(Read::image).toList());
                } catch (Beit3Exception e) {
                    todo.forEach(r -> c.fail(r.file().toString(), e.getMessage()));
                    continue;
                }
                for (int i = 0; i < todo.size(); i++) {
                    Read r = todo.get(i);
                    index.add(new IndexDocument(r.id(), r.sha256(), IndexDocument.Modality.IMAGE, null, v[i]));
                    c.changed(known.containsKey(r.id()));
                }
            }
        } finally {
            pool.shutdownNow();
        }
        int deleted = 0;
        if (options.prune()) {
            deleted = prune(index, known.keySet());
        }
        c.commit();
        return new Report(c.added, c.replaced, c.unchanged, deleted, List.copyOf(c.failures));
    }

    /**
     * Adds texts (id = the text, modality text, the text stored).
     *
     * @param index an index opened with a retrieval model
     * @param texts the texts
     * @param options batch size, commit interval
     * @param listener progress
     * @return the counts
     */
    public static Report addTexts(Beit3Index index, List<String> texts, Options options, Listener listener) {
        Beit3 model = index.beit3();
        Map<String, String> known = index.contentHashes(IndexDocument.Modality.TEXT);
        Counter c = new Counter(index, options, listener, texts.size());
        for (int start = 0; start < texts.size(); start += options.batchSize()) {
            List<String> todo = new ArrayList<>();
            List<String> hashes = new ArrayList<>();
            for (String t : texts.subList(start, Math.min(texts.size(), start + options.batchSize()))) {
                String h = sha256(t.getBytes(StandardCharsets.UTF_8));
                if (h.equals(known.get(t)) || todo.contains(t)) {
                    c.unchanged++;
                    c.tick(1);
                } else {
                    todo.add(t);
                    hashes.add(h);
                }
            }
            if (todo.isEmpty()) {
                continue;
            }
            float[][] v = model.embedTexts(todo);
            for (int i = 0; i < todo.size(); i++) {
                index.add(new IndexDocument(todo.get(i), hashes.get(i), IndexDocument.Modality.TEXT, todo.get(i),
                        v[i]));
                c.changed(known.containsKey(todo.get(i)));
            }
        }
        c.commit();
        return new Report(c.added, c.replaced, c.unchanged, 0, List.copyOf(c.failures));
    }

    /**
     * Deletes the image documents whose files no longer exist, and commits.
     *
     * @param index the index
     * @return how many were deleted
     */
    public static int prune(Beit3Index index) {
        int n = prune(index, index.contentHashes(IndexDocument.Modality.IMAGE).keySet());
        index.commit();
        return n;
    }

    private static int prune(Beit3Index index, Iterable<String> imageIds) {
        int n = 0;
        for (String id : imageIds) {
            if (!Files.exists(Path.of(id))) {
                index.delete(id);
                n++;
            }
        }
        return n;
    }

    /** A read file: its hash and, when it must be (re-)embedded, its pixels. */
    private record Read(Path file, String id, String sha256, RgbImage image, String error) {}

    private static Read read(Beit3 model, Path file, Map<String, String> known) {
        String id = file.toAbsolutePath().normalize().toString();
        try {
            String h = sha256(Files.readAllBytes(file));
            if (h.equals(known.get(id))) {
                return new Read(file, id, h, null, null);
            }
            return new Read(file, id, h, model.readImage(file), null);
        } catch (IOException e) {
            return new Read(file, id, null, null, "cannot read " + file + ": " + e);
        } catch (Beit3Exception e) {
            return new Read(file, id, null, null, e.getMessage());
        }
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    /**
     * SHA-256 of bytes, lower-case hex.
     *
     * @param bytes the content
     * @return the hash
     */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** Counts and commits of one run. */
    private static final class Counter {
        final Beit3Index index;
        final Options options;
        final Listener listener;
        final int total;
        final List<String> failures = new ArrayList<>();
        int added;
        int replaced;
        int unchanged;
        int done;
        int sinceCommit;

        Counter(Beit3Index index, Options options, Listener listener, int total) {
            this.index = index;
            this.options = options;
            this.listener = Objects.requireNonNullElse(listener, new Listener() {});
            this.total = total;
        }

        void tick(int n) {
            done += n;
            listener.progress(done, total);
        }

        void fail(String item, String reason) {
            failures.add(item + ": " + reason);
            listener.failed(item, reason);
            tick(1);
        }

        void changed(boolean replacedOne) {
            if (replacedOne) {
                replaced++;
            } else {
                added++;
            }
            tick(1);
            if (++sinceCommit >= options.commitEvery()) {
                commit();
            }
        }

        void commit() {
            index.commit();
            sinceCommit = 0;
            listener.committed(added + replaced);
        }
    }
}
