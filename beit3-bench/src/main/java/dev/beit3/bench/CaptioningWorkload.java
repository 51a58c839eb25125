package dev.beit3.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.CaptioningHead;
import dev.beit3.api.DecodingSession;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.Kernels;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.load.LoadedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The captioning workloads: one beam-3 decoding step at 16 text tokens by recomputing the whole sequence
 * ({@code caption480_recompute_step16}) and the same step with the image and the first 15 tokens in the key/value
 * cache ({@code caption480_cached_step16}), on the fastest fp32 backend.
 */
final class CaptioningWorkload {
    private static final int BEAMS = 3;
    private static final int TOKENS = 16;

    private final SyntheticModels models;
    private final Rounds rounds;
    private final Variant best;

    /**
     * @param models the models over the synthetic checkpoint
     * @param rounds the timing loop
     * @param best the backend to run on
     */
    CaptioningWorkload(SyntheticModels models, Rounds rounds, Variant best) {
        this.models = models;
        this.rounds = rounds;
        this.best = best;
    }

    /**
     * Times both steps.
     *
     * @param c the configuration (480 px)
     * @return the recomputed step, then the cached one (whose note says how much faster it is)
     */
    List<Benchmark.Result> run(EncoderConfig c) {
        List<Benchmark.Result> out = new ArrayList<>();
        try (NDManager weights = NDManager.newBaseManager(); Kernels k = best.open()) {
            LoadedModel model = models.withHead(c, "captioning", weights, k);
            MultiwayEncoder enc = model.encoder();
            CaptioningHead head = (CaptioningHead) model.head().head();
            NDArray img = weights.randomNormal(new Shape(1, 3, c.imageSize(), c.imageSize()));
            int nv = c.numPatches() + 1;
            // one decoding step at caption length 16 by recomputing the whole sequence for the 3 beams
            NDArray ids = weights.randomInteger(4, 60000, new Shape(BEAMS, TOKENS), DataType.INT64);
            NDArray imgs = img.repeat(0, BEAMS);
            long[] last = new long[BEAMS * TOKENS];
            for (int r = 0; r < BEAMS; r++) {
                last[r * TOKENS + TOKENS - 1] = 1; // the mask slot whose logits pick the next word
            }
            NDArray masked = weights.create(last, new Shape(BEAMS, TOKENS));
            out.add(rounds.time("caption480_recompute_step16", best, Flops.pass(c, BEAMS, nv + TOKENS, BEAMS), BEAMS,
                    () -> {
                        try (NDManager call = weights.newSubManager()) {
                            head.maskedLm(enc, imgs, ids, null, masked, call).toFloatArray();
                        }
                    }, "one beam-3 decoding step at 16 text tokens, full recomputation"));
            // the same step with keys and values of the image and the first 15 text tokens cached
            try (DecodingSession session = enc.startDecoding(weights).orElseThrow();
                    NDManager prefill = weights.newSubManager()) {
                int n = nv + TOKENS - 1;
                session.start(EncoderInput.fused(imgs, ids.get(":, :{}", TOKENS - 1), null)
                        .withAttentionMask(prefill.create(prefixMask(nv, n), new Shape(n, n))), prefill);
                long keys = session.length() + 2;
                float[] stepMask = new float[(int) (2 * keys)];
                stepMask[(int) (keys - 1)] = -1e8f;
                NDArray sm = weights.create(stepMask, new Shape(2, keys));
                NDArray stepIds = ids.get(":, {}:", TOKENS - 2);
                out.add(rounds.time("caption480_cached_step16", best, Flops.step(c, BEAMS, 2, keys), BEAMS, () -> {
                    try (NDManager call = weights.newSubManager()) {
                        session.step(stepIds, sm, call).output().toFloatArray();
                        session.dropLast(2);
                    }
                }, "the same step with the image and 15 text tokens in the key/value cache"));
            }
        }
        Benchmark.Result rec = out.get(0);
        Benchmark.Result cached = out.get(1);
        out.set(1, new Benchmark.Result(cached.workload(), cached.backend(), cached.precision(), cached.medianMs(),
                cached.minMs(), cached.itemsPerSecond(), cached.gflop(), cached.gflops(), cached.efficiency(),
                cached.peakRssMb(), cached.note() + String.format(Locale.ROOT,
                        "; %.1f× faster per token than recomputing", rec.medianMs() / cached.medianMs())));
        return out;
    }

    /**
     * The prefill's additive mask over {@code n} positions: text tokens see no later text token, image tokens see
     * no text token.
     */
    private static float[] prefixMask(int nv, int n) {
        float[] mask = new float[n * n];
        for (int i = nv; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                mask[i * n + j] = -1e8f;
            }
        }
        for (int i = 0; i < nv; i++) {
            for (int j = nv; j < n; j++) {
                mask[i * n + j] = -1e8f;
            }
        }
        return mask;
    }
}
