package dev.beit3.core.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beit3.api.CheckpointException;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.core.testing.fuzz.FuzzSupport;
import dev.beit3.core.testing.fuzz.Fuzzer;
import dev.beit3.core.testing.fuzz.PickleMutator;
import dev.beit3.core.testing.fuzz.ZipCodec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the checkpoint readers with {@link Fuzzer}: whole {@code .pth} files (zip-entry, pickle-opcode and byte
 * mutations of small valid checkpoints), bare pickles (the real {@code data.pkl} of every fixture and demo
 * checkpoint), and safetensors files (byte and JSON-header mutations). Every input must be read or refused with a
 * {@link CheckpointException} or {@link IOException} in time, and must never make the reader write a file.
 *
 * <p>Runs in the {@code fuzz} surefire execution with {@code -Xmx512m}; the long run is
 * {@code mvn -o -pl beit3-core verify -Dbeit3.fuzz.seconds=3600} (seconds per campaign).
 */
@Tag("fuzz")
class CheckpointFuzzTest {
    @TempDir
    Path dir;

    // ------------------------------------------------------------------ seeds

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    /** Small valid checkpoints covering the reader's paths. */
    static List<byte[]> pthSeeds() {
        List<byte[]> s = new ArrayList<>();
        // {'model': OrderedDict(w: 2x2 float, b: strided view, h: half)}
        byte[] p1 = new PickleWriter().proto(2).emptyDict().mark().str("model")
                .global("collections", "OrderedDict").emptyTuple().reduce()
                .str("w").tensor("FloatStorage", "0", 4, 0, new long[] {2, 2}, new long[] {2, 1}).setitem()
                .str("t").tensor("FloatStorage", "0", 4, 1, new long[] {2}, new long[] {2}).setitem()
                .str("h").tensor("HalfStorage", "1", 4, 0, new long[] {4}, new long[] {1}).setitem()
                .setitems().stop().bytes();
        s.add(ZipWriter.torch(p1, floats(1, 2, 3, 4), new byte[] {0, 0x3c, 0, 0x40, 0, 0x42, 0, (byte) 0xc0}).bytes());
        // bare state dict with module. prefix, int64 and bool storages, protocol 4 with STACK_GLOBAL
        byte[] p2 = new PickleWriter().proto(4).emptyDict().mark()
                .str("module.ids").tensor("LongStorage", "0", 2, 0, new long[] {2}, new long[] {1})
                .str("module.m").tensor("BoolStorage", "1", 3, 0, new long[] {3}, new long[] {1})
                .setitems().stop().bytes();
        s.add(ZipWriter.torch(p2, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(7).putLong(-1)
                .array(), new byte[] {1, 0, 1}).bytes());
        // training state: model + epoch + args Namespace + optimizer-like nested lists
        byte[] p3 = new PickleWriter().proto(2).emptyDict().mark()
                .str("model").global("collections", "OrderedDict").emptyTuple().reduce()
                .str("x").tensor("BFloat16Storage", "0", 2, 0, new long[] {1, 2}, new long[] {2, 1}).setitem()
                .str("epoch").integer(3)
                .str("args").global("argparse", "Namespace").emptyTuple().op(0x81)
                .emptyDict().str("lr").integer(5).setitem().op('b')
                .str("hist").emptyList().mark().integer(1).integer(1L << 40).str("x").op('e')
                .setitems().stop().bytes();
        s.add(ZipWriter.torch(p3, new byte[] {(byte) 0x80, 0x3f, 0, 0x40}).bytes());
        // deflated storage entry
        byte[] p4 = new PickleWriter().proto(2).emptyDict().mark().str("state_dict")
                .emptyDict().str("w").tensor("FloatStorage", "0", 3, 0, new long[] {3}, new long[] {1}).setitem()
                .setitems().stop().bytes();
        s.add(new ZipWriter().stored("archive/data.pkl", p4).deflated("archive/data/0", floats(1, 2, 3), 12)
                .stored("archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII)).bytes());
        return s;
    }

    /** The {@code data.pkl} of every fixture and demo checkpoint: real torch.save pickles. */
    static List<byte[]> realPickles() throws IOException {
        List<byte[]> out = new ArrayList<>();
        List<Path> files = new ArrayList<>(CheckpointFiles.all());
        try (Stream<Path> d = Files.list(Fixtures.demo())) {
            d.filter(p -> p.toString().endsWith(".pth")).sorted().forEach(files::add);
        }
        for (Path f : files) {
            try (ZipFile z = new ZipFile(f.toFile())) {
                for (ZipEntry e : java.util.Collections.list(z.entries())) {
                    if (e.getName().endsWith("/data.pkl")) {
                        try (InputStream in = z.getInputStream(e)) {
                            out.add(in.readAllBytes());
                        }
                    }
                }
            }
        }
        return out;
    }

    static List<byte[]> safetensorsSeeds(Path dir) throws IOException {
        List<byte[]> s = new ArrayList<>();
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("w", new TensorData("w", DType.FLOAT32, new long[] {2, 2}, ByteBuffer.wrap(floats(1, 2, 3, 4))));
        t.put("s", new TensorData("s", DType.INT64, new long[] {}, ByteBuffer.allocate(8)));
        t.put("e", new TensorData("e", DType.FLOAT16, new long[] {0, 3}, ByteBuffer.allocate(0)));
        t.put("b", new TensorData("b", DType.BFLOAT16, new long[] {3}, ByteBuffer.allocate(6)));
        Path f = dir.resolve("seed.safetensors");
        SafeTensors.write(f, t, Map.of("format", "pt"));
        s.add(Files.readAllBytes(f));
        SafeTensors.write(f, Map.of("x", new TensorData("x", DType.UINT8, new long[] {5}, ByteBuffer.allocate(5))),
                null);
        s.add(Files.readAllBytes(f));
        return s;
    }

    // ------------------------------------------------------------------ targets

    /** Reads a checkpoint file and touches everything a caller would. */
    private boolean readAll(Path f) throws IOException {
        Checkpoint c = Checkpoint.read(f);
        for (TensorData t : c.tensors().values()) {
            if (t.numel() < (1 << 22)) {
                t.toFloats();
            }
        }
        assertThat(c.extras().toString()).isNotNull();
        CheckpointSummary.of(c);
        return true;
    }

    private Fuzzer.Target fileTarget(String name) {
        Path f = dir.resolve(name);
        return in -> {
            Files.write(f, in);
            return readAll(f);
        };
    }

    @Test
    void pthFiles() throws IOException {
        Fuzzer.Report r = Fuzzer.campaign("pth-file").seconds(12).seed(11)
                .seeds(pthSeeds())
                .mutator(ZipCodec.entryMutator())
                .mutator(ZipCodec.payloadMutator("data.pkl", PickleMutator::mutate))
                .mutator(ZipCodec.payloadMutator("data.pkl", PickleMutator::mutate))
                .dictionary(FuzzSupport.ascii("PK\u0003\u0004"), FuzzSupport.ascii("PK\u0001\u0002"),
                        FuzzSupport.ascii("PK\u0005\u0006"), FuzzSupport.ascii("../"), FuzzSupport.ascii("data.pkl"))
                .expected(CheckpointException.class).expected(IOException.class)
                .run(fileTarget("in.pth"));
        FuzzSupport.assertClean(r, dir, "in.pth");
    }

    @Test
    void pickles() throws IOException {
        List<byte[]> seeds = realPickles();
        assertThat(seeds).hasSizeGreaterThan(5);
        Fuzzer.Report r = Fuzzer.campaign("pickle").seconds(12).seed(13)
                .seeds(seeds)
                .mutator(PickleMutator.asMutator())
                .mutator(PickleMutator.asMutator())
                .maxInputBytes(1 << 18)
                .expected(CheckpointException.class)
                .run(CheckpointFuzzTest::unpickle);
        FuzzSupport.assertClean(r, dir);
    }

    /** The pickle layer alone: restricted VM, state-dict assembly, extras as plain data. */
    static boolean unpickle(byte[] in) {
        Object top = RestrictedUnpickler.load(in, "fuzz data.pkl");
        Checkpoint.Parts p = StateDicts.assemble(top, "fuzz.pth", (name, t) -> {
            TensorData.numel(t.size(), name);
            return new TensorData(name, DType.UINT8, new long[] {0}, ByteBuffer.allocate(0));
        });
        return p.extras().toString() != null;
    }

    @Test
    void safetensors() throws IOException {
        Fuzzer.Report r = Fuzzer.campaign("safetensors").seconds(8).seed(17)
                .seeds(safetensorsSeeds(dir))
                .mutator(FuzzSupport.jsonNumberMutator())
                .dictionary(FuzzSupport.ascii("\"dtype\""), FuzzSupport.ascii("\"F32\""), FuzzSupport.ascii("\"BF16\""),
                        FuzzSupport.ascii("\"shape\":[1e999]"), FuzzSupport.ascii("\"data_offsets\":[0,18446744073709551615]"),
                        FuzzSupport.ascii("[[[[[[[[[["), FuzzSupport.ascii("\"__metadata__\":{}"),
                        FuzzSupport.ascii("-1"), FuzzSupport.ascii("9223372036854775807"))
                .expected(CheckpointException.class).expected(IOException.class)
                .run(fileTarget("in.safetensors"));
        FuzzSupport.assertClean(r, dir, "in.safetensors", "seed.safetensors");
    }
}
