package dev.beit3.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.Kernels;
import dev.beit3.core.encoder.MultiwayEncoder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BiFunction;
import java.util.function.Predicate;

/**
 * The model workloads on the synthetic checkpoint: {@code vision224_b1}, {@code vision224_b8}, {@code vision384_b8}
 * and {@code text64_b32} on every variant (alternating), then {@code vision224_b1_2callers}, {@code vqa480_b1} and
 * the captioning steps ({@link CaptioningWorkload}) on the fastest fp32 backend only. With the official model
 * ({@link OfficialPyTorch}, {@code --compare-pytorch}) the four interleaved workloads alternate with it too.
 */
final class ModelWorkloads {
    private final EncoderConfig base;
    private final SyntheticModels models;
    private final Rounds rounds;
    private final Variant best;
    private final OfficialPyTorch official;

    /**
     * @param base the checkpoint's dimensions
     * @param models the models over the synthetic checkpoint
     * @param rounds the timing loop, against the reference rate
     * @param best the fastest fp32 backend
     * @param official the official model to alternate with on the interleaved workloads (null: none)
     */
    ModelWorkloads(EncoderConfig base, SyntheticModels models, Rounds rounds, Variant best, OfficialPyTorch official) {
        this.base = base;
        this.models = models;
        this.rounds = rounds;
        this.best = best;
        this.official = official;
    }

    /**
     * Runs the wanted workloads.
     *
     * @param variants the variants of the interleaved workloads
     * @param wanted which workload names to run
     * @return the results, in workload order
     */
    List<Benchmark.Result> run(List<Variant> variants, Predicate<String> wanted) {
        List<Benchmark.Result> out = new ArrayList<>();
        int[][] vision = {{224, 1}, {224, 8}, {384, 8}};
        for (int[] v : vision) {
            String name = "vision" + v[0] + "_b" + v[1];
            if (wanted.test(name)) {
                out.addAll(vision(name, variants, v[0], v[1]));
            }
        }
        if (wanted.test("text64_b32")) {
            out.addAll(text(variants));
        }
        if (wanted.test("vision224_b1_2callers")) {
            out.add(twoCallers());
        }
        if (wanted.test("vqa480_b1")) {
            out.add(vqa());
        }
        if (wanted.test("caption480")) {
            out.addAll(new CaptioningWorkload(models, rounds, best).run(base.withImageSize(480)));
        }
        return out;
    }

    private List<Benchmark.Result> vision(String name, List<Variant> variants, int size, int batch) {
        EncoderConfig c = base.withImageSize(size);
        return interleaved(name, variants, c, Flops.pass(c, batch, c.numPatches() + 1, batch), batch, (enc, mgr) -> {
            NDArray img = mgr.randomNormal(new Shape(batch, 3, size, size));
            return () -> {
                try (NDManager call = mgr.newSubManager()) {
                    enc.encode(EncoderInput.vision(img), call).output().toFloatArray();
                }
            };
        }, "image-only pass");
    }

    private List<Benchmark.Result> text(List<Variant> variants) {
        return interleaved("text64_b32", variants, base, Flops.pass(base, 32, 64, 0), 32, (enc, mgr) -> {
            NDArray ids = mgr.randomInteger(4, 60000, new Shape(32, 64), DataType.INT64);
            return () -> {
                try (NDManager call = mgr.newSubManager()) {
                    enc.encode(EncoderInput.text(ids, null), call).output().toFloatArray();
                }
            };
        }, "text-only pass, 64 tokens");
    }

    /** One model shared by two caller threads, each sending single images: throughput for many requests. */
    private Benchmark.Result twoCallers() {
        EncoderConfig c = base.withImageSize(224);
        try (NDManager weights = NDManager.newBaseManager(); Kernels k = best.open()) {
            MultiwayEncoder enc = models.encoder(c, weights, k);
            NDArray img = weights.randomNormal(new Shape(1, 3, 224, 224));
            int perThread = 4;
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                return rounds.time("vision224_b1_2callers", best, 2 * perThread * Flops.pass(c, 1, c.numPatches() + 1,
                        1), 2 * perThread, () -> {
                            List<Future<?>> fs = new ArrayList<>();
                            for (int t = 0; t < 2; t++) {
                                fs.add(pool.submit(() -> {
                                    for (int i = 0; i < perThread; i++) {
                                        try (NDManager call = weights.newSubManager()) {
                                            enc.encode(EncoderInput.vision(img), call).output().toFloatArray();
                                        }
                                    }
                                }));
                            }
                            for (Future<?> f : fs) {
                                try {
                                    f.get();
                                } catch (InterruptedException | ExecutionException e) {
                                    throw new IllegalStateException(e);
                                }
                            }
                        }, "2 threads × 4 single-image calls on one shared model");
            } finally {
                pool.shutdown();
            }
        }
    }

    private Benchmark.Result vqa() {
        EncoderConfig c = base.withImageSize(480).withFinalLayerNorm(false);
        try (NDManager weights = NDManager.newBaseManager(); Kernels k = best.open()) {
            MultiwayEncoder enc = models.encoder(c, weights, k);
            NDArray img = weights.randomNormal(new Shape(1, 3, 480, 480));
            NDArray ids = weights.randomInteger(4, 60000, new Shape(1, 32), DataType.INT64);
            return rounds.time("vqa480_b1", best, Flops.pass(c, 1, c.numPatches() + 1 + 32, 1), 1, () -> {
                try (NDManager call = weights.newSubManager()) {
                    enc.encode(EncoderInput.fused(img, ids, null), call).output().toFloatArray();
                }
            }, "fused pass, 480 px + 32 tokens");
        }
    }

    /**
     * Builds a workload on every variant (one encoder each, all in memory) and times them alternating, the
     * official model last in each round when it is compared with.
     */
    private List<Benchmark.Result> interleaved(String name, List<Variant> vs, EncoderConfig c, double flop,
            double items, BiFunction<MultiwayEncoder, NDManager, Runnable> work, String note) {
        List<NDManager> managers = new ArrayList<>();
        List<Kernels> opened = new ArrayList<>();
        try {
            List<Runnable> bodies = new ArrayList<>();
            for (Variant v : vs) {
                NDManager weights = NDManager.newBaseManager();
                managers.add(weights);
                Kernels k = v.open();
                opened.add(k);
                bodies.add(work.apply(models.encoder(c, weights, k), weights));
            }
            return official == null ? rounds.time(name, vs, bodies, flop, items, note)
                    : official.timeWith(rounds, name, vs, bodies, flop, items, note);
        } finally {
            managers.forEach(NDManager::close);
            opened.forEach(Kernels::close);
        }
    }
}
