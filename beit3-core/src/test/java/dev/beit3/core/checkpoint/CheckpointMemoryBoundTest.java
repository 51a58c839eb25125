package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.CheckpointException;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sizes declared by a file must not be trusted for allocation: run in the {@code fuzz} execution with
 * {@code -Xmx512m}, where allocating a declared 1.5 GB would fail with an {@link OutOfMemoryError}.
 */
@Tag("fuzz")
class CheckpointMemoryBoundTest {
    @TempDir
    Path dir;

    private static void assertNoOutOfMemory(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            assertThat(c).as("cause chain of %s", e).isNotInstanceOf(OutOfMemoryError.class);
        }
    }

    @Test
    void deflatedStorageDeclaringGigabytesIsNotAllocatedUpFront() throws IOException {
        long numel = 3L << 27; // 1.5 GiB of float32, declared; the entry inflates to 16 bytes
        byte[] pickle = new PickleWriter().proto(2).emptyDict().str("w")
                .tensor("FloatStorage", "0", numel, 0, new long[] {numel}, new long[] {1}).setitem().stop().bytes();
        Path f = new ZipWriter().stored("archive/data.pkl", pickle).deflated("archive/data/0", new byte[16], numel * 4)
                .write(dir.resolve("lying-deflate.pth"));
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("archive/data/0").hasMessageContaining("truncated")
                .satisfies(CheckpointMemoryBoundTest::assertNoOutOfMemory);
    }

    @Test
    void deflatedPickleDeclaringAGigabyteIsNotAllocatedUpFront() throws IOException {
        Path f = new ZipWriter().deflated("archive/data.pkl", new byte[] {(byte) 0x80, 2, '.'}, 1L << 30)
                .write(dir.resolve("lying-pickle.pth"));
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("archive/data.pkl")
                .satisfies(CheckpointMemoryBoundTest::assertNoOutOfMemory);
    }
}
