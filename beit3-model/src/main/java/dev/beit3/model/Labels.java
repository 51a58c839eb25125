package dev.beit3.model;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a label list: a JSON array of strings, or one label per line. */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public final class Labels {
    private Labels() {}

    /**
     * Reads labels.
     *
     * @param file JSON list or text file
     * @return the labels by index
     */
    public static List<String> read(Path file) {
        try {
            String s = Files.readString(file).strip();
            List<String> out = new ArrayList<>();
            if (s.startsWith("[")) {
                JsonArray a = JsonParser.parseString(s).getAsJsonArray();
                a.forEach(e -> out.add(e.getAsString()));
            } else {
                s.lines().map(String::strip).filter(l -> !l.isEmpty()).forEach(out::add);
            }
            return out;
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException("cannot read labels " + file + ": " + e.getMessage(), e);
        }
    }
}
