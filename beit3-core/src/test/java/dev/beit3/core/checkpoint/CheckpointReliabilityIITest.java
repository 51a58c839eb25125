package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reliability II (issue 17), the checkpoint readers: defect 2 (memory and disk amplification through zero-stride and
 * overlapping views), defect 3 (zip parser differentials: duplicate names, central directory against local headers,
 * overlapping entries). Every input is made here; none comes from the fixtures.
 */
class CheckpointReliabilityIITest {
    @TempDir
    Path dir;

    static byte[] floats(int n) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(i);
        }
        return b.array();
    }

    /** A bare state dict {name_i: view_i} over storage "0" of {@code numel} floats. */
    static byte[] views(long numel, long[][] sizes, long[][] strides) {
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark();
        for (int i = 0; i < sizes.length; i++) {
            p.str("v" + i).tensor("FloatStorage", "0", numel, 0, sizes[i], strides[i]);
        }
        return p.setitems().stop().bytes();
    }

    private Path pth(String name, byte[] pickle, byte[] storage) throws IOException {
        return ZipWriter.torch(pickle, storage).write(dir.resolve(name));
    }

    // ----------------------------------------------------------------------------------------- defect 2: budget

    @Test
    void zeroStrideViewsUnderThePerTensorCapAreRefusedByTheTotalBudget() throws IOException {
        // 64 views of 2^24 floats (64 MiB each, under the 2 GiB per-tensor cap) over one 4-byte storage: 4 GiB
        long[][] sizes = new long[64][];
        long[][] strides = new long[64][];
        for (int i = 0; i < 64; i++) {
            sizes[i] = new long[] {1L << 24};
            strides[i] = new long[] {0};
        }
        Path f = pth("zero-stride.pth", views(1, sizes, strides), floats(1));
        assertThat(Files.size(f)).isLessThan(16_384);
        for (boolean lazy : new boolean[] {false, true}) {
            assertThatThrownBy(() -> {
                if (lazy) {
                    Checkpoint.open(f);
                } else {
                    Checkpoint.read(f);
                }
            }).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("tensor v0")
                    .hasMessageContaining("over the budget of " + (4 * PthReader.BUDGET_FACTOR + PthReader.BUDGET_SLACK)
                            + " bytes")
                    .hasMessageContaining("4 storage bytes the file holds")
                    .hasMessageContaining("zero or overlapping strides");
        }
    }

    @Test
    void manySmallRepeatingViewsAreRefusedWhenTheirSumPassesTheBudget() throws IOException {
        // each view is 1 MiB (well inside the budget alone); 40 of them repeat a 64-byte storage to 40 MiB
        int n = 40;
        long[][] sizes = new long[n][];
        long[][] strides = new long[n][];
        for (int i = 0; i < n; i++) {
            sizes[i] = new long[] {1 << 14, 16};
            strides[i] = new long[] {0, 1};
        }
        Path f = pth("many.pth", views(16, sizes, strides), floats(16));
        long budget = 64L * PthReader.BUDGET_FACTOR + PthReader.BUDGET_SLACK;
        int accepted = (int) (budget / (1L << 20)); // views that fit before the sum passes the budget
        assertThatThrownBy(() -> Checkpoint.open(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor v" + accepted + " ")
                .hasMessageContaining("over the budget of " + budget);
    }

    @Test
    void overlappingStridesAreCountedLikeZeroStrides() throws IOException {
        // size [4096, 4096] stride [1, 1]: 64 MiB read from 8191 floats (32 KB)
        Path f = pth("overlap.pth", views(8191, new long[][] {{4096, 4096}}, new long[][] {{1, 1}}), floats(8191));
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("over the budget");
    }

    @Test
    void tiedWeightsAndOrdinaryViewsStayWithinTheBudget() throws IOException {
        // the same 1 MiB storage under three keys (tied weights), plus a transposed view and a slice of it
        int n = 1 << 18;
        byte[] pickle = views(n, new long[][] {{n}, {n}, {512, 512}, {512, 512}, {100}},
                new long[][] {{1}, {1}, {512, 1}, {1, 512}, {1}});
        Checkpoint c = Checkpoint.read(pth("tied.pth", pickle, floats(n)));
        assertThat(c.tensors()).hasSize(5);
        ByteBuffer t = c.tensors().get("v3").data().order(ByteOrder.LITTLE_ENDIAN);
        assertThat(t.getFloat(4)).isEqualTo(512f); // transposed: element [0, 1] is storage[512]
    }

    // ------------------------------------------------------------------------ defect 3: zip differentials

    @Test
    void duplicateStorageEntryNamesAreRefused() throws IOException {
        byte[] pickle = views(1, new long[][] {{1}}, new long[][] {{1}});
        Path f = new ZipWriter().stored("archive/data.pkl", pickle).stored("archive/data/0", floats(1))
                .stored("archive/data/0", new byte[] {0, 0, (byte) 0x80, 0x7f}).stored("archive/version",
                        "3\n".getBytes(StandardCharsets.US_ASCII)).write(dir.resolve("dup.pth"));
        for (boolean lazy : new boolean[] {false, true}) {
            assertThatThrownBy(() -> {
                if (lazy) {
                    Checkpoint.open(f);
                } else {
                    Checkpoint.read(f);
                }
            }).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("two entries named 'archive/data/0' (entries 1 and 2)")
                    .hasMessageContaining("PyTorch reads the first");
        }
    }

    @Test
    void anyDuplicateNameIsRefusedEvenOfAnEntryNobodyReads() throws IOException {
        byte[] pickle = views(1, new long[][] {{1}}, new long[][] {{1}});
        Path f = ZipWriter.torch(pickle, floats(1)).stored("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII))
                .write(dir.resolve("dup-version.pth"));
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("two entries named 'archive/version'");
    }

    @Test
    void aLocalHeaderNamedOtherwiseThanItsCentralEntryIsRefused() throws IOException {
        byte[] pickle = views(1, new long[][] {{1}}, new long[][] {{1}});
        byte[] zip = ZipWriter.torch(pickle, floats(1)).bytes();
        // the first occurrence of the storage name is its local header (the central directory comes last)
        int at = indexOf(zip, "archive/data/0".getBytes(StandardCharsets.US_ASCII));
        zip[at + "archive/data/".length()] = 'x';
        Path f = Files.write(dir.resolve("local-name.pth"), zip);
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("names an entry 'archive/data/0' whose local header is named 'archive/data/x'");
    }

    @Test
    void aLocalHeaderWithOtherSizesOrMethodIsRefused() throws IOException {
        byte[] pickle = views(1, new long[][] {{1}}, new long[][] {{1}});
        byte[] zip = ZipWriter.torch(pickle, floats(1)).bytes();
        int name = indexOf(zip, "archive/data/0".getBytes(StandardCharsets.US_ASCII));
        int header = name - 30;
        byte[] crc = zip.clone();
        crc[header + 14] ^= 1;
        Path f = Files.write(dir.resolve("local-crc.pth"), crc);
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("in the central directory but CRC");
        byte[] method = zip.clone();
        method[header + 8] = 8;
        Path g = Files.write(dir.resolve("local-method.pth"), method);
        assertThatThrownBy(() -> Checkpoint.read(g)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("compressed with method 0 in the central directory but 8 in its local header");
    }

    @Test
    void entriesSharingBytesAreRefused() throws IOException {
        byte[] pickle = views(1, new long[][] {{1}}, new long[][] {{1}});
        // storage 0 claims 16 bytes: they run over the next entry's local header
        Path f = new ZipWriter().stored("archive/data.pkl", pickle).storedLying("archive/data/0", floats(1), 16)
                .stored("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII)).write(dir.resolve("ov.pth"));
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("entries 'archive/data/0' and 'archive/version' overlap");
    }

    @Test
    void controlCharactersInEntryAndTensorNamesAreEscapedInMessages() throws IOException {
        byte[] pickle = new PickleWriter().proto(2).emptyDict().str("evil\u001b]0;pwned\u0007\r\nname")
                .tensor("FloatStorage", "0", 1, 0, new long[] {1L << 24}, new long[] {0}).setitem().stop().bytes();
        Path f = pth("esc.pth", pickle, floats(1));
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("tensor evil\\x1b]0;pwned\\x07\\r\\nname")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u001b", "\u0007", "\r", "\n"));
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("not found");
    }
}
