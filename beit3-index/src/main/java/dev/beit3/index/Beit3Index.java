package dev.beit3.index;

import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.lucene.codecs.Codec;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.CheckIndex;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReader;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.SegmentInfos;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.DocIdSetIterator;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.SearcherManager;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.apache.lucene.util.Bits;

/**
 * A persistent image–text search index of BEiT-3 embeddings on Apache Lucene's HNSW vectors.
 *
 * <p>One folder holds, per document, its id (an image's absolute path, a text, or the caller's id), the SHA-256
 * of its content, its modality, an optional caption or text, and its L2-normalised embedding
 * ({@code KnnFloatVectorField} with {@code DOT_PRODUCT}, i.e. cosine similarity). Every commit carries the
 * building model's identity ({@link IndexModel}: checkpoint SHA-256, head, image size, width) and the vector
 * settings ({@link IndexConfig}); opening the index with another model fails with {@link ModelMismatchException}.
 *
 * <p><b>Threads.</b> One writer per index folder (Lucene's native write lock; a second writer, in this or another
 * process, gets {@link IndexLockedException}), any number of concurrent searchers on near-real-time readers
 * ({@link SearcherManager}): a search sees every document added before it started, committed or not. Read-only
 * instances ({@link #openReadOnly}) take no lock and see the last commit as of their {@link #refresh()}.
 *
 * <p><b>Crash safety.</b> Lucene commits are atomic: a process killed at any moment (SIGKILL included) leaves an
 * index that opens and holds exactly the documents of its last commit; the write lock of a dead process is
 * released by the operating system (a leftover {@code write.lock} file is harmless).
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class Beit3Index implements AutoCloseable {
    static final String ID = "id";
    static final String SHA = "sha256";
    static final String MODALITY = "modality";
    static final String TEXT = "text";
    static final String VECTOR = "embedding";
    static final String FORMAT = "beit3.index.format";
    static final String FORMAT_VERSION = "1";
    /** The file naming the live writer's process (informational; the lock itself is Lucene's). */
    static final String WRITER_FILE = "beit3-writer.pid";
    /** Largest accepted |‖v‖ − 1| of a stored or query vector. */
    public static final double NORM_TOLERANCE = 1e-3;

    private final Path path;
    private final FSDirectory directory;
    private final IndexWriter writer;
    private final SearcherManager searchers;
    private final IndexModel model;
    private final IndexConfig config;
    private final Beit3 beit3;
    /** Adds and deletes so far, and how many of them the current searcher includes (read-your-writes). */
    private final AtomicLong writes = new AtomicLong();
    private final AtomicLong visible = new AtomicLong();
    private final Object commitLock = new Object();
    private volatile boolean closed;

    private Beit3Index(Path path, FSDirectory directory, IndexWriter writer, SearcherManager searchers,
            IndexModel model, IndexConfig config, Beit3 beit3) {
        this.path = path;
        this.directory = directory;
        this.writer = writer;
        this.searchers = searchers;
        this.model = model;
        this.config = config;
        this.beit3 = beit3;
    }

    /**
     * Opens (or creates) an index for writing and searching with a retrieval model, Lucene's default HNSW
     * settings for a new index.
     *
     * @param path the index folder (created if missing)
     * @param model the retrieval model: embeds queries, and its identity must match the index's
     * @return the open index; close it
     * @throws ModelMismatchException when the index was built with another model
     * @throws IndexLockedException when another writer holds the index
     */
    public static Beit3Index open(Path path, Beit3 model) {
        return open(path, model, IndexConfig.DEFAULT);
    }

    /**
     * Opens (or creates) an index for writing and searching with a retrieval model.
     *
     * @param path the index folder (created if missing)
     * @param model the retrieval model
     * @param config vector settings for a new index (an existing index keeps its own)
     * @return the open index; close it
     */
    public static Beit3Index open(Path path, Beit3 model, IndexConfig config) {
        requireRetrieval(model);
        return open(path, IndexModel.of(model), config, model, true);
    }

    /**
     * Opens (or creates) an index of precomputed vectors (no model in this JVM: imports, benchmarks).
     *
     * @param path the index folder
     * @param model the identity of the model that made the vectors
     * @param config vector settings for a new index
     * @return the open index; close it
     */
    public static Beit3Index open(Path path, IndexModel model, IndexConfig config) {
        return open(path, model, config, null, true);
    }

    /** For the benchmark: a larger indexing buffer (fewer flushed segments) and plain files (sizes per format). */
    static Beit3Index openForBench(Path path, IndexModel model, IndexConfig config, double ramBufferMb) {
        return open(path, model, config, null, true, ramBufferMb, false);
    }

    /**
     * Opens an existing index for searching only: no write lock, so it works while a writer runs in another
     * process; {@link #refresh()} picks up that writer's later commits.
     *
     * @param path the index folder
     * @param model the retrieval model (must be the one that built the index)
     * @return the open index; close it
     */
    public static Beit3Index openReadOnly(Path path, Beit3 model) {
        requireRetrieval(model);
        return open(path, IndexModel.of(model), IndexConfig.DEFAULT, model, false);
    }

    /**
     * Opens an existing index of precomputed vectors for searching only.
     *
     * @param path the index folder
     * @param model the identity that must match the index's
     * @return the open index; close it
     */
    public static Beit3Index openReadOnly(Path path, IndexModel model) {
        return open(path, model, IndexConfig.DEFAULT, null, false);
    }

    private static void requireRetrieval(Beit3 model) {
        Objects.requireNonNull(model, "model");
        if (!model.headId().equals("retrieval")) {
            throw new InvalidInputException("an index needs a retrieval model (image and text embeddings), got a "
                    + model.headId() + " model; use a retrieval checkpoint such as"
                    + " beit3_base_patch16_384_coco_retrieval.pth");
        }
    }

    private static Beit3Index open(Path path, IndexModel model, IndexConfig config, Beit3 beit3, boolean write) {
        return open(path, model, config, beit3, write, 64, true);
    }

    private static Beit3Index open(Path path, IndexModel model, IndexConfig config, Beit3 beit3, boolean write,
            double ramBufferMb, boolean compound) {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(model, "model");
        FSDirectory dir = null;
        try {
            if (write) {
                if (Files.exists(path) && !Files.isDirectory(path)) {
                    throw new InvalidInputException("index path " + path + " is a file; give a folder (--index DIR)");
                }
                Files.createDirectories(path);
            } else if (!Files.isDirectory(path)) {
                throw new InvalidInputException("no index at " + path + "; build one first: beit3 index add IMAGES"
                        + " --index " + path);
            }
            dir = FSDirectory.open(path);
            boolean exists = DirectoryReader.indexExists(dir);
            IndexConfig effective = config;
            if (exists) {
                Map<String, String> data = SegmentInfos.readLatestCommit(dir).getUserData();
                checkCommitData(path, data, model);
                effective = IndexConfig.fromUserData(data, config);
            } else if (!write) {
                throw new InvalidInputException("no index at " + path + " (no Lucene commit there); build one first:"
                        + " beit3 index add IMAGES --index " + path);
            } else {
                requireEmptyFolder(path);
            }
            IndexWriter w = null;
            SearcherManager sm;
            if (write) {
                IndexWriterConfig iwc = new IndexWriterConfig().setCodec(codec(effective))
                        .setOpenMode(IndexWriterConfig.OpenMode.CREATE_OR_APPEND).setRAMBufferSizeMB(ramBufferMb)
                        .setUseCompoundFile(compound).setCommitOnClose(false);
                try {
                    w = new IndexWriter(dir, iwc);
                } catch (LockObtainFailedException e) {
                    throw locked(path, "open it for writing", e);
                }
                writeWriterFile(path);
                Beit3Index idx;
                try {
                    sm = new SearcherManager(w, null);
                    idx = new Beit3Index(path, dir, w, sm, model, effective, beit3);
                    if (!exists) {
                        idx.commit(); // a new index records its model before its first document
                    }
                } catch (IOException | RuntimeException e) {
                    w.rollback();
                    throw e;
                }
                return idx;
            }
            sm = new SearcherManager(dir, null);
            return new Beit3Index(path, dir, null, sm, model, effective, beit3);
        } catch (IOException e) {
            closeQuietly(dir);
            throw new UncheckedIOException("cannot open the index at " + path + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeQuietly(dir);
            throw e;
        }
    }

    private static void checkCommitData(Path path, Map<String, String> data, IndexModel model) {
        if (!FORMAT_VERSION.equals(data.get(FORMAT))) {
            throw new InvalidInputException("the Lucene index at " + path + " is not a beit3 index (its commit has no "
                    + FORMAT + " " + FORMAT_VERSION + "); give another folder (--index DIR)");
        }
        IndexModel built = IndexModel.fromUserData(data).orElseThrow();
        built.difference(model).ifPresent(d -> {
            throw new ModelMismatchException("the index at " + path + " was built with another model (" + d + "):\n"
                    + "  index: " + built + "\n  given: " + model + "\n"
                    + "use the model that built it (the same --checkpoint or --models), or build a new index for this"
                    + " model in another folder (--index NEWDIR)");
        });
    }

    private static void requireEmptyFolder(Path path) throws IOException {
        try (var s = Files.list(path)) {
            List<String> other = s.map(p -> p.getFileName().toString())
                    .filter(n -> !n.equals(IndexWriter.WRITE_LOCK_NAME) && !n.equals(WRITER_FILE)).limit(3).toList();
            if (!other.isEmpty()) {
                throw new InvalidInputException("folder " + path + " is not empty (" + String.join(", ", other)
                        + " …) and holds no index; give a new or empty folder for the index (--index DIR)");
            }
        }
    }

    static InvalidInputException locked(Path path, String action, Exception cause) {
        String who = "";
        try {
            who = Files.readString(path.resolve(WRITER_FILE), StandardCharsets.UTF_8).strip();
        } catch (IOException | RuntimeException e) {
            // no writer file: the holder is a writer that has not written it yet, or not ours
        }
        return new IndexLockedException("cannot " + action + ": the index at " + path + " is being written by"
                + " another live writer (Lucene's write.lock is held" + (who.isEmpty() ? "" : "; writer " + who)
                + "). Wait for that `beit3 index add` to finish or stop it, then retry; searching works meanwhile"
                + " (beit3 index search opens the index read-only). A write.lock file left behind by a process that"
                + " died is released by the operating system and needs no action.", cause);
    }

    private static void writeWriterFile(Path path) {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (IOException | RuntimeException e) {
            host = "localhost";
        }
        try {
            Files.writeString(path.resolve(WRITER_FILE), "pid " + ProcessHandle.current().pid() + " on " + host
                    + " since " + Instant.now() + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            // informational only
        }
    }

    static Codec codec(IndexConfig c) {
        KnnVectorsFormat f = c.quantizationBits() == 0 ? new Lucene99HnswVectorsFormat(c.maxConn(), c.beamWidth())
                : new Lucene99HnswScalarQuantizedVectorsFormat(c.maxConn(), c.beamWidth(), 1, c.quantizationBits(),
                        c.quantizationBits() == 4, c.quantizationBits() == 4 ? 0f : null, null);
        // the per-field format is recorded by name in each segment, so any Lucene912 reader opens the index
        return new Lucene912Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return f;
            }
        };
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c != null) {
            try {
                c.close();
            } catch (Exception e) {
                // already failing
            }
        }
    }

    // ------------------------------------------------------------------ accessors

    /**
     * The index folder.
     *
     * @return the path
     */
    public Path path() {
        return path;
    }

    /**
     * The identity of the model whose vectors the index holds.
     *
     * @return the model identity
     */
    public IndexModel model() {
        return model;
    }

    /**
     * The vector settings in force (an existing index's own).
     *
     * @return the settings
     */
    public IndexConfig config() {
        return config;
    }

    /**
     * Whether this instance can write.
     *
     * @return false for {@link #openReadOnly}
     */
    public boolean writable() {
        return writer != null;
    }

    Beit3 beit3() {
        if (beit3 == null) {
            throw new IllegalStateException("this index was opened with vectors only (an IndexModel); open it with a"
                    + " Beit3 retrieval model to embed images or texts");
        }
        return beit3;
    }

    // ------------------------------------------------------------------ writing

    /**
     * Adds a document, replacing any document with the same id. Visible to searches of this instance at once,
     * durable at the next {@link #commit()}.
     *
     * @param doc the document
     * @throws InvalidInputException when the vector has the wrong width, is not finite or not normalised
     */
    public void add(IndexDocument doc) {
        IndexWriter w = requireWriter();
        checkVector(doc.vector(), "the vector of " + doc.id());
        if (doc.id().getBytes(StandardCharsets.UTF_8).length > IndexWriter.MAX_TERM_LENGTH) {
            throw new InvalidInputException("document id longer than " + IndexWriter.MAX_TERM_LENGTH + " bytes: "
                    + doc.id().substring(0, 80) + "…; give a shorter id");
        }
        Document d = new Document();
        d.add(new StringField(ID, doc.id(), Field.Store.YES));
        d.add(new StringField(SHA, doc.sha256(), Field.Store.YES));
        d.add(new StringField(MODALITY, doc.modality().id(), Field.Store.YES));
        if (doc.text() != null) {
            d.add(new StoredField(TEXT, doc.text()));
        }
        d.add(new KnnFloatVectorField(VECTOR, doc.vector(), VectorSimilarityFunction.DOT_PRODUCT));
        try {
            w.updateDocument(new Term(ID, doc.id()), d);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot add " + doc.id() + " to " + path + ": " + e.getMessage(), e);
        }
        writes.incrementAndGet();
    }

    /**
     * Deletes a document.
     *
     * @param id its id
     */
    public void delete(String id) {
        try {
            requireWriter().deleteDocuments(new Term(ID, id));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + id + " from " + path + ": " + e.getMessage(), e);
        }
        writes.incrementAndGet();
    }

    /**
     * Makes every change so far durable (an atomic Lucene commit carrying the model's identity).
     */
    public void commit() {
        IndexWriter w = requireWriter();
        synchronized (commitLock) {
            Map<String, String> data = new LinkedHashMap<>();
            data.put(FORMAT, FORMAT_VERSION);
            data.putAll(model.toUserData());
            data.putAll(config.toUserData());
            w.setLiveCommitData(data.entrySet());
            try {
                w.commit();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot commit " + path + ": " + e.getMessage(), e);
            }
        }
    }

    private IndexWriter requireWriter() {
        if (closed) {
            throw new IllegalStateException("the index at " + path + " is closed");
        }
        if (writer == null) {
            throw new IllegalStateException("the index at " + path + " was opened read-only (openReadOnly)");
        }
        return writer;
    }

    void checkVector(float[] v, String what) {
        if (v.length != model.dimension()) {
            throw new InvalidInputException(what + " has " + v.length + " dimensions, but the index holds "
                    + model.dimension() + "-wide embeddings of " + model.description());
        }
        double n = 0;
        for (float x : v) {
            if (!Float.isFinite(x)) {
                throw new InvalidInputException(what + " holds NaN or infinity");
            }
            n += (double) x * x;
        }
        double norm = Math.sqrt(n);
        if (Math.abs(norm - 1) > NORM_TOLERANCE) {
            throw new InvalidInputException(String.format(Locale.ROOT, "%s has norm %.6f; the index holds"
                    + " L2-normalised embeddings (dot product = cosine similarity): normalise it first", what, norm));
        }
    }

    // ------------------------------------------------------------------ reading

    /**
     * Makes the latest changes visible to searches: this writer's, or for a read-only index the last commit.
     */
    public void refresh() {
        try {
            searchers.maybeRefreshBlocking();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot refresh " + path + ": " + e.getMessage(), e);
        }
    }

    /** Refreshes when this writer changed something the current searcher does not include. */
    private void ensureFresh() {
        long w = writes.get();
        if (visible.get() < w) {
            refresh(); // blocks behind a refresh in progress, then opens a reader with every change up to w
            visible.accumulateAndGet(w, Math::max);
        }
    }

    /**
     * The k nearest documents of any modality to a normalised query vector.
     *
     * @param query the L2-normalised query embedding
     * @param k how many results
     * @return the best k, by decreasing cosine similarity
     */
    public List<Hit> search(float[] query, int k) {
        return search(query, k, SearchOptions.DEFAULT);
    }

    /**
     * The k nearest documents to a normalised query vector.
     *
     * @param query the L2-normalised query embedding
     * @param k how many results
     * @param options modality filter, candidates, exact re-ranking
     * @return the best k, by decreasing cosine similarity (ties by id)
     */
    public List<Hit> search(float[] query, int k, SearchOptions options) {
        if (k < 1) {
            throw new InvalidInputException("k must be positive, got " + k);
        }
        checkVector(query, "the query");
        if (closed) {
            throw new IllegalStateException("the index at " + path + " is closed");
        }
        ensureFresh();
        IndexSearcher s;
        try {
            s = searchers.acquire();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            int n = Math.max(k, options.candidates());
            Query filter = options.modality() == null ? null
                    : new TermQuery(new Term(MODALITY, options.modality().id()));
            TopDocs top = s.search(new KnnFloatVectorQuery(VECTOR, query, n, filter), n);
            StoredFields stored = s.storedFields();
            List<Hit> hits = new ArrayList<>(top.scoreDocs.length);
            for (ScoreDoc sd : top.scoreDocs) {
                Document d = stored.document(sd.doc);
                // Lucene scores DOT_PRODUCT as (1 + dot) / 2
                float score = options.exact() ? dot(query, vectorOf(s, sd.doc)) : 2 * sd.score - 1;
                hits.add(new Hit(d.get(ID), score, IndexDocument.Modality.of(d.get(MODALITY)), d.get(TEXT),
                        d.get(SHA)));
            }
            hits.sort(Comparator.comparingDouble((Hit h) -> -h.score()).thenComparing(Hit::id));
            return List.copyOf(hits.subList(0, Math.min(k, hits.size())));
        } catch (IOException e) {
            throw new UncheckedIOException("search of " + path + " failed: " + e.getMessage(), e);
        } finally {
            try {
                searchers.release(s);
            } catch (IOException e) {
                // a reader that fails to close is not the caller's problem
            }
        }
    }

    /**
     * The images nearest to a text (text → image).
     *
     * @param text the query text
     * @param k how many results
     * @param options candidates and exact re-ranking (the modality is set to images)
     * @return the best k
     */
    public List<Hit> searchText(String text, int k, SearchOptions options) {
        float[] q = beit3().embedTexts(List.of(text))[0];
        return search(q, k, options.only(IndexDocument.Modality.IMAGE));
    }

    /**
     * The documents nearest to an image (image → image with {@code IMAGE}, image → text with {@code TEXT}).
     *
     * @param image the query image file
     * @param k how many results
     * @param options modality filter, candidates, exact re-ranking
     * @return the best k
     */
    public List<Hit> searchImage(Path image, int k, SearchOptions options) {
        Beit3 m = beit3();
        float[] q = m.embedImages(List.of(m.readImage(image)))[0];
        return search(q, k, options);
    }

    private static float[] vectorOf(IndexSearcher s, int doc) throws IOException {
        List<LeafReaderContext> leaves = s.getIndexReader().leaves();
        LeafReaderContext ctx = leaves.get(ReaderUtil.subIndex(doc, leaves));
        FloatVectorValues v = ctx.reader().getFloatVectorValues(VECTOR);
        int local = doc - ctx.docBase;
        if (v == null || v.advance(local) != local) {
            throw new IllegalStateException("document " + doc + " of " + s.getIndexReader() + " has no vector");
        }
        return v.vectorValue().clone();
    }

    static float dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return (float) s;
    }

    /**
     * The content hash of every live document of a modality (the basis of incremental adds).
     *
     * @param modality image or text, or null for all
     * @return id → SHA-256
     */
    public Map<String, String> contentHashes(IndexDocument.Modality modality) {
        ensureFresh();
        Map<String, String> out = new HashMap<>();
        try {
            IndexSearcher s = searchers.acquire();
            try {
                for (LeafReaderContext ctx : s.getIndexReader().leaves()) {
                    LeafReader r = ctx.reader();
                    Bits live = r.getLiveDocs();
                    StoredFields sf = r.storedFields();
                    for (int i = 0; i < r.maxDoc(); i++) {
                        if (live != null && !live.get(i)) {
                            continue;
                        }
                        Document d = sf.document(i);
                        if (modality == null || modality.id().equals(d.get(MODALITY))) {
                            out.put(d.get(ID), d.get(SHA));
                        }
                    }
                }
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * What this index holds now (including uncommitted changes of this writer).
     *
     * @return the counts, size and model
     */
    public IndexStats stats() {
        ensureFresh();
        try {
            IndexSearcher s = searchers.acquire();
            try {
                DirectoryReader r = (DirectoryReader) s.getIndexReader();
                return stats(s, r, model, config, directory);
            } finally {
                searchers.release(s);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * What the last commit of an index holds, without a model (works while a writer runs).
     *
     * @param path the index folder
     * @return counts, size, model, settings
     */
    public static IndexStats stats(Path path) {
        requireIndexFolder(path);
        try (FSDirectory dir = FSDirectory.open(path)) {
            if (!DirectoryReader.indexExists(dir)) {
                throw new InvalidInputException("no index at " + path + " (no Lucene commit there)");
            }
            try (DirectoryReader r = DirectoryReader.open(dir)) {
                Map<String, String> data = r.getIndexCommit().getUserData();
                if (!FORMAT_VERSION.equals(data.get(FORMAT))) {
                    throw new InvalidInputException("the Lucene index at " + path + " is not a beit3 index");
                }
                return stats(new IndexSearcher(r), r, IndexModel.fromUserData(data).orElseThrow(),
                        IndexConfig.fromUserData(data, IndexConfig.DEFAULT), dir);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static void requireIndexFolder(Path path) {
        if (!Files.isDirectory(path)) {
            throw new InvalidInputException("no index at " + path + "; build one first: beit3 index add IMAGES"
                    + " --index " + path);
        }
    }

    private static IndexStats stats(IndexSearcher s, DirectoryReader r, IndexModel model, IndexConfig config,
            FSDirectory dir) throws IOException {
        int images = s.count(new TermQuery(new Term(MODALITY, IndexDocument.Modality.IMAGE.id())));
        int texts = s.count(new TermQuery(new Term(MODALITY, IndexDocument.Modality.TEXT.id())));
        long bytes = 0;
        for (String f : dir.listAll()) {
            try {
                bytes += dir.fileLength(f);
            } catch (NoSuchFileException | java.io.FileNotFoundException e) {
                // deleted by a merge meanwhile
            }
        }
        return new IndexStats(r.numDocs(), images, texts, r.numDeletedDocs(), r.leaves().size(), bytes, model, config,
                r.getIndexCommit().getGeneration());
    }

    /**
     * Checks an index: Lucene's {@code CheckIndex} (every file's checksum and structure) and every stored
     * vector (present for each live document, finite, norm within {@link #NORM_TOLERANCE} of 1). Needs the write
     * lock, so no writer may run.
     *
     * @param path the index folder
     * @return the findings
     * @throws IndexLockedException when a writer holds the index
     */
    public static VerifyReport verify(Path path) {
        requireIndexFolder(path);
        try (FSDirectory dir = FSDirectory.open(path)) {
            if (!DirectoryReader.indexExists(dir)) {
                throw new InvalidInputException("no index at " + path + " (no Lucene commit there)");
            }
            List<String> problems = new ArrayList<>();
            boolean clean;
            ByteArrayOutputStream log = new ByteArrayOutputStream();
            try (CheckIndex ci = new CheckIndex(dir)) {
                ci.setInfoStream(new PrintStream(log, true, StandardCharsets.UTF_8));
                CheckIndex.Status st = ci.checkIndex();
                clean = st.clean;
                if (!clean) {
                    String[] lines = log.toString(StandardCharsets.UTF_8).split("\n");
                    problems.add("Lucene CheckIndex: " + String.join(" | ",
                            List.of(lines).subList(Math.max(0, lines.length - 6), lines.length)).strip());
                }
            } catch (LockObtainFailedException e) {
                throw locked(path, "verify it", e);
            }
            if (!clean) {
                return new VerifyReport(false, 0, Double.NaN, List.copyOf(problems));
            }
            long checked = 0;
            double maxErr = 0;
            try (DirectoryReader r = DirectoryReader.open(dir)) {
                for (LeafReaderContext ctx : r.leaves()) {
                    LeafReader leaf = ctx.reader();
                    Bits live = leaf.getLiveDocs();
                    FloatVectorValues v = leaf.getFloatVectorValues(VECTOR);
                    int expectNext = 0;
                    int doc = v == null ? DocIdSetIterator.NO_MORE_DOCS : v.nextDoc();
                    for (; doc != DocIdSetIterator.NO_MORE_DOCS; doc = v.nextDoc()) {
                        for (int missing = expectNext; missing < doc; missing++) {
                            if (live == null || live.get(missing)) {
                                problems.add("document " + (ctx.docBase + missing) + " has no vector");
                            }
                        }
                        expectNext = doc + 1;
                        if (live != null && !live.get(doc)) {
                            continue;
                        }
                        float[] x = v.vectorValue();
                        double n = 0;
                        boolean finite = true;
                        for (float f : x) {
                            finite &= Float.isFinite(f);
                            n += (double) f * f;
                        }
                        double err = Math.abs(Math.sqrt(n) - 1);
                        checked++;
                        if (!finite || err > NORM_TOLERANCE) {
                            problems.add(String.format(Locale.ROOT, "document %d (%s) has a vector of norm %.6f",
                                    ctx.docBase + doc, leaf.storedFields().document(doc).get(ID), Math.sqrt(n)));
                        }
                        maxErr = Math.max(maxErr, finite ? err : Double.POSITIVE_INFINITY);
                    }
                    for (int missing = expectNext; missing < leaf.maxDoc(); missing++) {
                        if (live == null || live.get(missing)) {
                            problems.add("document " + (ctx.docBase + missing) + " has no vector");
                        }
                    }
                }
            }
            return new VerifyReport(clean, checked, maxErr, List.copyOf(problems.subList(0,
                    Math.min(problems.size(), 50))));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot verify " + path + ": " + e.getMessage(), e);
        }
    }

    /**
     * Commits pending changes (a writer), releases the lock and the readers. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        synchronized (commitLock) {
            if (closed) {
                return;
            }
            try {
                if (writer != null && writer.isOpen()) {
                    commit();
                }
            } finally {
                closed = true;
                try {
                    searchers.close();
                    if (writer != null) {
                        // removed while the lock is still held, so a next writer's file is never deleted
                        Files.deleteIfExists(path.resolve(WRITER_FILE));
                        writer.close();
                    }
                    directory.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot close " + path + ": " + e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public String toString() {
        return "Beit3Index[" + path + ", " + model + ", " + config + (writer == null ? ", read-only" : "") + "]";
    }
}
