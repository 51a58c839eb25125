package dev.beit3.expert.language.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import dev.beit3.core.testing.Fixtures;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Reliability II (issue 17), defect 4: a refused text is quoted in the message with its control characters escaped. */
class TokenizerMessageEscapingTest {

    @Test
    void aRefusedTextIsEchoedEscaped() throws IOException {
        try (Beit3Tokenizer t = Beit3Tokenizer.load(Fixtures.projectDemo().resolve("shapes.spm"))) {
            assertThatThrownBy(() -> t.encode("red\u001b[2J\u001b]0;x\u0007\r\ncircle\u0000"))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("\"red\\x1b[2J\\x1b]0;x\\x07\\r\\ncircle\\x00\"")
                    .hasMessageContaining("NUL character at index 21")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u001b", "\u0007", "\r", "\n", "\u0000"));
        }
    }
}
