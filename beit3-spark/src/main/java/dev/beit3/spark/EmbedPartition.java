package dev.beit3.spark;

import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ImageLimits;
import dev.beit3.api.RgbImage;
import dev.beit3.model.Beit3;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Embeds the rows of one partition: each output row is the input row plus the embedding ({@code float[]} or
 * null) and the error message (null or text). Rows are pulled and embedded {@code batchSize} at a time, so a
 * partition is never held in memory as a whole.
 */
final class EmbedPartition implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    /** What the input column holds. */
    enum Kind {
        /** A local path or {@code file:} URI of an image. */
        IMAGE_PATH,
        /** The encoded image bytes. */
        IMAGE_BYTES,
        /** A text. */
        TEXT
    }

    private final ModelSpec spec;
    private final int batchSize;
    private final int threads;
    private final int column;
    private final Kind kind;
    private final long maxPixels;

    EmbedPartition(ModelSpec spec, int batchSize, int threads, int column, Kind kind, long maxPixels) {
        if (batchSize < 1 || batchSize > ModelSpec.MAX_BATCH) {
            throw new InvalidInputException("batch size must be in 1.." + ModelSpec.MAX_BATCH + ", got " + batchSize);
        }
        this.spec = spec;
        this.batchSize = batchSize;
        this.threads = threads;
        this.column = column;
        this.kind = kind;
        this.maxPixels = maxPixels;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        if (!rows.hasNext()) {
            return rows;
        }
        Beit3 model = ExecutorModels.get(spec, threads);
        if (!model.headId().equals("retrieval")) {
            throw new InvalidInputException("embeddings need the retrieval head, but " + spec.describe()
                    + " has the " + model.headId() + " head; use a retrieval checkpoint or task");
        }
        ImageLimits limits = new ImageLimits(maxPixels);
        return new Iterator<>() {
            private final ArrayDeque<Row> ready = new ArrayDeque<>();

            @Override
            public boolean hasNext() {
                if (ready.isEmpty() && rows.hasNext()) {
                    List<Row> batch = new ArrayList<>(batchSize);
                    while (batch.size() < batchSize && rows.hasNext()) {
                        batch.add(rows.next());
                    }
                    ready.addAll(embed(model, batch, limits));
                }
                return !ready.isEmpty();
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return ready.poll();
            }
        };
    }

    /** Embeds one batch; failures of single inputs become error messages of their rows. */
    List<Row> embed(Beit3 model, List<Row> batch, ImageLimits limits) {
        int n = batch.size();
        float[][] vectors = new float[n][];
        String[] errors = new String[n];
        List<Integer> ok = new ArrayList<>(n);
        List<RgbImage> images = new ArrayList<>(n);
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Row r = batch.get(i);
            try {
                if (r.isNullAt(column)) {
                    throw new InvalidInputException("the input is null");
                }
                switch (kind) {
                    case IMAGE_PATH -> images.add(model.imagePreprocessor().decode(
                            Files.readAllBytes(localPath(r.getString(column))), limits));
                    case IMAGE_BYTES -> images.add(model.imagePreprocessor().decode((byte[]) r.get(column), limits));
                    case TEXT -> texts.add(r.getString(column));
                    default -> throw new IllegalStateException(kind.toString());
                }
                ok.add(i);
            } catch (IOException | RuntimeException e) {
                errors[i] = describe(kind == Kind.IMAGE_PATH ? r.getString(column) : null, e);
            }
        }
        if (!ok.isEmpty()) {
            float[][] out;
            try {
                out = kind == Kind.TEXT ? model.embedTexts(texts) : model.embedImages(images);
            } catch (InvalidInputException e) {
                // isolate the input the model refused: one at a time
                out = new float[ok.size()][];
                for (int j = 0; j < ok.size(); j++) {
                    try {
                        out[j] = kind == Kind.TEXT ? model.embedTexts(List.of(texts.get(j)))[0]
                                : model.embedImages(List.of(images.get(j)))[0];
                    } catch (InvalidInputException one) {
                        errors[ok.get(j)] = describe(null, one);
                    }
                }
            }
            for (int j = 0; j < ok.size(); j++) {
                vectors[ok.get(j)] = out[j];
            }
        }
        List<Row> result = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Row r = batch.get(i);
            Object[] values = new Object[r.length() + 2];
            for (int c = 0; c < r.length(); c++) {
                values[c] = r.get(c);
            }
            values[r.length()] = vectors[i];
            values[r.length() + 1] = errors[i];
            result.add(RowFactory.create(values));
        }
        return result;
    }

    /** A local path from a plain path or a {@code file:} URI. */
    static Path localPath(String s) {
        if (s.startsWith("file:")) {
            return Path.of(URI.create(s));
        }
        int colon = s.indexOf(':');
        if (colon > 1 && s.indexOf('/') > colon) {
            throw new InvalidInputException("'" + s + "' is not a local file: path strings are read from the "
                    + "executor's file system; for " + s.substring(0, colon) + ": URIs read the files with "
                    + "spark.read().format(\"binaryFile\") and embed the binary 'content' column");
        }
        return Path.of(s);
    }

    private static String describe(String path, Exception e) {
        String msg = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        if (e instanceof NoSuchFileException) {
            msg = "image file not found: " + msg;
        }
        if (path != null && !msg.contains(path)) {
            msg = path + ": " + msg;
        }
        return msg;
    }
}
