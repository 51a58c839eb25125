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
