package dev.beit3.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The {@code load_checkpoint} workloads: loading the synthetic checkpoint in a fresh JVM with a 512 MB heap
 * ({@link LoadProbe}), so the figure is loading alone (the synthetic writer left a large heap behind in this one)
 * and proves the file never has to fit on the heap.
 */
final class LoadWorkload {
    private LoadWorkload() {}

    /**
     * Loads the checkpoint once in a fresh JVM.
     *
     * @param file the synthetic checkpoint
     * @param large whether it has large dimensions
     * @param lowMemory float16 matrices
     * @return the result ({@code load_checkpoint} or {@code load_checkpoint_low_memory})
     * @throws IOException when the probe fails
     */
    static Benchmark.Result measure(Path file, boolean large, boolean lowMemory) throws IOException {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Xmx512m", "-XX:MaxDirectMemorySize=16g", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), LoadProbe.class.getName(), file.toString(),
                large ? "large" : "base", lowMemory ? "low-memory" : "float32").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while loading", e);
        }
        String line = out.lines().filter(l -> l.startsWith("load ")).findFirst().orElseThrow(
                () -> new IOException("the load probe failed: " + out.strip()));
        String[] f = line.split(" ");
        double ms = Double.parseDouble(f[1]);
        double before = Double.parseDouble(f[2]);
        double after = Double.parseDouble(f[3]);
        double peak = Double.parseDouble(f[4]);
        double fileMb = Files.size(file) / 1048576.0;
        return new Benchmark.Result(lowMemory ? "load_checkpoint_low_memory" : "load_checkpoint", "djl", "fp32", ms,
                ms, Double.NaN, 0, Double.NaN, Double.NaN, peak, String.format(Locale.ROOT,
                        (lowMemory ? "float16 matrices; " : "") + "fresh JVM, -Xmx512m (the weights are not on the"
                        + " heap): file %.0f MB; RSS %.0f MB before, %.0f MB after (after a GC: baseline + %.2f× the"
                        + " file), peak %.0f MB = baseline + %.2f× the file (target ≤ 1.25×)",
                        fileMb, before, after, (after - before) / fileMb, peak, (peak - before) / fileMb));
    }
}
