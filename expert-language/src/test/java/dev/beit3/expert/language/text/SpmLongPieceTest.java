package dev.beit3.expert.language.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import dev.beit3.core.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Reliability II, defect 1: a {@code .spm} with one very long piece (10,000 characters or more) overflowed the native
 * stack while SentencePiece built its trie (darts-clone recurses once per byte of a key) and killed the JVM with
 * SIGSEGV. Pieces are now bounded in Java before the bytes reach native code. The models are the project's demo
 * tokenizer with one piece added in front (its ids shift by one, which does not matter here).
 */
class SpmLongPieceTest {

    private static byte[] withPiece(byte[] piece, int type) throws IOException {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(field(1, piece));
        p.write(0x18);
        p.write(type);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(field(1, p.toByteArray()));
        o.writeBytes(Files.readAllBytes(Fixtures.projectDemo().resolve("shapes.spm")));
        return o.toByteArray();
    }

    private static byte[] field(int number, byte[] payload) {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(number << 3 | 2);
        int n = payload.length;
        while (n >= 0x80) {
            o.write(n & 0x7f | 0x80);
            n >>>= 7;
        }
        o.write(n);
        o.writeBytes(payload);
        return o.toByteArray();
    }

    @ParameterizedTest(name = "{0} bytes, wide {1}, type {2}")
    @CsvSource({"1025, false, 1", "2048, true, 4", "6000, false, 1", "10000, false, 1", "10000, true, 1", "40000, false, 4",
        "200000, true, 4", "1000000, false, 1"})
    void aPieceLongerThanTheLimitIsRefusedBeforeNativeCode(int bytes, boolean wide, int type) throws IOException {
        byte[] model = withPiece(SpmFuzzTest.longPiece(bytes, wide), type);
        assertThatThrownBy(() -> Beit3Tokenizer.fromBytes(model, "long-piece.spm"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("long-piece.spm")
                .hasMessageContaining("piece 0 is " + bytes + " bytes long")
                .hasMessageContaining("more than the " + SpmModelFile.MAX_PIECE_BYTES + " bytes");
    }

    @ParameterizedTest(name = "{0} bytes, wide {1}, type {2}")
    @CsvSource({"1024, false, 1", "1024, true, 4", "16, false, 4"})
    void aPieceAtTheLimitStillLoadsAndTokenizes(int bytes, boolean wide, int type) throws IOException {
        byte[] piece = SpmFuzzTest.longPiece(bytes, wide);
        assertThat(piece).hasSize(bytes);
        try (Beit3Tokenizer t = Beit3Tokenizer.fromBytes(withPiece(piece, type), "at-limit.spm")) {
            assertThat(t.encode("A red circle next to a blue square.")).isNotEmpty();
        }
    }
}
