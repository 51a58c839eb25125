package dev.beit3.serve;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ImageLimits;
import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.RgbImage;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * Reads and checks request bodies: size, strict JSON, field types, item counts, text lengths and images
 * (base64 of the file's bytes, decoded in memory under the pixel limit). Every refusal is an
 * {@link ApiError} naming the field and the fix. Nothing here touches the file system.
 */
final class Requests {
    private final ServeSettings settings;
    private final ImageLimits limits;

    Requests(ServeSettings settings) {
        this.settings = settings;
        this.limits = new ImageLimits(settings.maxImagePixels());
    }

    /** A parsed body with the names it may hold. */
    final class Body {
        private final JsonObject json;
        private final ImagePreprocessor images;
        private int items;

        private Body(JsonObject json, ImagePreprocessor images, Set<String> allowed) {
            this.json = json;
            this.images = images;
            for (String k : json.keySet()) {
                if (!allowed.contains(k)) {
                    throw ApiError.badRequest(k, "unknown field '" + k + "'", "this endpoint takes "
                            + new java.util.TreeSet<>(allowed) + "; see /openapi.json");
                }
            }
        }

        boolean has(String field) {
            return json.has(field) && !json.get(field).isJsonNull();
        }

        /** An optional id echoed in the response (lets a client match answers to requests). */
        String id() {
            if (!has("id")) {
                return null;
            }
            JsonElement e = json.get("id");
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString() || e.getAsString().length() > 128) {
                throw ApiError.badRequest("id", "'id' must be a string of at most 128 characters",
                        "send a short string or leave 'id' out");
            }
            return e.getAsString();
        }

        List<String> texts(String field) {
            return texts(field, true);
        }

        /** Texts that pair with items already counted (questions of images, sentences of image pairs). */
        List<String> texts(String field, boolean counted) {
            JsonArray a = array(field, "strings", counted);
            List<String> out = new ArrayList<>(a.size());
            for (int i = 0; i < a.size(); i++) {
                out.add(text(a.get(i), field + "[" + i + "]"));
            }
            return out;
        }

        String text(String field) {
            if (!has(field)) {
                throw ApiError.badRequest(field, "'" + field + "' is missing", "send it as a JSON string");
            }
            return text(json.get(field), field);
        }

        private String text(JsonElement e, String where) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw ApiError.badRequest(where, where + " must be a string, got " + kind(e),
                        "send the text as a JSON string");
            }
            String s = e.getAsString();
            if (s.isBlank()) {
                throw ApiError.badRequest(where, where + " is empty", "send a text with at least one word");
            }
            if (s.length() > settings.maxTextChars()) {
                throw ApiError.badRequest(where, where + " has " + s.length() + " characters, more than the "
                        + settings.maxTextChars() + " allowed", "shorten it (the model reads only its first tokens"
                        + " anyway)");
            }
            return s;
        }

        List<RgbImage> images(String field) {
            return images(field, true);
        }

        /** Images that pair with items already counted (the right images of NLVR2 pairs). */
        List<RgbImage> images(String field, boolean counted) {
            JsonArray a = array(field, "base64 strings (the image files' bytes)", counted);
            List<RgbImage> out = new ArrayList<>(a.size());
            for (int i = 0; i < a.size(); i++) {
                out.add(image(a.get(i), field + "[" + i + "]"));
            }
            return out;
        }

        RgbImage image(String field) {
            if (!has(field)) {
                throw ApiError.badRequest(field, "'" + field + "' is missing",
                        "send the image file's bytes as a base64 string");
            }
            return image(json.get(field), field);
        }

        private RgbImage image(JsonElement e, String where) {
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isString()) {
                throw ApiError.badRequest(where, where + " must be a base64 string, got " + kind(e),
                        "send the image file's bytes base64-encoded (e.g. base64 -w0 photo.jpg)");
            }
            String s = e.getAsString();
            int comma = s.startsWith("data:") ? s.indexOf(',') : -1;
            byte[] bytes;
            try {
                bytes = Base64.getMimeDecoder().decode(comma >= 0 ? s.substring(comma + 1) : s);
            } catch (IllegalArgumentException ex) {
                throw ApiError.badRequest(where, where + " is not valid base64: " + ex.getMessage(),
                        "encode the image file's bytes with standard base64 (RFC 4648)");
            }
            try {
                return images.decode(bytes, limits);
            } catch (InvalidInputException ex) {
                throw ApiError.badRequest(where, where + ": " + ex.getMessage(), "send a PNG, JPEG, GIF, BMP or TIFF"
                        + " file of at most " + settings.maxImagePixels() + " pixels");
            }
        }

        int integer(String field, int dflt, int min, int max) {
            if (!has(field)) {
                return dflt;
            }
            JsonElement e = json.get(field);
            if (!e.isJsonPrimitive() || !e.getAsJsonPrimitive().isNumber()
                    || e.getAsDouble() != Math.rint(e.getAsDouble())) {
                throw ApiError.badRequest(field, "'" + field + "' must be an integer, got " + kind(e),
                        "send a whole number from " + min + " to " + max);
            }
            double v = e.getAsDouble();
            if (v < min || v > max) {
                throw ApiError.badRequest(field, "'" + field + "' is " + (long) v + ", outside " + min + ".." + max,
                        "send a whole number from " + min + " to " + max);
            }
            return (int) v;
        }

        private JsonArray array(String field, String of, boolean counted) {
            if (!has(field)) {
                throw ApiError.badRequest(field, "'" + field + "' is missing", "send a JSON array of " + of);
            }
            JsonElement e = json.get(field);
            if (!e.isJsonArray()) {
                throw ApiError.badRequest(field, "'" + field + "' must be an array of " + of + ", got " + kind(e),
                        "wrap the value in [ ]");
            }
            JsonArray a = e.getAsJsonArray();
            if (a.isEmpty()) {
                throw ApiError.badRequest(field, "'" + field + "' is empty", "send at least one item");
            }
            if (counted) {
                count(a.size(), field);
            } else if (a.size() > settings.maxItems()) {
                count(a.size() - items, field);
            }
            return a;
        }

        /** Adds to the request's item count and refuses more than the limit. */
        void count(int n, String field) {
            items += n;
            if (items > settings.maxItems()) {
                throw ApiError.badRequest(field, "the request has " + items + " items, more than the "
                        + settings.maxItems() + " allowed per request", "split it into several requests");
            }
        }
    }

    /**
     * Reads the body: at most {@code maxBodyBytes}, strict JSON, one object.
     *
     * @param ctx the request
     * @param images decodes the body's images (the served model's preprocessing)
     * @param allowed the field names the endpoint takes
     * @return the body
     */
    Body read(Context ctx, ImagePreprocessor images, Set<String> allowed) {
        long max = settings.maxBodyBytes();
        long declared = ctx.req().getContentLengthLong();
        if (declared > max) {
            throw tooLarge(declared);
        }
        byte[] bytes;
        try (InputStream in = ctx.req().getInputStream()) {
            bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
        } catch (IOException e) {
            throw ApiError.badRequest("body", "the request body could not be read: " + e.getMessage(),
                    "send the whole body");
        }
        if (bytes.length > max) {
            throw tooLarge(-1);
        }
        JsonElement root;
        try {
            JsonReader r = new JsonReader(new StringReader(new String(bytes, StandardCharsets.UTF_8)));
            r.setStrictness(Strictness.STRICT);
            root = JsonParser.parseReader(r);
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new JsonParseException("data after the JSON value");
            }
        } catch (JsonParseException | IOException | IllegalStateException e) {
            String m = e.getMessage() == null ? e.toString() : e.getMessage();
            throw ApiError.badRequest("body", "the body is not valid JSON: " + m.replaceAll("\\s*See https://\\S+", "").replaceAll("^[\\w.$]+(Exception|Error): ", ""),
                    "send one JSON object with Content-Type: application/json");
        }
        if (!root.isJsonObject()) {
            throw ApiError.badRequest("body", "the body must be a JSON object, got " + kind(root),
                    "send {\"field\": …}; see /openapi.json");
        }
        Set<String> names = new java.util.HashSet<>(allowed);
        names.add("id");
        return new Body(root.getAsJsonObject(), images, names);
    }

    private ApiError tooLarge(long declared) {
        return new ApiError(413, "body", "the body " + (declared > 0 ? "has " + declared + " bytes, more" : "is larger")
                + " than the " + settings.maxBodyBytes() + " bytes allowed",
                "send fewer or smaller images per request (or start the server with a larger --max-body)");
    }

    static String kind(JsonElement e) {
        if (e.isJsonNull()) {
            return "null";
        }
        if (e.isJsonArray()) {
            return "an array";
        }
        if (e.isJsonObject()) {
            return "an object";
        }
        return e.getAsJsonPrimitive().isString() ? "a string" : e.getAsJsonPrimitive().isNumber() ? "a number"
                : "a boolean";
    }
}
