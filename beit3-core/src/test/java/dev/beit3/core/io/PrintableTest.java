package dev.beit3.core.io;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Reliability II (issue 17), defect 4: what {@link Printable} escapes and what it keeps. */
class PrintableTest {

    @Test
    void terminalControlSequencesBecomeVisibleEscapes() {
        assertThat(Printable.of("a\u001b[2Jb")).isEqualTo("a\\x1b[2Jb"); // clear screen
        assertThat(Printable.of("\u001b]0;title\u0007")).isEqualTo("\\x1b]0;title\\x07"); // OSC window title + BEL
        assertThat(Printable.of("ok\rforged")).isEqualTo("ok\\rforged");
        assertThat(Printable.of("line\nforged line")).isEqualTo("line\\nforged line");
        assertThat(Printable.of("nul\u0000x\tdel\u007f")).isEqualTo("nul\\x00x\\tdel\\x7f");
        assertThat(Printable.of("c1\u009b31m")).isEqualTo("c1\\u009b31m"); // 8-bit CSI
        assertThat(Printable.of("abc\u202edcba\u2066\u2069")).isEqualTo("abc\\u202edcba\\u2066\\u2069"); // bidi
        assertThat(Printable.of("\u2028")).isEqualTo("\\u2028");
        assertThat(Printable.of("lone \ud800 and \udc00")).isEqualTo("lone \\ud800 and \\udc00");
    }

    @Test
    void ordinaryTextIsKeptAsIs() {
        String s = "beit3.encoder.layers.0.self_attn.q_proj.weight — café ä ﬁ 日本 \ud83d\ude00 C:\\x";
        assertThat(Printable.of(s)).isSameAs(s);
        assertThat(Printable.of(null)).isEqualTo("null");
    }

    @Test
    void linesKeepsOnlyTheLineFeed() {
        assertThat(Printable.lines("report:\n  missing k\u001b[31m\r")).isEqualTo("report:\n  missing k\\x1b[31m\\r");
    }
}
