package dev.beit3.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Resident set size of this process from {@code /proc/self/status} (Linux). */
final class Rss {
    private Rss() {}

    /** @return current RSS in MiB, or −1 when unavailable */
    static double currentMb() {
        return field("VmRSS:");
    }

    /**
     * RSS minus the committed Java heap, after a GC: the native part (engine, tensors, code).
     *
     * @return MiB, or −1 when unavailable
     */
    static double nativeMb() {
        System.gc();
        double heap = java.lang.management.ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted()
                / 1048576.0;
        double rss = currentMb();
        return rss < 0 ? -1 : rss - heap;
    }

    /** @return peak RSS since the last {@link #resetPeak()} in MiB, or −1 */
    static double peakMb() {
        return field("VmHWM:");
    }

    /** Resets the kernel's peak RSS counter (writes 5 to {@code /proc/self/clear_refs}); best effort. */
    static void resetPeak() {
        try {
            Files.writeString(Path.of("/proc/self/clear_refs"), "5");
        } catch (IOException | RuntimeException e) {
            // not Linux or not permitted: the peak then covers the whole process
        }
    }

    private static double field(String name) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(name)) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
