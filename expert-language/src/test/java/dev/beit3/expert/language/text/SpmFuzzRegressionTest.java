package dev.beit3.expert.language.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import dev.beit3.core.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Inputs found by {@link SpmFuzzTest}, rebuilt from the demo tokenizer: each used to abort the JVM or to escape as
 * an untyped native exception, and must now be refused with an {@link InvalidInputException}.
 */
class SpmFuzzRegressionTest {
    private static byte[] demo() throws IOException {
        return Files.readAllBytes(Fixtures.projectDemo().resolve("shapes.spm"));
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

    private static byte[] withPiece(byte[] model, String piece, int type) {
        ByteArrayOutputStream p = new ByteArrayOutputStream();
        p.writeBytes(field(1, piece.getBytes(StandardCharsets.UTF_8)));
        p.write(0x18);
        p.write(type);
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(field(1, p.toByteArray()));
        o.writeBytes(model);
        return o.toByteArray();
    }

    /** Was: native abort "darts.h: failed to insert key: zero-length key" (exit 134). */
    @Test
    void pieceWithNulIsRefusedBeforeTheNativeTrie() throws IOException {
        for (String piece : List.of("\u0000", "\u0000a", "a\u0000b")) {
            assertThatThrownBy(() -> Beit3Tokenizer.fromBytes(withPiece(demo(), piece, 1), "nul.spm"))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("nul.spm")
                    .hasMessageContaining("NUL character");
        }
    }

    /**
     * Was: {@code ai.djl.engine.EngineException: ... all normalized characters are not consumed} escaping from
     * {@code encode}, on {@code src/test/resources/fuzz-regressions/spm/engine-exception-on-encode.spm} (a mutant
     * of the NFKC test model that the native library loads but cannot use). Now refused at load time.
     */
    @Test
    void modelTheNativeLibraryLoadsButCannotUseIsRefused() throws Exception {
        byte[] bad = Files.readAllBytes(java.nio.file.Path.of(SpmFuzzRegressionTest.class
                .getResource("/fuzz-regressions/spm/engine-exception-on-encode.spm").toURI()));
        assertThatThrownBy(() -> Beit3Tokenizer.fromBytes(bad, "mutant.spm"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("mutant.spm")
                .hasMessageContaining("all normalized characters are not consumed");
    }

    /** Every trainer model type must either work or be refused with a typed exception naming the file. */
    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2, 3, 4, 5, 9})
    void everyTrainerModelTypeWorksOrIsRefused(int modelType) throws IOException {
        byte[] model = demo();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.writeBytes(model);
        o.writeBytes(field(2, new byte[] {0x18, (byte) modelType}));
        try (Beit3Tokenizer t = Beit3Tokenizer.fromBytes(o.toByteArray(), "type" + modelType + ".spm")) {
            assertThat(t.encode("A red circle next to a blue square.")).isNotEmpty();
            assertThat(t.encode("ＦＵＬＬ ﬁ café ä ☃")).isNotNull();
        } catch (InvalidInputException e) {
            assertThat(e.getMessage()).contains("type" + modelType + ".spm");
        }
    }
}
