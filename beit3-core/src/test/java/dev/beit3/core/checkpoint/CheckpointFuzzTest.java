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
    /** The providers the summaries match heads against (discovered once). */
    private static final dev.beit3.core.plugin.ProviderRegistry REGISTRY = dev.beit3.core.plugin.ProviderRegistry.discover();

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

    // ------------------------------------------------------------------ Reliability II mutations

    /** Strides that repeat or overlap storage bytes, and sizes from small to past the budget. */
    private static final long[] STRIDES = {0, 0, 1, 1, 2, 3, -1, 1L << 20, Long.MAX_VALUE / 2};
    private static final long[] SIZES = {0, 1, 2, 3, 16, 1000, 1 << 14, 1 << 20, 1 << 24, (1L << 29) - 1, 1L << 31};

    /**
     * A fresh archive of 1–64 views over one small storage with random sizes and strides (zero, overlapping,
     * transposed, huge), so the per-tensor cap, the total materialisation budget and the bounds checks are all
     * reached. The input is ignored: this is a generator.
     */
    static byte[] stridedViews(byte[] in, java.util.SplittableRandom r) {
        int numel = 1 + r.nextInt(64);
        int views = 1 + r.nextInt(64);
        PickleWriter p = new PickleWriter().proto(2).emptyDict().mark();
        for (int i = 0; i < views; i++) {
            int rank = r.nextInt(4);
            long[] size = new long[rank];
            long[] stride = new long[rank];
            for (int d = 0; d < rank; d++) {
                size[d] = SIZES[r.nextInt(SIZES.length)];
                stride[d] = STRIDES[r.nextInt(STRIDES.length)];
            }
            p.str("v" + i).tensor("FloatStorage", "0", numel, r.nextInt(3), size, stride);
        }
        return ZipWriter.torch(p.setitems().stop().bytes(), new byte[4 * numel]).bytes();
    }

    /**
     * Duplicate names and central-directory / local-header disagreements: an entry copied under its own name with
     * other bytes (before or after the original), or one byte of a local header's name, method, CRC or size changed.
     */
    static byte[] zipDisagreement(byte[] in, java.util.SplittableRandom r) {
        List<ZipCodec.Entry> es;
        try {
            es = new ArrayList<>(ZipCodec.parse(in));
        } catch (RuntimeException e) {
            return null;
        }
        if (es.isEmpty()) {
            return null;
        }
        if (r.nextBoolean()) {
            ZipCodec.Entry e = es.get(r.nextInt(es.size()));
            byte[] other = e.payload().clone();
            if (other.length > 0) {
                other[r.nextInt(other.length)] ^= (byte) (1 + r.nextInt(255));
            }
            es.add(r.nextBoolean() ? es.indexOf(e) : es.size(), e.withStoredPayload(other));
            return ZipCodec.write(es);
        }
        byte[] out = in.clone();
        List<Integer> locals = new ArrayList<>();
        for (int i = 0; i + 30 <= out.length; i++) {
            if (out[i] == 'P' && out[i + 1] == 'K' && out[i + 2] == 3 && out[i + 3] == 4) {
                locals.add(i);
            }
        }
        if (locals.isEmpty()) {
            return null;
        }
        int h = locals.get(r.nextInt(locals.size()));
        int[] fields = {8, 14, 18, 22, 30, 30, 31};
        int at = h + fields[r.nextInt(fields.length)];
        if (at < out.length) {
            out[at] ^= (byte) (1 + r.nextInt(255));
        }
        return out;
    }

    /**
     * Strict-JSON mutations of a safetensors header: the leniencies of Gson's default mode (single quotes, unquoted
     * keys, comments, {@code =}/{@code ;}/{@code =>} separators, trailing commas, NaN), invalid UTF-8, unpaired
     * surrogate escapes, raw control characters, duplicate keys and {@code __metadata__}, and data-area changes
     * (holes, overlaps, trailing bytes), with the header length fixed.
     */
    static byte[] strictJsonMutation(byte[] in, java.util.SplittableRandom r) {
        if (in.length < 10) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(in).order(ByteOrder.LITTLE_ENDIAN);
        long n = b.getLong(0);
        if (n < 2 || n > in.length - 8) {
            return null;
        }
        String h = new String(in, 8, (int) n, StandardCharsets.UTF_8);
        byte[] data = java.util.Arrays.copyOfRange(in, 8 + (int) n, in.length);
        String m;
        switch (r.nextInt(14)) {
            case 0 -> m = h.replace('"', '\'');
            case 1 -> m = h.replaceFirst("\"([A-Za-z_]+)\":", "$1:");
            case 2 -> m = h.replaceFirst(",", ",/* c */");
            case 3 -> m = h.replaceFirst(":", new String[] {"=", "=>", " : ", ";"}[r.nextInt(4)]);
            case 4 -> m = h.replaceFirst(",", new String[] {";", ",,", " ,"}[r.nextInt(3)]);
            case 5 -> m = h.strip().replaceFirst("}$", ",}");
            case 6 -> m = h.replaceFirst("\\[(\\d+)", "[NaN");
            case 7 -> m = h.replaceFirst("\"([A-Za-z_]+)\"", "\"$1\\\\ud800\"");
            case 8 -> m = h.replaceFirst("\"([A-Za-z_]+)\"", "\"$1\u0001\"");
            case 9 -> { // duplicate the first member (a tensor or __metadata__)
                int colon = h.indexOf(':');
                int end = h.indexOf("},", colon);
                m = colon < 0 || end < 0 ? h : "{" + h.substring(1, end + 2) + h.substring(1);
            }
            case 10 -> m = h.replaceFirst("\\{", "{\"__metadata__\":{\"a\":\"b\"},\"__metadata__\":{},");
            case 11 -> m = h + "\u0000\u0000";
            case 12 -> { // holes, overlaps and trailing bytes in the data area
                byte[] more = java.util.Arrays.copyOf(data, data.length + 1 + r.nextInt(16));
                return withHeader(h.getBytes(StandardCharsets.UTF_8), r.nextBoolean() ? more : data,
                        r.nextBoolean() ? 0 : 1);
            }
            default -> { // invalid UTF-8 inside a key
                byte[] hb = h.getBytes(StandardCharsets.UTF_8);
                int q = h.indexOf('"') + 1;
                if (q > 0 && q < hb.length) {
                    hb[q] = (byte) new int[] {0xff, 0xc0, 0x80, 0xed}[r.nextInt(4)];
                }
                return withHeader(hb, data, 0);
            }
        }
        return withHeader(m.getBytes(StandardCharsets.UTF_8), data, 0);
    }

    private static byte[] withHeader(byte[] header, byte[] data, int shiftOffsets) {
        String h = new String(header, StandardCharsets.ISO_8859_1);
        if (shiftOffsets > 0) { // move the last offset pair's end: a hole or an overlap with what follows
            h = h.replaceFirst("\\[(\\d+),(\\d+)\\]", "[$1,$2" + "0]");
        }
        byte[] hb = h.getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer o = ByteBuffer.allocate(8 + hb.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        return o.putLong(hb.length).put(hb).put(data).array();
    }

    /** Reads a checkpoint file and touches everything a caller would. */
    private boolean readAll(Path f) throws IOException {
        // inspect's path first: opened, summarized from shapes only, nothing materialised
        Checkpoint lazy = Checkpoint.open(f);
        CheckpointSummary.of(lazy, REGISTRY);
        lazy.parameterCount();
        Checkpoint c = Checkpoint.read(f);
        for (TensorData t : c.tensors().values()) {
            if (t.numel() < (1 << 22)) {
                t.toFloats();
            }
        }
        assertThat(c.extras().toString()).isNotNull();
        CheckpointSummary.of(c, REGISTRY);
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
                .mutator((in, rnd, pool) -> stridedViews(in, rnd))
                .mutator((in, rnd, pool) -> zipDisagreement(in, rnd))
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
                .mutator((in, rnd, pool) -> strictJsonMutation(in, rnd))
                .mutator((in, rnd, pool) -> strictJsonMutation(in, rnd))
                .dictionary(FuzzSupport.ascii("\"dtype\""), FuzzSupport.ascii("\"F32\""), FuzzSupport.ascii("\"BF16\""),
                        FuzzSupport.ascii("\"shape\":[1e999]"), FuzzSupport.ascii("\"data_offsets\":[0,18446744073709551615]"),
                        FuzzSupport.ascii("[[[[[[[[[["), FuzzSupport.ascii("\"__metadata__\":{}"),
                        FuzzSupport.ascii("-1"), FuzzSupport.ascii("9223372036854775807"))
                .expected(CheckpointException.class).expected(IOException.class)
                .run(fileTarget("in.safetensors"));
        FuzzSupport.assertClean(r, dir, "in.safetensors", "seed.safetensors");
    }
}
