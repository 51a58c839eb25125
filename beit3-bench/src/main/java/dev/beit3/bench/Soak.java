package dev.beit3.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.Kernels;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.plugin.ProviderRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The soak test ({@code beit3 bench --soak N}): many fused forward passes (image + text, batch 2) of a small
 * synthetic model, with the process RSS outside the Java heap after warm-up and at the end: native memory must
 * stay flat.
 */
final class Soak {
    private Soak() {}

    /**
     * Runs the passes.
     *
     * @param passes number of forward passes
     * @param registry the providers of this run
     * @return a one-line report
     * @throws IOException when the synthetic checkpoint cannot be written
     */
    static String run(int passes, ProviderRegistry registry) throws IOException {
        EncoderConfig c = new EncoderConfig(ModelFamily.BEIT3, 96, 4, 4, 384, 16, 64, 1000, 1024, 1e-5, true, 4);
        Path file = Files.createTempFile("beit3-soak", ".safetensors");
        try (NDManager weights = NDManager.newBaseManager()) {
            SyntheticCheckpoint.write(c, file);
            MultiwayEncoder enc = new SyntheticModels(file, registry).encoder(c, weights, (Kernels) null);
            NDArray img = weights.randomNormal(new Shape(2, 3, 64, 64));
            NDArray ids = weights.randomInteger(4, 999, new Shape(2, 16), DataType.INT64);
            int warm = Math.max(1, passes / 10);
            double afterWarmup = 0;
            long t0 = System.nanoTime();
            for (int i = 0; i < passes; i++) {
                try (NDManager call = weights.newSubManager()) {
                    enc.encode(EncoderInput.fused(img, ids, null), call).output().toFloatArray();
                }
                if (i + 1 == warm) {
                    afterWarmup = Rss.nativeMb();
                }
            }
            double end = Rss.nativeMb();
            return String.format(Locale.ROOT, "soak: %d fused passes in %.1f s; RSS outside the Java heap after %d"
                    + " warm-up passes %.1f MB, at the end %.1f MB (growth %.2f%%); total RSS %.1f MB", passes,
                    (System.nanoTime() - t0) / 1e9, warm, afterWarmup, end, 100 * (end - afterWarmup) / afterWarmup,
                    Rss.currentMb());
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
