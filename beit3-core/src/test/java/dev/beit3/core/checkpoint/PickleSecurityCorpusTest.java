package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.beit3.api.CheckpointException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The pickle security corpus, beyond {@link MaliciousCheckpointTest}: code-execution globals reached through every
 * opcode that can name a class ({@code GLOBAL}, {@code STACK_GLOBAL}, {@code INST}, {@code OBJ}, {@code NEWOBJ},
 * {@code EXT}), {@code __reduce__} gadgets hidden inside allowed calls, nested globals, denial-of-service shapes
 * (shared-reference doubling, absurd sizes) and hostile zip entries. Each checkpoint is written as a real
 * {@code torch.save} archive and must be refused with a {@link CheckpointException} naming the offending item,
 * quickly, and without touching anything outside the file.
 */
class PickleSecurityCorpusTest {
    @TempDir
    Path dir;

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private static PickleWriter stateDictStart() {
        return new PickleWriter().proto(2).emptyDict().mark().str("model")
                .global("collections", "OrderedDict").emptyTuple().reduce()
                .str("w").tensor("FloatStorage", "0", 1, 0, new long[] {1}, new long[] {1}).setitem();
    }

    private void assertRefused(String name, byte[] pickle, String... fragments) throws IOException {
        Path f = ZipWriter.torch(pickle, floats(1)).write(dir.resolve(name + ".pth"));
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThatThrownBy(() -> Checkpoint.read(f))
                .isInstanceOf(CheckpointException.class)
                .satisfies(e -> {
                    for (String s : fragments) {
                        assertThat(e.getMessage()).contains(s);
                    }
                }));
        try (Stream<Path> s = Files.list(dir)) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly(name + ".pth");
        }
        Files.delete(f);
    }

    private static Arguments gadget(String name, byte[] pickle, String... fragments) {
        return Arguments.of(name, pickle, List.of(fragments));
    }

    static Stream<Arguments> codeExecutionGadgets() {
        String cmd = "touch /tmp/beit3-pwned";
        return Stream.of(
                // __reduce__ returning (posix.system, (cmd,)) at top level, protocol 0 text opcodes
                gadget("posix-system-proto0", ("cposix\nsystem\n(S'" + cmd + "'\ntR.").getBytes(StandardCharsets.ISO_8859_1),
                        "posix.system"),
                gadget("builtins-exec", new PickleWriter().proto(2).global("builtins", "exec")
                        .str("import os; os.system('" + cmd + "')").op(0x85).reduce().stop().bytes(), "builtins.exec"),
                gadget("builtins-eval-stack-global", new PickleWriter().proto(4).stackGlobal("builtins", "eval")
                        .str("__import__('os').system('id')").op(0x85).reduce().stop().bytes(), "builtins.eval"),
                gadget("py2-builtin-eval", new PickleWriter().proto(2).global("__builtin__", "eval")
                        .str("1").op(0x85).reduce().stop().bytes(), "__builtin__.eval"),
                gadget("subprocess-popen-stack-global", new PickleWriter().proto(4)
                        .stackGlobal("subprocess", "Popen").mark().str("sh").str("-c").str(cmd).op('l').op(0x85)
                        .reduce().stop().bytes(), "subprocess.Popen"),
                gadget("getattr-gadget", new PickleWriter().proto(2).global("builtins", "getattr")
                        .global("collections", "OrderedDict").str("__init_subclass__").op(0x86).reduce().stop().bytes(),
                        "builtins.getattr"),
                gadget("import-gadget", new PickleWriter().proto(2).global("builtins", "__import__")
                        .str("os").op(0x85).reduce().stop().bytes(), "builtins.__import__"),
                gadget("copyreg-reconstructor", new PickleWriter().proto(2).global("copyreg", "_reconstructor")
                        .mark().global("os", "_wrap_close").global("builtins", "object").none().tuple().reduce()
                        .stop().bytes(), "copyreg._reconstructor"),
                gadget("torch-load-from-bytes", new PickleWriter().proto(2)
                        .global("torch.storage", "_load_from_bytes").str("\u0080\u0002cposix\nsystem\n.").op(0x85)
                        .reduce().stop().bytes(), "torch.storage._load_from_bytes"),
                gadget("numpy-reconstruct", new PickleWriter().proto(2)
                        .global("numpy.core.multiarray", "_reconstruct").emptyTuple().reduce().stop().bytes(),
                        "numpy.core.multiarray._reconstruct"),
                gadget("torch-jit-load", new PickleWriter().proto(2).global("torch.jit", "load")
                        .str("x.pt").op(0x85).reduce().stop().bytes(), "torch.jit.load"),
                // INST and OBJ: class instantiation with arguments, naming the class
                gadget("inst-posix-system", ("(S'" + cmd + "'\niposix\nsystem\n.").getBytes(StandardCharsets.ISO_8859_1),
                        "INST", "posix.system"),
                gadget("obj-subprocess-popen", ("(csubprocess\nPopen\nS'id'\no.").getBytes(StandardCharsets.ISO_8859_1),
                        "subprocess.Popen"),
                gadget("obj-allowed-class", ("(ccollections\nOrderedDict\no.").getBytes(StandardCharsets.ISO_8859_1),
                        "OBJ", "collections.OrderedDict"),
                // NEWOBJ / NEWOBJ_EX on an allowed but non-class global
                gadget("newobj-rebuild-tensor", new PickleWriter().proto(2).global("torch._utils", "_rebuild_tensor_v2")
                        .emptyTuple().op(0x81).stop().bytes(), "NEWOBJ", "torch._utils._rebuild_tensor_v2"),
                // the extension registry can name any class
                gadget("ext1", new PickleWriter().proto(2).op(0x82, 1).emptyTuple().reduce().stop().bytes(), "EXT"),
                gadget("ext4", new PickleWriter().proto(2).op(0x84, 0xff, 0xff, 0xff, 0x7f).stop().bytes(), "EXT"),
                // text persistent ids
                gadget("text-persid", "Pposix.system\n.".getBytes(StandardCharsets.ISO_8859_1), "posix.system"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("codeExecutionGadgets")
    void codeExecutionIsRefusedNamingTheGlobal(String name, byte[] pickle, List<String> fragments) throws IOException {
        assertRefused(name, pickle, fragments.toArray(String[]::new));
        assertThat(Files.exists(Path.of("/tmp/beit3-pwned"))).isFalse();
    }

    @Test
    void gadgetNestedInsideAllowedCallsIsRefused() throws IOException {
        // OrderedDict([('w', posix.system('id'))]): the forbidden call sits in the argument list of an allowed one
        byte[] inArgs = new PickleWriter().proto(2).global("collections", "OrderedDict").mark()
                .mark().str("w").global("posix", "system").str("id").op(0x85).reduce().op('t').op('l')
                .op(0x85).reduce().stop().bytes();
        assertRefused("nested-in-ordereddict", inArgs, "posix.system");
        // Namespace state (BUILD) carrying a STACK_GLOBAL 12 tuples deep
        PickleWriter p = stateDictStart().str("args").global("argparse", "Namespace").emptyTuple().op(0x81)
                .emptyDict().str("cfg");
        for (int i = 0; i < 12; i++) {
            p.mark();
        }
        p.stackGlobal("os", "system");
        for (int i = 0; i < 12; i++) {
            p.op('t');
        }
        byte[] inBuild = p.setitem().op('b').setitems().stop().bytes();
        assertRefused("nested-in-build", inBuild, "os.system");
        // a storage whose type is a forbidden global
        byte[] storage = new PickleWriter().proto(2).emptyDict().str("w")
                .global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().str("storage").global("posix", "system").str("0").str("cpu").integer(1).op('t').op('Q')
                .integer(0).ints(1).ints(1).op(0x89).global("collections", "OrderedDict").emptyTuple().reduce()
                .op('t').reduce().setitem().stop().bytes();
        assertRefused("storage-type", storage, "posix.system");
    }

    @Test
    void reduceOnNonCallablesAndBuildOnForeignStateAreRefused() throws IOException {
        assertRefused("reduce-on-dtype", new PickleWriter().proto(2).global("torch", "float32").emptyTuple().reduce()
                .stop().bytes(), "REDUCE");
        assertRefused("reduce-on-str", new PickleWriter().proto(2).str("posix.system").emptyTuple().reduce().stop()
                .bytes(), "REDUCE");
        // BUILD (__setstate__) on the state dict with a list state
        assertRefused("build-list-state", stateDictStart().setitems().emptyList().op('b').stop().bytes(), "BUILD");
    }

    @Test
    void sharedReferenceDoublingIsBoundedInTime() throws IOException {
        // 'extras': t = (); 60 times t = (t, t): 2^60 leaves if expanded naively
        PickleWriter p = stateDictStart().str("bomb").emptyList();
        for (int i = 0; i < 60; i++) {
            p.op('2').op(0x86);
        }
        byte[] tuples = p.setitems().stop().bytes();
        Path f = ZipWriter.torch(tuples, floats(1)).write(dir.resolve("laughs.pth"));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            Checkpoint c = Checkpoint.read(f);
            assertThat(c.tensors()).containsOnlyKeys("w");
            assertThat(c.extras().toString()).contains("truncated");
        });
        // the same with lists through the memo: L0 = [x]; L(k+1) = [Lk, Lk]
        PickleWriter q = stateDictStart().str("bomb2").emptyList().op('q', 0).op('0');
        for (int i = 1; i < 50; i++) {
            q.emptyList().mark().op('h', i - 1).op('h', i - 1).op('e').op('q', i);
            if (i < 49) {
                q.op('0');
            }
        }
        Path g = ZipWriter.torch(q.setitems().stop().bytes(), floats(1)).write(dir.resolve("laughs2.pth"));
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            Checkpoint c = Checkpoint.read(g);
            assertThat(c.extras().toString().length()).isLessThan(50_000_000);
        });
    }

    @Test
    void aFuzzFoundSharedReferenceBombInTheExtrasReadsWithinTheFuzzBound() throws Exception {
        // 638 bytes found by the pth-file campaign: nested shared lists in the extras took ~1 s to expand
        // to the old 1,000,000-value budget, close to the fuzzer's 2 s bound per input; the 100,000-value budget stops it
        java.net.URL url = getClass().getResource("/fuzz-regressions/pth/shared-reference-bomb-in-extras.pth");
        Path f = Path.of(url.toURI());
        // the expansion budget, not a clock, is what bounds the work: the extras must come back truncated
        Checkpoint c = Checkpoint.read(f);
        assertThat(c.extras().toString()).contains("truncated");
    }

    @Test
    void absurdSizesAreRefusedNamingTheTensor() throws IOException {
        // the view's element count overflows 64 bits
        byte[] overflow = new PickleWriter().proto(2).emptyDict().str("big")
                .tensor("FloatStorage", "0", 1, 0, new long[] {1L << 32, 1L << 32, 1L << 32}, new long[] {0, 0, 0})
                .setitem().stop().bytes();
        assertRefused("view-overflow", overflow, "big");
        // a storage numel that is not even a 64-bit int (LONG4 of 16 bytes)
        byte[] bignum = new PickleWriter().proto(2).emptyDict().str("w")
                .global("torch._utils", "_rebuild_tensor_v2").mark()
                .mark().str("storage").global("torch", "FloatStorage").str("0").str("cpu")
                .op(0x8b, 16, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 0x7f).op('t').op('Q')
                .integer(0).ints(1).ints(1).op(0x89).global("collections", "OrderedDict").emptyTuple().reduce()
                .op('t').reduce().setitem().stop().bytes();
        assertRefused("numel-bigint", bignum, "storage numel");
        // a zero-stride view that repeats one float 2^31 times
        byte[] repeat = new PickleWriter().proto(2).emptyDict().str("rep")
                .tensor("FloatStorage", "0", 1, 0, new long[] {1L << 31}, new long[] {0}).setitem().stop().bytes();
        assertRefused("zero-stride-repeat", repeat, "rep", "2 GiB");
    }

    @Test
    void hostileEntryNamesAreRefusedNamingTheEntry() throws IOException {
        for (String name : List.of("archive/data/../../../etc/cron.d/x", "C:/Windows/data.pkl", "..\\..\\data.pkl",
                "archive/data/..")) {
            Path f = new ZipWriter().stored("archive/data.pkl", stateDictStart().setitems().stop().bytes())
                    .stored("archive/data/0", floats(1)).stored(name, floats(1)).write(dir.resolve("n.pth"));
            assertThatThrownBy(() -> Checkpoint.read(f)).isInstanceOf(CheckpointException.class)
                    .hasMessageContaining("unsafe zip entry name").hasMessageContaining(name);
        }
    }
}
