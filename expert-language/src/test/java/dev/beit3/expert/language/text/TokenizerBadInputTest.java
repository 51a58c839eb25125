package dev.beit3.expert.language.text;

import dev.beit3.api.TextBatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ModelClosedException;
import dev.beit3.core.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad model files, bad texts, literal special tokens, lifecycle. */
class TokenizerBadInputTest {
    /** The project's own NFKC test tokenizer (not the set under test's): the ids below are its ids. */
    static final Path NFKC = Fixtures.projectFixtures().resolve("tokenizer/test_unigram_nfkc.spm");

    @TempDir
    Path tmp;

    @Test
    void missingFile() {
        assertThatThrownBy(() -> Beit3Tokenizer.load(tmp.resolve("nope.spm")))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("nope.spm");
    }

    @Test
    void emptyFile() throws Exception {
        Path f = Files.write(tmp.resolve("empty.spm"), new byte[0]);
        assertThatThrownBy(() -> Beit3Tokenizer.load(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("empty.spm")
                .hasMessageContaining("not a valid SentencePiece model")
                .hasMessageContaining("the file is empty");
    }

    @Test
    void truncatedFile() throws Exception {
        byte[] all = Files.readAllBytes(NFKC);
        // cut in the middle of the normalizer spec / pieces: mid-field
        Path f = Files.write(tmp.resolve("cut.spm"), Arrays.copyOf(all, all.length - 1000));
        assertThatThrownBy(() -> Beit3Tokenizer.load(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cut.spm")
                .hasMessageContaining("truncated");
    }

    @Test
    void textFileIsNotAModel() throws Exception {
        Path f = Files.writeString(tmp.resolve("vocab.txt"), "hello world\nthis is not a model\n");
        assertThatThrownBy(() -> Beit3Tokenizer.load(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("vocab.txt")
                .hasMessageContaining("not a valid SentencePiece model")
                .hasMessageContaining("unexpected protobuf field");
    }

    @Test
    void imageFileIsNotAModel() throws Exception {
        Path png = Fixtures.projectFixtures().resolve("preprocess/images/small_gray_40x56.png");
        assertThatThrownBy(() -> Beit3Tokenizer.load(png))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("not a valid SentencePiece model");
    }

    @Test
    void protobufWithoutUnknownPiece() throws Exception {
        // one piece "▁a" of type NORMAL: well-formed protobuf, but SentencePiece needs an <unk>
        ByteArrayOutputStream piece = new ByteArrayOutputStream();
        byte[] s = "\u2581a".getBytes(StandardCharsets.UTF_8);
        piece.write(0x0a);
        piece.write(s.length);
        piece.write(s);
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        model.write(0x0a);
        model.write(piece.size());
        model.write(piece.toByteArray());
        Path f = Files.write(tmp.resolve("nounk.spm"), model.toByteArray());
        assertThatThrownBy(() -> Beit3Tokenizer.load(f))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("0 unknown pieces");
    }

    @Test
    void corruptCharsmapIsRefusedBeforeNativeCode() {
        // blob: trie size 1024 (256 units), root unit with an offset pointing far outside the array
        byte[] blob = new byte[4 + 1024 + 2];
        blob[1] = 0x04; // 1024, little-endian
        int root = 5000 << 10;
        blob[4] = (byte) root;
        blob[5] = (byte) (root >>> 8);
        blob[6] = (byte) (root >>> 16);
        blob[7] = (byte) (root >>> 24);
        assertThatThrownBy(() -> SpmModelFile.checkCharsmap(blob, 0, blob.length, "x.spm", "normalizer_spec"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("corrupt precompiled charsmap");
        byte[] tooBig = {(byte) 0xff, (byte) 0xff, 0, 0, 1, 2, 3};
        assertThatThrownBy(() -> SpmModelFile.checkCharsmap(tooBig, 0, tooBig.length, "x.spm", "normalizer_spec"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("trie of 65535 bytes in a blob of 7");
    }

    /** Random truncations and byte flips: never a JVM crash, always either a model or InvalidInputException. */
    @Test
    void corruptedModelsNeverCrash() throws Exception {
        byte[] all = Files.readAllBytes(NFKC);
        Random rnd = new Random(1234);
        int loaded = 0;
        int refused = 0;
        for (int i = 0; i < Integer.getInteger("beit3.fuzz.iterations", 300); i++) {
            byte[] b;
            if (i % 2 == 0) {
                b = Arrays.copyOf(all, 1 + rnd.nextInt(all.length - 1));
            } else {
                b = all.clone();
                for (int k = 0; k < 1 + rnd.nextInt(4); k++) {
                    b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
                }
            }
            try (Beit3Tokenizer t = Beit3Tokenizer.fromBytes(b, "fuzz" + i)) {
                t.pieces("A man riding a horse on a beach.");
                loaded++;
            } catch (InvalidInputException e) {
                assertThat(e.getMessage()).contains("fuzz" + i);
                refused++;
            }
        }
        System.out.printf("corrupted models: %d loaded, %d refused with InvalidInputException%n", loaded, refused);
        assertThat(refused).isPositive();
    }

    @Test
    void badTexts() throws Exception {
        try (Beit3Tokenizer t = Beit3Tokenizer.load(NFKC)) {
            assertThatThrownBy(() -> t.segment("", 16))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("yields no tokens");
            assertThatThrownBy(() -> t.segment(" \t\n ", 16))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("yields no tokens");
            assertThatThrownBy(() -> t.segment("a", 2))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("max length 2 is too small");
            assertThatThrownBy(() -> t.pieces(null))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("null");
            assertThatThrownBy(() -> t.pieces("bad \uD800 surrogate"))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("unpaired UTF-16 surrogate at index 4");
            assertThatThrownBy(() -> t.pieces("nul\u0000char"))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("NUL character at index 3");
            assertThatThrownBy(() -> t.batch(List.of("fine", ""), 16))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("text 1 of the batch");
            assertThatThrownBy(() -> t.decode(new long[] {0, 5, t.vocabularySize()}))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("token id 1502 at position 2 is outside the vocabulary [0, 1502)");
            assertThatThrownBy(() -> t.decode(new long[] {-1}))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("outside the vocabulary");
        }
    }

    @Test
    void truncationKeepsBosAndEos() throws Exception {
        try (Beit3Tokenizer t = Beit3Tokenizer.load(NFKC)) {
            long[] ids = t.encode("A man riding a horse on a beach.");
            TextSegment s = t.segment("A man riding a horse on a beach.", 5);
            assertThat(s.ids()).containsExactly(0, ids[0], ids[1], ids[2], 2);
            assertThat(s.paddingMask()).containsExactly(0, 0, 0, 0, 0);
            assertThat(s.numTokens()).isEqualTo(5);
        }
    }

    @Test
    void literalSpecialTokensAreSingleTokens() throws Exception {
        try (Beit3Tokenizer t = Beit3Tokenizer.load(NFKC)) {
            int mask = t.maskId();
            assertThat(mask).isEqualTo(1501);
            assertThat(t.pieces("a <mask> horse")).containsExactly("▁a", "<mask>", "▁horse");
            assertThat(t.encode("a <mask> horse")).containsExactly(182, mask, 166);
            assertThat(t.encode("<s>a horse</s>")).containsExactly(0, 182, 166, 2);
            assertThat(t.encode("<pad><unk>")).containsExactly(1, 3);
            assertThat(t.encode("a horse<mask>")).containsExactly(182, 166, mask);
            // the same pieces as without the markers: each chunk is segmented on its own
            assertThat(t.pieces("a<s>horse")).containsExactly("▁a", "<s>", "▁horse");
            TextSegment s = t.segment("<mask>", 4);
            assertThat(s.ids()).containsExactly(0, mask, 2, 1);
            assertThat(t.decode(new long[] {0, 182, mask, 166, 2, 1})).isEqualTo("a horse");
        }
    }

    @Test
    void maskSwallowsWhitespaceBeforeIt() {
        assertThat(Beit3Tokenizer.splitSpecials("a \t\u3000<mask> b")).containsExactly("a", "<mask>", " b");
        assertThat(Beit3Tokenizer.splitSpecials("a <s> b")).containsExactly("a ", "<s>", " b");
        assertThat(Beit3Tokenizer.splitSpecials("x</s><s>")).containsExactly("x", "</s>", "", "<s>", "");
        assertThat(Beit3Tokenizer.splitSpecials("plain")).containsExactly("plain");
        assertThat(Beit3Tokenizer.splitSpecials("<mas k>")).containsExactly("<mas k>");
    }

    @Test
    void closedTokenizerRefusesWork() throws Exception {
        Beit3Tokenizer t = Beit3Tokenizer.load(NFKC);
        t.close();
        t.close();
        assertThatThrownBy(() -> t.encode("a"))
                .isInstanceOf(ModelClosedException.class)
                .hasMessageContaining("closed");
        assertThatThrownBy(() -> t.decode(new long[] {5}))
                .isInstanceOf(ModelClosedException.class);
    }

    @Test
    void recordsAreImmutable() throws Exception {
        try (Beit3Tokenizer t = Beit3Tokenizer.load(NFKC)) {
            TextSegment s = t.segment("a horse", 6);
            s.ids()[1] = 99;
            assertThat(s.ids()[1]).isEqualTo(182);
            TextBatch b = t.batch(List.of("a horse", "a"), 6);
            b.ids()[0][1] = 99;
            assertThat(b.ids()[0][1]).isEqualTo(182);
            assertThat(b.size()).isEqualTo(2);
            assertThat(b.length()).isEqualTo(6);
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
                ai.djl.ndarray.NDArray ids = b.toIds(m);
                assertThat(ids.getShape().getShape()).containsExactly(2, 6);
                assertThat(ids.getDataType()).isEqualTo(ai.djl.ndarray.types.DataType.INT64);
                assertThat(ids.toLongArray()).containsExactly(0, 182, 166, 2, 1, 1, 0, 182, 2, 1, 1, 1);
                assertThat(b.toPaddingMask(m).toLongArray()).containsExactly(0, 0, 0, 0, 1, 1, 0, 0, 0, 1, 1, 1);
            }
        }
    }
}
