package dev.beit3.expert.language.text;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.beit3.api.InvalidInputException;
import org.junit.jupiter.api.Tag;

/**
 * Coverage-guided fuzz target (Jazzer) for the Java structural check of {@code .spm} files, the part that stands
 * between untrusted bytes and native SentencePiece: protobuf framing, piece strings (UTF-8, NUL, length), types, the
 * precompiled charsmap trie. Only Java runs here (native code inside Jazzer's engine is what aborted the JVM before,
 * see RELIABILITY.md); the native side is covered by {@link SpmFuzzTest}. A plain {@code mvn verify} replays the
 * committed corpus in {@code src/test/resources/dev/beit3/expert/language/text/SpmJazzerTestInputs/}; to fuzz:
 * {@code JAZZER_FUZZ=1 mvn -B -pl expert-language -am test -Dtest=SpmJazzerTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dgroups=fuzz}.
 */
@Tag("fuzz")
class SpmJazzerTest {

    @FuzzTest(maxDuration = "10s")
    void spmStructureNeverEscapes(byte[] data) {
        try {
            SpmModelFile m = SpmModelFile.parse(data, "fuzz.spm");
            for (String p : m.pieces()) {
                if (p.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > SpmModelFile.MAX_PIECE_BYTES) {
                    throw new AssertionError("a piece longer than the limit reached native code: " + p.length());
                }
            }
        } catch (InvalidInputException expected) {
            // a typed refusal is a correct answer
        }
    }
}
