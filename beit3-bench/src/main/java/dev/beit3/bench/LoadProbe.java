package dev.beit3.bench;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.Kernels;
import dev.beit3.core.load.LoadRequest;
import dev.beit3.core.load.ModelLoader;
import dev.beit3.core.plugin.ProviderRegistry;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Loads a checkpoint in a fresh JVM and prints its RSS before loading, after, and the peak, so the
 * benchmark sees what loading costs without the memory of its own earlier work. Run with a small heap
 * ({@code -Xmx512m}): loading must not need the file on the heap. The entry point of its own process: it
 * discovers the providers once and loads through the {@link ModelLoader}, on the DJL reference backend.
 */
final class LoadProbe {
    private LoadProbe() {}

    public static void main(String[] args) throws Exception {
        Path file = Path.of(args[0]);
        boolean large = args.length > 1 && args[1].equals("large");
        boolean low = args.length > 2 && args[2].equals("low-memory");
        EncoderConfig c = Benchmark.Options.dimensions(large);
        ProviderRegistry reg = ProviderRegistry.discover();
        try (NDManager warm = NDManager.newBaseManager()) {
            warm.zeros(new ai.djl.ndarray.types.Shape(1)).add(1f); // engine start outside the measurement
        }
        double before = Rss.currentMb();
        Rss.resetPeak();
        long t0 = System.nanoTime();
        try (NDManager weights = NDManager.newBaseManager()) {
            ModelLoader.load(LoadRequest.builder().checkpoint(file).registry(reg).heads(LoadRequest.Heads.NONE)
                    .config(c).lowMemory(low).kernels((Kernels) null).into(weights).build());
            double ms = (System.nanoTime() - t0) / 1e6;
            double peak = Rss.peakMb();
            System.gc(); // closed float32 originals give their direct buffers back only after a GC
            Thread.sleep(200);
            System.out.printf(Locale.ROOT, "load %.1f %.1f %.1f %.1f%n", ms, before, Rss.currentMb(), peak);
        }
    }
}
