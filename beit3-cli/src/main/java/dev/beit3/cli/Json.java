package dev.beit3.cli;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.beit3.model.Label;
import java.util.List;

/** JSON output helpers: one compact object per line. */
final class Json {
    /** Compact, no HTML escaping. */
    static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private Json() {}

    /**
     * One JSON line: {@link #GSON}'s text with {@link #terminalSafe} applied.
     *
     * @param e the element
     * @return the line, without a line feed
     */
    static String line(com.google.gson.JsonElement e) {
        return terminalSafe(GSON.toJson(e));
    }

    /**
     * Gson escapes C0 controls and U+2028/9 in strings but writes DEL, the C1 controls (U+0080–U+009F; U+009B is an
     * 8-bit CSI) and the bidirectional overrides raw; a terminal showing the JSON would act on them. They can only
     * occur inside JSON strings, where a backslash-u escape means the same character, so the JSON is unchanged
     * for any parser.
     *
     * @param json JSON text
     * @return the same JSON with those characters escaped
     */
    static String terminalSafe(String json) {
        StringBuilder b = null;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            boolean unsafe = c >= 0x7f && dev.beit3.core.io.Printable.isUnsafe(c);
            if (unsafe && b == null) {
                b = new StringBuilder(json.length() + 16).append(json, 0, i);
            }
            if (b != null) {
                if (unsafe) {
                    b.append(String.format("\\u%04x", (int) c));
                } else {
                    b.append(c);
                }
            }
        }
        return b == null ? json : b.toString();
    }

    /**
     * Scored labels as a JSON array of {@code {label, index, logit, probability}}.
     *
     * @param top the labels
     * @return the array
     */
    static JsonArray labels(List<Label> top) {
        JsonArray a = new JsonArray();
        for (Label l : top) {
            JsonObject o = new JsonObject();
            o.addProperty("label", l.label());
            o.addProperty("index", l.index());
            o.addProperty("logit", l.logit());
            o.addProperty("probability", l.probability());
            a.add(o);
        }
        return a;
    }

    /**
     * A float vector as a JSON array.
     *
     * @param v the vector
     * @return the array
     */
    static JsonArray floats(float[] v) {
        JsonArray a = new JsonArray();
        for (float f : v) {
            a.add(f);
        }
        return a;
    }
}
