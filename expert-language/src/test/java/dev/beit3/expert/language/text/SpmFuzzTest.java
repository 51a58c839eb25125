package dev.beit3.expert.language.text;

import dev.beit3.api.InvalidInputException;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.core.testing.fuzz.FuzzSupport;
import dev.beit3.core.testing.fuzz.Fuzzer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the {@code .spm} loader: the Java structural check ({@link SpmModelFile}) must refuse every model the
 * native SentencePiece library could mishandle, so a mutated model either loads and tokenizes, or is refused with
 * an {@link InvalidInputException}; never a native abort, a hang or another exception. Seeds: the demo tokenizer and
 * the NFKC test tokenizer. Mutations: bytes, plus protobuf-field-aware ones (drop, duplicate, swap fields; piece
 * types; trainer model types).
 *
 * <p>Long run: {@code mvn -o -pl expert-language -am verify -Dbeit3.fuzz.seconds=3600}.
 */
@Tag("fuzz")
class SpmFuzzTest {
    @TempDir
    Path dir;

    private static final String[] TEXTS = {"A red circle <mask> next to a blue square.", "ＦＵＬＬ ﬁ café ä",
        "  ", "x"};

    /** Loads, tokenizes and decodes, as a model would. */
    static boolean target(byte[] in) {
        try (Beit3Tokenizer t = Beit3Tokenizer.fromBytes(in, "fuzz.spm")) {
            for (String s : TEXTS) {
                long[] ids = t.encode(s);
                t.decode(ids);
            }
            t.batch(List.of(TEXTS[0], TEXTS[1]), 16);
            return true;
        }
    }

    /** Top-level protobuf fields: {start, end} of each (tag through payload), or null when not parseable. */
    static List<int[]> fields(byte[] b) {
        List<int[]> out = new ArrayList<>();
        int p = 0;
        while (p < b.length) {
            int start = p;
            long[] tag = varint(b, p);
            if (tag == null || (tag[0] & 7) != 2) {
                return out.isEmpty() ? null : out;
            }
            long[] len = varint(b, (int) tag[1]);
            if (len == null || len[0] < 0 || len[1] + len[0] > b.length) {
                return out.isEmpty() ? null : out;
            }
            p = (int) (len[1] + len[0]);
            out.add(new int[] {start, p, (int) (tag[0] >>> 3), (int) len[1]});
        }
        return out;
    }

    private static long[] varint(byte[] b, int p) {
        long v = 0;
        for (int shift = 0; shift < 64 && p < b.length; shift += 7) {
            int x = b[p++] & 0xff;
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return new long[] {v, p};
            }
        }
        return null;
    }

    private static byte[] field(int number, byte[] payload) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        writeVarint(o, (long) number << 3 | 2);
        writeVarint(o, payload.length);
        o.writeBytes(payload);
        return o.toByteArray();
    }

    private static void writeVarint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7fL) != 0) {
            o.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        o.write((int) v);
    }

    /** Piece lengths in bytes for the long-piece mutation: below, at and above the limit, and the crashing sizes. */
    static final int[] LONG_PIECE_BYTES = {SpmModelFile.MAX_PIECE_BYTES - 1, SpmModelFile.MAX_PIECE_BYTES,
        SpmModelFile.MAX_PIECE_BYTES + 1, 6_000, 10_000, 40_000, 200_000};

    /** A piece string of exactly {@code bytes} UTF-8 bytes, ASCII or mostly three-byte characters. */
    static byte[] longPiece(int bytes, boolean wide) {
        StringBuilder b = new StringBuilder(bytes);
        int n = 0;
        while (wide && n + 3 <= bytes) {
            b.append('一');
            n += 3;
        }
        while (n < bytes) {
            b.append('a');
            n++;
        }
        return b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Field-level mutations of a ModelProto. */
    static byte[] protoMutate(byte[] in, SplittableRandom r) {
        List<int[]> fs = fields(in);
        if (fs == null || fs.isEmpty()) {
            return null;
        }
        int[] f = fs.get(r.nextInt(fs.size()));
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        switch (r.nextInt(6)) {
            case 0 -> { // drop a field
                o.write(in, 0, f[0]);
                o.write(in, f[1], in.length - f[1]);
            }
            case 1 -> { // duplicate a field at another boundary
                int[] at = fs.get(r.nextInt(fs.size()));
                o.write(in, 0, at[0]);
                o.write(in, f[0], f[1] - f[0]);
                o.write(in, at[0], in.length - at[0]);
            }
            case 2 -> { // a piece with another type (1..6 valid, others not), or an empty/odd piece string
                ByteArrayOutputStream piece = new ByteArrayOutputStream();
                String[] strs = {"<unk>", "▁", "", "<0x41>", "▁a", "\u0000", "<s>"};
                byte[] s = strs[r.nextInt(strs.length)].getBytes(java.nio.charset.StandardCharsets.UTF_8);
                piece.writeBytes(field(1, s));
                piece.write(0x15); // score: fixed32
                int[] scores = {0, 0x7fc00000, 0x7f800000, 0xff800000, 0x3f800000};
                int sc = scores[r.nextInt(scores.length)];
                piece.write(sc & 0xff);
                piece.write(sc >>> 8 & 0xff);
                piece.write(sc >>> 16 & 0xff);
                piece.write(sc >>> 24 & 0xff);
                piece.write(0x18);
                writeVarint(piece, r.nextInt(8));
                o.write(in, 0, f[0]);
                o.writeBytes(field(1, piece.toByteArray()));
                o.write(in, f[0], in.length - f[0]);
            }
            case 3 -> { // trainer spec with another model type (unigram, BPE, word, char, unknown)
                ByteArrayOutputStream t = new ByteArrayOutputStream();
                t.write(0x18);
                writeVarint(t, r.nextInt(6));
                for (int[] g : fs) {
                    if (g[2] == 2) {
                        o.write(in, 0, g[0]);
                        o.writeBytes(field(2, t.toByteArray()));
                        o.write(in, g[1], in.length - g[1]);
                        return o.toByteArray();
                    }
                }
                o.writeBytes(in);
                o.writeBytes(field(2, t.toByteArray()));
            }
            case 4 -> { // a long piece, around the length limit and far beyond it (native trie recursion)
                byte[] piece = longPiece(LONG_PIECE_BYTES[r.nextInt(LONG_PIECE_BYTES.length)], r.nextBoolean());
                ByteArrayOutputStream p = new ByteArrayOutputStream();
                p.writeBytes(field(1, piece));
                p.write(0x18);
                p.write(r.nextBoolean() ? SpmModelFile.NORMAL : SpmModelFile.USER_DEFINED);
                o.write(in, 0, f[0]);
                o.writeBytes(field(1, p.toByteArray()));
                o.write(in, f[0], in.length - f[0]);
            }
            default -> { // swap two fields
                int[] g = fs.get(r.nextInt(fs.size()));
                int[] a = f[0] < g[0] ? f : g;
                int[] b = f[0] < g[0] ? g : f;
                if (a == b || a[1] > b[0]) {
                    return null;
                }
                o.write(in, 0, a[0]);
                o.write(in, b[0], b[1] - b[0]);
                o.write(in, a[1], b[0] - a[1]);
                o.write(in, a[0], a[1] - a[0]);
                o.write(in, b[1], in.length - b[1]);
            }
        }
        return o.toByteArray();
    }

    @Test
    void spmModels() throws IOException {
        List<byte[]> seeds = new ArrayList<>();
        seeds.add(Files.readAllBytes(Fixtures.projectDemo().resolve("shapes.spm")));
        seeds.add(Files.readAllBytes(Fixtures.projectFixtures().resolve("tokenizer/test_unigram_nfkc.spm")));
        seeds.addAll(FuzzSupport.files(Path.of("src/test/resources/fuzz-regressions/spm"), ".spm"));
        Fuzzer.Report r = Fuzzer.campaign("spm").seconds(15).seed(19)
                .seeds(seeds)
                .mutator((in, rnd, pool) -> protoMutate(in, rnd))
                .dictionary(FuzzSupport.ascii("\u0012\u0002\u0018\u0002"), FuzzSupport.ascii("\u001a\u0000"),
                        FuzzSupport.ascii("\"\u0004\u00ff\u00ff\u00ff\u00ff"))
                .expected(InvalidInputException.class)
                .nativeCode()
                .run(SpmFuzzTest::target);
        FuzzSupport.assertClean(r, dir);
    }
}
