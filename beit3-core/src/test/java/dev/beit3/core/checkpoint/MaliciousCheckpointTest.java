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
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Hostile and broken {@code .pth} files, crafted byte by byte: each must end in a
 * {@link CheckpointException} naming the problem, never in an OutOfMemoryError or a crash.
 */
class MaliciousCheckpointTest {

    @TempDir
    Path dir;

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    /** {'model': OrderedDict(w = tensor)} around one tensor description. */
    private static byte[] oneTensor(String storageClass, long numel, long offset, long[] size, long[] stride) {
        return new PickleWriter().proto(2).emptyDict().mark().str("model")
                .global("collections", "OrderedDict").emptyTuple().reduce()
                .str("w").tensor(storageClass, "0", numel, offset, size, stride).setitem()
                .setitems().stop().bytes();
    }

    private Path file(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    private void assertRefused(Path f, String... fragments) {
        assertThatThrownBy(() -> Checkpoint.read(f))
                .isInstanceOf(CheckpointException.class)
                .satisfies(e -> {
                    for (String s : fragments) {
                        assertThat(e.getMessage()).contains(s);
                    }
                });
    }

    @Test
    void craftedValidFileReads() throws IOException {
        Path f = ZipWriter.torch(oneTensor("FloatStorage", 4, 0, new long[] {2, 2}, new long[] {2, 1}),
                floats(1, 2, 3, 4)).write(dir.resolve("ok.pth"));
        Checkpoint c = Checkpoint.read(f);
        assertThat(c.stateDictLocation()).isEqualTo("model");
        assertThat(c.tensors().get("w").toFloats()).containsExactly(1, 2, 3, 4);
    }

    @ParameterizedTest(name = "{0}.{1} via {2}")
    @CsvSource({
        "posix, system, GLOBAL",
        "nt, system, GLOBAL",
        "builtins, eval, STACK_GLOBAL",
        "subprocess, Popen, GLOBAL",
        "os, system, STACK_GLOBAL",
        "torch, load, GLOBAL",
        "collections, defaultdict, GLOBAL",
    })
    void forbiddenGlobalsAreRefusedByName(String module, String name, String how) throws IOException {
        PickleWriter p = new PickleWriter().proto(4);
        if (how.equals("GLOBAL")) {
            p.global(module, name);
        } else {
            p.stackGlobal(module, name);
        }
        p.mark().str("echo pwned").tuple().reduce().stop();
        Path f = ZipWriter.torch(p.bytes()).write(dir.resolve("evil.pth"));
        assertRefused(f, "refusing pickle global " + module + "." + name, "archive/data.pkl",
                "only state-dict globals are allowed");
    }

    @Test
    void forbiddenGlobalNestedInsideStateDictIsRefused() throws IOException {
        byte[] p = new PickleWriter().proto(2).emptyDict().mark().str("model")
                .global("collections", "OrderedDict").emptyTuple().reduce()
                .str("w").global("posix", "system").str("id").op(0x85).reduce().setitem()
                .setitems().stop().bytes();
        assertRefused(ZipWriter.torch(p).write(dir.resolve("evil2.pth")), "posix.system");
    }

    @Test
    void truncatedFileIsRefused() throws IOException {
        byte[] full = ZipWriter.torch(oneTensor("FloatStorage", 4, 0, new long[] {4}, new long[] {1}),
                floats(1, 2, 3, 4)).bytes();
        assertRefused(file("trunc.pth", Arrays.copyOf(full, full.length / 2)), "trunc.pth");
        Path fixture = CheckpointFiles.all().get(0);
        byte[] real = Files.readAllBytes(fixture);
        assertRefused(file("trunc-real.pth", Arrays.copyOf(real, real.length - 100)), "trunc-real.pth");
    }

    @Test
    void truncatedPickleIsRefused() throws IOException {
        byte[] p = oneTensor("FloatStorage", 4, 0, new long[] {4}, new long[] {1});
        Path f = ZipWriter.torch(Arrays.copyOf(p, p.length - 3), floats(1, 2, 3, 4)).write(dir.resolve("tp.pth"));
        assertRefused(f, "pickle", "archive/data.pkl");
    }

    @Test
    void nonZipAndEmptyFilesAreRefused() throws IOException {
        assertRefused(file("text.pth", "hello, this is not a checkpoint\n".getBytes(StandardCharsets.UTF_8)),
                "neither a PyTorch zip checkpoint");
        assertRefused(file("empty.pth", new byte[0]), "too short");
        assertRefused(file("legacy.pth", new byte[] {(byte) 0x80, 2, (byte) 0x8a, 10, 0, 0, 0, 0, 0, 0, 0, 0}),
                "legacy");
    }

    @Test
    void zipWithoutDataPklIsRefused() throws IOException {
        Path f = new ZipWriter().stored("archive/version", "3\n".getBytes(StandardCharsets.US_ASCII))
                .stored("archive/data/0", floats(1)).write(dir.resolve("nopkl.pth"));
        assertRefused(f, "no <folder>/data.pkl");
    }

    @Test
    void storageSizeMustMatchItsEntry() throws IOException {
        // declares 10 floats (40 bytes), the entry holds 16 bytes
        Path f = ZipWriter.torch(oneTensor("FloatStorage", 10, 0, new long[] {4}, new long[] {1}),
                floats(1, 2, 3, 4)).write(dir.resolve("numel.pth"));
        assertRefused(f, "storage 0", "40 bytes", "16 bytes");
        // half storage: 4 elements × 2 bytes = 8, entry holds 16
        Path g = ZipWriter.torch(oneTensor("HalfStorage", 4, 0, new long[] {4}, new long[] {1}),
                floats(1, 2, 3, 4)).write(dir.resolve("half.pth"));
        assertRefused(g, "storage 0", "8 bytes");
    }

    @Test
    void viewRunningPastItsStorageIsRefused() throws IOException {
        Path f = ZipWriter.torch(oneTensor("FloatStorage", 4, 2, new long[] {4}, new long[] {1}),
                floats(1, 2, 3, 4)).write(dir.resolve("overrun.pth"));
        assertRefused(f, "tensor w", "runs past its storage");
        Path g = ZipWriter.torch(oneTensor("FloatStorage", 4, 0, new long[] {2, 2}, new long[] {3, 1}),
                floats(1, 2, 3, 4)).write(dir.resolve("overrun2.pth"));
        assertRefused(g, "runs past its storage");
        Path h = ZipWriter.torch(oneTensor("FloatStorage", 4, 0, new long[] {2, 2}, new long[] {Long.MAX_VALUE / 2, 1}),
                floats(1, 2, 3, 4)).write(dir.resolve("overflow.pth"));
        assertRefused(h, "tensor w");
    }

    @Test
    void negativeSizesStridesAndOffsetsAreRefused() throws IOException {
        assertRefused(ZipWriter.torch(oneTensor("FloatStorage", 4, 0, new long[] {-4}, new long[] {1}), floats(1, 2, 3, 4))
                .write(dir.resolve("negsize.pth")), "negative size or stride");
        assertRefused(ZipWriter.torch(oneTensor("FloatStorage", 4, 3, new long[] {4}, new long[] {-1}), floats(1, 2, 3, 4))
                .write(dir.resolve("negstride.pth")), "negative size or stride");
        assertRefused(ZipWriter.torch(oneTensor("FloatStorage", 4, -1, new long[] {1}, new long[] {1}), floats(1, 2, 3, 4))
                .write(dir.resolve("negoffset.pth")), "negative storage offset");
        assertRefused(ZipWriter.torch(oneTensor("FloatStorage", -4, 0, new long[] {1}, new long[] {1}), floats(1, 2, 3, 4))
                .write(dir.resolve("negnumel.pth")), "negative size");
    }

    @Test
    void absurdStorageSizesAreRefusedBeforeAllocating() throws IOException {
        // numel × itemsize overflows
        assertRefused(ZipWriter.torch(oneTensor("FloatStorage", Long.MAX_VALUE / 2, 0, new long[] {1}, new long[] {1}),
                floats(1)).write(dir.resolve("huge1.pth")), "storage 0", "absurd");
        // 2^40 elements: consistent with nothing in the file
        assertRefused(ZipWriter.torch(oneTensor("FloatStorage", 1L << 40, 0, new long[] {1L << 40}, new long[] {1}),
                floats(1)).write(dir.resolve("huge2.pth")), "storage 0");
        // the entry itself claims 3 GiB in a file of a few hundred bytes
        Path f = new ZipWriter().stored("archive/data.pkl",
                        oneTensor("FloatStorage", 3L << 28, 0, new long[] {3L << 28}, new long[] {1}))
                .storedLying("archive/data/0", floats(1, 2), 3L << 30).write(dir.resolve("huge3.pth"));
        assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                .hasMessageContaining("huge3.pth");
    }

    @Test
    void zipBombsAreCappedToTheDeclaredSize() throws IOException {
        // 64 MiB of zeros that inflate from a few KB, declared as 16 bytes
        byte[] zeros = new byte[64 << 20];
        Path f = new ZipWriter().stored("archive/data.pkl", oneTensor("FloatStorage", 4, 0, new long[] {4}, new long[] {1}))
                .deflated("archive/data/0", zeros, 16).write(dir.resolve("bomb.pth"));
        assertRefused(f, "archive/data/0");
        // a data.pkl declared small but inflating far beyond it
        Path g = new ZipWriter().deflated("archive/data.pkl", zeros, 100).write(dir.resolve("bomb2.pth"));
        assertRefused(g, "archive/data.pkl");
    }

    @ParameterizedTest
    @CsvSource({"../evil/data.pkl", "archive/../../data.pkl", "/abs/data.pkl", "archive\\..\\data.pkl"})
    void unsafeEntryNamesAreRefused(String name) throws IOException {
        Path f = new ZipWriter().stored(name, oneTensor("FloatStorage", 1, 0, new long[] {1}, new long[] {1}))
                .stored("archive/data/0", floats(1)).write(dir.resolve("names.pth"));
        assertRefused(f, "unsafe zip entry name");
    }

    @Test
    void storageKeyWithPathIsRefused() throws IOException {
        byte[] p = new PickleWriter().proto(2).emptyDict().mark().str("model")
                .global("collections", "OrderedDict").emptyTuple().reduce()
                .str("w").global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().str("storage").global("torch", "FloatStorage").str("../../etc/passwd").str("cpu").integer(1).tuple()
                .op('Q').integer(0).ints(1).ints(1).op(0x89).global("collections", "OrderedDict").emptyTuple().reduce()
                .tuple().reduce().setitem().setitems().stop().bytes();
        assertRefused(ZipWriter.torch(p, floats(1)).write(dir.resolve("key.pth")), "storage key");
    }

    @Test
    void deeplyNestedMarksAreBounded() throws IOException {
        PickleWriter p = new PickleWriter().proto(2);
        for (int i = 0; i < 200_000; i++) {
            p.mark();
        }
        assertRefused(ZipWriter.torch(p.stop().bytes()).write(dir.resolve("marks.pth")), "nested MARKs");
    }

    @Test
    void stackFloodIsBounded() throws IOException {
        PickleWriter p = new PickleWriter().proto(2).none();
        for (int i = 0; i < 1_100_000; i++) {
            p.op('2'); // DUP
        }
        assertRefused(ZipWriter.torch(p.stop().bytes()).write(dir.resolve("dup.pth")), "stack exceeds");
    }

    @Test
    void memoAbuseIsBounded() throws IOException {
        byte[] get = new PickleWriter().proto(2).op('j').int32(0x7fffffff).stop().bytes();
        assertRefused(ZipWriter.torch(get).write(dir.resolve("memo1.pth")), "memo index");
        byte[] put = new PickleWriter().proto(2).none().op('r').int32(-1).stop().bytes();
        assertRefused(ZipWriter.torch(put).write(dir.resolve("memo2.pth")), "memo index");
    }

    @Test
    void stackUnderflowAndBadStopAreRefused() throws IOException {
        assertRefused(ZipWriter.torch(new PickleWriter().proto(2).op('s').stop().bytes())
                .write(dir.resolve("under.pth")), "underflow");
        assertRefused(ZipWriter.torch(new PickleWriter().proto(2).none().none().stop().bytes())
                .write(dir.resolve("stop.pth")), "STOP");
        assertRefused(ZipWriter.torch(new PickleWriter().proto(2).op(0xff).bytes())
                .write(dir.resolve("op.pth")), "opcode 0xff");
    }

    @Test
    void selfReferencingAndDeeplyNestedExtrasDoNotOverflow() throws IOException {
        // {'model': {'w': t}, 'loop': L} where L = []; L.append(L), and 'deep' = [[[[...]]]] 100 000 levels
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark().str("model")
                .global("collections", "OrderedDict").emptyTuple().reduce()
                .str("w").tensor("FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1}).setitem()
                .str("loop").emptyList().op('q', 7).op('h', 7).op('a')
                .str("deep");
        for (int i = 0; i < 100_000; i++) {
            p.emptyList();
        }
        for (int i = 0; i < 99_999; i++) {
            p.op('a');
        }
        p.setitems().stop();
        Checkpoint c = Checkpoint.read(ZipWriter.torch(p.bytes(), floats(7)).write(dir.resolve("loop.pth")));
        assertThat(c.tensors().get("w").toFloats()).containsExactly(7);
        assertThat(c.extras()).containsKeys("loop", "deep");
    }

    @Test
    void stridedViewsAndOffsetsProduceContiguousData() throws IOException {
        // storage 0..11; w = transposed 3×4 view (size 4×3, stride 1×4) from offset 0;
        // v = rows 1..2 of a 3×4 matrix, every other column (offset 4, size 2×2, stride 4×2)
        float[] s = new float[12];
        for (int i = 0; i < 12; i++) {
            s[i] = i;
        }
        byte[] p = new PickleWriter().proto(2).global("collections", "OrderedDict").emptyTuple().reduce().mark()
                .str("w").tensor("FloatStorage", "0", 12, 0, new long[] {4, 3}, new long[] {1, 4})
                .str("v").tensor("FloatStorage", "0", 12, 4, new long[] {2, 2}, new long[] {4, 2})
                .str("scalar").tensor("FloatStorage", "0", 12, 5, new long[] {}, new long[] {})
                .str("empty").tensor("FloatStorage", "0", 12, 12, new long[] {0, 3}, new long[] {3, 1})
                .setitems().stop().bytes();
        Checkpoint c = Checkpoint.read(ZipWriter.torch(p, floats(s)).write(dir.resolve("strided.pth")));
        assertThat(c.stateDictLocation()).isEmpty();
        assertThat(c.tensors().get("w").toFloats()).containsExactly(0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        assertThat(c.tensors().get("v").toFloats()).containsExactly(4, 6, 8, 10);
        assertThat(c.tensors().get("scalar").shape()).isEmpty();
        assertThat(c.tensors().get("scalar").toFloats()).containsExactly(5);
        assertThat(c.tensors().get("empty").numel()).isZero();
    }

    @Test
    void halfBfloat16AndIntegerStoragesAreDecoded() throws IOException {
        ByteBuffer half = ByteBuffer.allocate(6).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x0001); // 1, -2, 2^-24
        ByteBuffer bf16 = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0x3FC0).putShort((short) 0xC2F7); // 1.5, -123.5
        ByteBuffer i64 = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-5).putLong(1L << 40);
        byte[] p = new PickleWriter().proto(2).emptyDict().mark().str("state_dict")
                .global("collections", "OrderedDict").emptyTuple().reduce().mark()
                .str("h").tensor("HalfStorage", "0", 3, 0, new long[] {3}, new long[] {1})
                .str("b").tensor("BFloat16Storage", "1", 2, 0, new long[] {2}, new long[] {1})
                .str("l").tensor("LongStorage", "2", 2, 0, new long[] {2}, new long[] {1})
                .setitems().setitems().stop().bytes();
        Checkpoint c = Checkpoint.read(ZipWriter.torch(p, half.array(), bf16.array(), i64.array())
                .write(dir.resolve("types.pt")));
        assertThat(c.stateDictLocation()).isEqualTo("state_dict");
        assertThat(c.tensors().get("h").toFloats()).containsExactly(1f, -2f, 0x1.0p-24f);
        assertThat(c.tensors().get("b").toFloats()).containsExactly(1.5f, -123.5f);
        assertThat(c.tensors().get("l").toLongs()).containsExactly(-5, 1L << 40);
        assertThat(c.dtypeHistogram()).isEqualTo(Map.of(DType.FLOAT16, 1, DType.BFLOAT16, 1, DType.INT64, 1));
    }

    @Test
    void moduleWrapperStripsPrefix() throws IOException {
        byte[] p = new PickleWriter().proto(2).emptyDict().mark().str("module")
                .global("collections", "OrderedDict").emptyTuple().reduce().mark()
                .str("module.a").tensor("FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1})
                .setitems().str("epoch").integer(3).setitems().stop().bytes();
        Checkpoint c = Checkpoint.read(ZipWriter.torch(p, floats(2)).write(dir.resolve("ddp.pth")));
        assertThat(c.stateDictLocation()).isEqualTo("module");
        assertThat(c.tensors().keySet()).containsExactly("a");
        assertThat(c.extras()).isEqualTo(Map.of("epoch", 3L));
    }

    @Test
    void fileWithoutStateDictIsRefused() throws IOException {
        byte[] p = new PickleWriter().proto(2).emptyDict().mark().str("epoch").integer(3).setitems().stop().bytes();
        assertRefused(ZipWriter.torch(p).write(dir.resolve("nosd.pth")), "no state dict", "epoch");
        byte[] q = new PickleWriter().proto(2).emptyList().stop().bytes();
        assertRefused(ZipWriter.torch(q).write(dir.resolve("list.pth")), "not a dict");
    }

    @Test
    void missingStorageEntryIsRefused() throws IOException {
        Path f = new ZipWriter().stored("archive/data.pkl", oneTensor("FloatStorage", 1, 0, new long[] {1}, new long[] {1}))
                .write(dir.resolve("nostorage.pth"));
        assertRefused(f, "archive/data/0");
    }

    @Test
    void honestDeflatedEntriesAreRead() throws IOException {
        Path f = new ZipWriter().deflated("archive/data.pkl", oneTensor("FloatStorage", 4, 0, new long[] {4}, new long[] {1}),
                        oneTensor("FloatStorage", 4, 0, new long[] {4}, new long[] {1}).length)
                .deflated("archive/data/0", floats(1, 2, 3, 4), 16).write(dir.resolve("deflated.pth"));
        assertThat(Checkpoint.read(f).tensors().get("w").toFloats()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void bigEndianArchivesAreRefused() throws IOException {
        Path f = ZipWriter.torch(oneTensor("FloatStorage", 1, 0, new long[] {1}, new long[] {1}), floats(1))
                .stored("archive/byteorder", "big".getBytes(StandardCharsets.US_ASCII)).write(dir.resolve("be.pth"));
        assertRefused(f, "byte order 'big'");
    }
}
