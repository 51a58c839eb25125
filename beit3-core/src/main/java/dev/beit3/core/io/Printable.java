package dev.beit3.core.io;

import dev.beit3.api.Api;

/**
 * Makes text from a file or a user safe to print on a terminal: control characters become visible escapes, so a
 * tensor name, label or echoed text cannot move the cursor, clear the screen, set the window title (ESC, OSC, CSI
 * sequences), ring the bell, overwrite a line (CR), forge a new output line (LF), hide text (NUL) or reorder what is
 * shown (bidirectional overrides). JSON output needs none of this: its encoder escapes control characters itself.
 *
 * <p>Escaped: C0 controls U+0000–U+001F and DEL as {@code \n}, {@code \r}, {@code \t} or {@code \xHH}; C1 controls
 * U+0080–U+009F, the bidirectional marks and overrides (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069), the line and
 * paragraph separators U+2028/9 and unpaired surrogates as {@code \}{@code uHHHH}. Everything else is kept.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Printable {
    private Printable() {}

    /**
     * Escapes every control character, newlines included: for a value printed inside one line.
     *
     * @param s the text (null gives "null")
     * @return the text with control characters escaped
     */
    public static String of(String s) {
        return escape(s, false);
    }

    /**
     * Escapes every control character except the line feed: for a message that is allowed several lines.
     *
     * @param s the text (null gives "null")
     * @return the text with control characters other than LF escaped
     */
    public static String lines(String s) {
        return escape(s, true);
    }

    /**
     * Whether a character would be escaped by {@link #of}.
     *
     * @param c a UTF-16 unit
     * @return whether it is a control, bidi or separator character (surrogates are judged in context by {@link #of})
     */
    public static boolean isUnsafe(char c) {
        return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || c == 0x061c || c == 0x200e || c == 0x200f
                || (c >= 0x2028 && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
    }

    private static String escape(String s, boolean keepNewlines) {
        if (s == null) {
            return "null";
        }
        int i = 0;
        while (i < s.length() && !needsWork(s, i, keepNewlines)) {
            i++;
        }
        if (i == s.length()) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length() + 16).append(s, 0, i);
        for (; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                b.append(c).append(s.charAt(++i));
            } else if (!needsWork(s, i, keepNewlines)) {
                b.append(c);
            } else if (c == '\n') {
                b.append("\\n");
            } else if (c == '\r') {
                b.append("\\r");
            } else if (c == '\t') {
                b.append("\\t");
            } else if (c < 0x80) {
                b.append(String.format("\\x%02x", (int) c));
            } else {
                b.append(String.format("\\u%04x", (int) c));
            }
        }
        return b.toString();
    }

    private static boolean needsWork(String s, int i, boolean keepNewlines) {
        char c = s.charAt(i);
        if (c == '\n') {
            return !keepNewlines;
        }
        if (Character.isHighSurrogate(c)) {
            return i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1));
        }
        if (Character.isLowSurrogate(c)) {
            return i == 0 || !Character.isHighSurrogate(s.charAt(i - 1));
        }
        return isUnsafe(c);
    }
}
