package dev.beit3.index;

import dev.beit3.api.Api;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The index benchmark: synthetic L2-normalised vectors (generated from a seed, never stored) are added through
 * {@link Beit3Index#add} by one thread and committed; then single-threaded queries measure latency (p50/p99) and
 * recall@k against exact brute force, for several HNSW candidate counts, with graph scores and with exact
 * re-ranking, for float32 and scalar-quantized vector formats.
 *
 * <p>Vectors: {@code clusters > 0} draws each document around one of that many random unit centroids
 * ({@code normalise(c + noise · g)}, g Gaussian of norm ≈ 1), queries the same way, which is closer to real
 * embeddings than uniform vectors; {@code clusters == 0} draws uniformly on the sphere, the hardest case for
 * HNSW (all distances nearly equal).
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public final class IndexBench {
    private IndexBench() {}

    /**
     * What to measure.
     *
     * @param docs documents
     * @param dim vector width
     * @param queries queries (after 50 warm-up queries)
     * @param k results per query (recall@k)
     * @param candidates HNSW candidate counts to measure
     * @param quantizations vector formats: 0 (float32), 7, 4
     * @param maxConn HNSW M
     * @param beamWidth HNSW beam width
     * @param clusters centroids (0: uniform on the sphere)
     * @param noise spread around a centroid
     * @param seed the seed
     * @param workDir a scratch folder (one index per format is built in it and deleted)
     */
    public record Settings(int docs, int dim, int queries, int k, List<Integer> candidates, List<Integer> quantizations,
            int maxConn, int beamWidth, int clusters, double noise, long seed, Path workDir) {}

    /**
     * Query measurements at one candidate count.
     *
     * @param candidates HNSW candidates
     * @param exact re-ranked by the exact dot product
     * @param p50Ms median latency
     * @param p99Ms 99th percentile latency
     * @param recall recall@k against brute force
     */
    public record QueryResult(int candidates, boolean exact, double p50Ms, double p99Ms, double recall) {}

    /**
     * Measurements of one vector format.
     *
     * @param quantizationBits 0, 7 or 4
     * @param buildSeconds adds + commit
     * @param docsPerSecond docs / buildSeconds
     * @param bytesOnDisk the index folder's size
     * @param bytesByExtension sizes per Lucene file extension (vec raw floats, veq quantized, vex graph, …)
     * @param segments segments after the commit
     * @param queries per candidate count
     */
    public record Result(int quantizationBits, double buildSeconds, double docsPerSecond, long bytesOnDisk,
            Map<String, Long> bytesByExtension, int segments, List<QueryResult> queries) {}

    /**
     * Brute-force reference.
     *
     * @param p50Ms median exact top-k time per query (one thread, plain Java dot products)
     * @param p99Ms 99th percentile
     */
    public record BruteForce(double p50Ms, double p99Ms) {}

    /**
     * The synthetic documents and queries of the settings.
     *
     * @param s the settings
     * @return docs then queries
     */
    static float[][][] vectors(Settings s) {
        SplittableRandom r = new SplittableRandom(s.seed());
        float[][] centroids = new float[Math.max(0, s.clusters())][];
        for (int c = 0; c < centroids.length; c++) {
            centroids[c] = unit(gaussian(r, s.dim(), 1.0));
        }
        float[][] docs = new float[s.docs()][];
        for (int i = 0; i < docs.length; i++) {
            docs[i] = draw(r, centroids, s);
        }
        float[][] queries = new float[s.queries() + 50][];
        for (int i = 0; i < queries.length; i++) {
            queries[i] = draw(r, centroids, s);
        }
        return new float[][][] {docs, queries};
    }

    private static float[] draw(SplittableRandom r, float[][] centroids, Settings s) {
        if (centroids.length == 0) {
            return unit(gaussian(r, s.dim(), 1.0));
        }
        float[] c = centroids[r.nextInt(centroids.length)];
        float[] g = gaussian(r, s.dim(), s.noise() / Math.sqrt(s.dim()));
        for (int j = 0; j < g.length; j++) {
            g[j] += c[j];
        }
        return unit(g);
    }

    private static float[] gaussian(SplittableRandom r, int n, double scale) {
        float[] v = new float[n];
        for (int j = 0; j < n; j += 2) {
            // Box-Muller: two normals per two uniforms
            double u1 = 1 - r.nextDouble();
            double u2 = r.nextDouble();
            double m = Math.sqrt(-2 * Math.log(u1)) * scale;
            v[j] = (float) (m * Math.cos(2 * Math.PI * u2));
            if (j + 1 < n) {
                v[j + 1] = (float) (m * Math.sin(2 * Math.PI * u2));
            }
        }
        return v;
    }

    private static float[] unit(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        float inv = (float) (1 / Math.sqrt(s));
        for (int j = 0; j < v.length; j++) {
            v[j] *= inv;
        }
        return v;
    }

    /**
     * Exact top-k ids of every query by brute force (two threads), and the single-thread time per query.
     *
     * @param docs the documents
     * @param queries the queries
     * @param k results per query
     * @param timing receives the brute-force timing
     * @return per query, the ids of its exact top k
     */
    static int[][] truth(float[][] docs, float[][] queries, int k, Consumer<BruteForce> timing) {
        int[][] out = new int[queries.length][];
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int tt = t;
                fs.add(pool.submit(() -> {
                    for (int q = tt; q < queries.length; q += 2) {
                        out[q] = topK(docs, queries[q], k);
                    }
                }));
            }
            for (Future<?> f : fs) {
                f.get();
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        } finally {
            pool.shutdown();
        }
        int n = Math.min(20, queries.length);
        double[] ms = new double[n];
        for (int q = 0; q < n; q++) {
            long t0 = System.nanoTime();
            topK(docs, queries[q], k);
            ms[q] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        timing.accept(new BruteForce(ms[n / 2], ms[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)]));
        return out;
    }

    private static int[] topK(float[][] docs, float[] q, int k) {
        float[] best = new float[k];
        int[] ids = new int[k];
        Arrays.fill(best, Float.NEGATIVE_INFINITY);
        Arrays.fill(ids, -1);
        for (int i = 0; i < docs.length; i++) {
            float[] d = docs[i];
            float s0 = 0;
            float s1 = 0;
            float s2 = 0;
            float s3 = 0;
            int j = 0;
            for (; j + 3 < d.length; j += 4) {
                s0 += q[j] * d[j];
                s1 += q[j + 1] * d[j + 1];
                s2 += q[j + 2] * d[j + 2];
                s3 += q[j + 3] * d[j + 3];
            }
            for (; j < d.length; j++) {
                s0 += q[j] * d[j];
            }
            float s = s0 + s1 + s2 + s3;
            if (s > best[k - 1]) {
                int p = k - 1;
                while (p > 0 && best[p - 1] < s) {
                    best[p] = best[p - 1];
                    ids[p] = ids[p - 1];
                    p--;
                }
                best[p] = s;
                ids[p] = i;
            }
        }
        return ids;
    }

    /**
     * Builds one index per vector format and measures it.
     *
     * @param s the settings
     * @param log progress lines
     * @param bruteForce receives the brute-force reference timing
     * @param each receives each format's result as soon as it is measured
     * @return one result per format
     */
    public static List<Result> run(Settings s, Consumer<String> log, Consumer<BruteForce> bruteForce,
            Consumer<Result> each) {
        log.accept("generating " + s.docs() + " + " + s.queries() + " vectors of width " + s.dim() + " ...");
        float[][][] v = vectors(s);
        float[][] docs = v[0];
        float[][] queries = Arrays.copyOfRange(v[1], 50, v[1].length);
        float[][] warm = Arrays.copyOfRange(v[1], 0, 50);
        log.accept("exact top-" + s.k() + " of " + queries.length + " queries by brute force ...");
        int[][] truth = truth(docs, queries, s.k(), bruteForce);
        IndexModel model = new IndexModel("synthetic-" + s.seed(), "retrieval", 224, s.dim(),
                "synthetic benchmark vectors");
        List<Result> results = new ArrayList<>();
        for (int bits : s.quantizations()) {
            Path dir = s.workDir().resolve("bench-int" + bits + "-" + System.nanoTime());
            IndexConfig config = new IndexConfig(s.maxConn(), s.beamWidth(), bits);
            log.accept("building " + config + " ...");
            try (Beit3Index idx = Beit3Index.openForBench(dir, model, config, 1900)) {
                long t0 = System.nanoTime();
                for (int i = 0; i < docs.length; i++) {
                    idx.add(new IndexDocument(Integer.toString(i), "", IndexDocument.Modality.IMAGE, null, docs[i]));
                }
                idx.commit();
                double build = (System.nanoTime() - t0) / 1e9;
                idx.refresh();
                IndexStats st = idx.stats();
                Map<String, Long> byExt = sizes(dir);
                List<QueryResult> qr = new ArrayList<>();
                for (int c : s.candidates()) {
                    for (boolean exact : bits == 0 ? new boolean[] {false} : new boolean[] {false, true}) {
                        qr.add(measure(idx, warm, queries, truth, s.k(), new SearchOptions(null, c, exact)));
                    }
                }
                Result r = new Result(bits, build, docs.length / build, st.bytesOnDisk(), byExt, st.segments(), qr);
                log.accept(String.format(java.util.Locale.ROOT, "  built in %.1f s (%.0f docs/s), %d segment(s), %.1f MB",
                        build, r.docsPerSecond(), r.segments(), r.bytesOnDisk() / 1048576.0));
                results.add(r);
                each.accept(r);
            } finally {
                delete(dir);
            }
        }
        return results;
    }

    private static QueryResult measure(Beit3Index idx, float[][] warm, float[][] queries, int[][] truth, int k,
            SearchOptions o) {
        for (float[] q : warm) {
            idx.search(q, k, o);
        }
        double[] ms = new double[queries.length];
        long found = 0;
        for (int i = 0; i < queries.length; i++) {
            long t0 = System.nanoTime();
            List<Hit> hits = idx.search(queries[i], k, o);
            ms[i] = (System.nanoTime() - t0) / 1e6;
            Set<Integer> want = new HashSet<>();
            for (int id : truth[i]) {
                want.add(id);
            }
            for (Hit h : hits) {
                found += want.contains(Integer.parseInt(h.id())) ? 1 : 0;
            }
        }
        Arrays.sort(ms);
        int n = ms.length;
        return new QueryResult(o.candidates(), o.exact(), ms[n / 2], ms[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)],
                found / (double) (n * k));
    }

    private static Map<String, Long> sizes(Path dir) {
        Map<String, Long> m = new TreeMap<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                int dot = n.lastIndexOf('.');
                if (n.startsWith("_") && dot > 0) {
                    m.merge(n.substring(dot + 1), Files.size(p), Long::sum);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // scratch space
        }
    }

    /**
     * A quick entry point: {@code java -cp … dev.beit3.index.IndexBench DOCS [DIM]}.
     *
     * @param args docs and width
     */
    public static void main(String[] args) {
        int docs = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        int dim = args.length > 1 ? Integer.parseInt(args[1]) : 768;
        Settings s = new Settings(docs, dim, 200, 10, List.of(10, 100), List.of(0, 7), 16, 100, 100, 1.0,
                new Random(42).nextLong(), Path.of(System.getProperty("java.io.tmpdir")));
        run(s, System.out::println, b -> System.out.println("brute force " + b), System.out::println);
    }
}
