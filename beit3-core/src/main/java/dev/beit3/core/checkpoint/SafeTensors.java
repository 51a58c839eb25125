package dev.beit3.core.checkpoint;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonNull;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.beit3.api.Api;
import dev.beit3.api.CheckpointException;
import dev.beit3.core.io.Printable;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * ({@code {"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}}),
 * then the raw little-endian tensor bytes. A file is read by the reference implementation's rules: a strict UTF-8
 * RFC 8259 JSON header with unique keys, and data offsets that match shape × itemsize and cover the data area
 * exactly (no holes, overlaps or trailing bytes).
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public final class SafeTensors {
    /** Largest header accepted (as the reference implementation: 100 MB). */
    static final long MAX_HEADER = 100_000_000L;
    private static final String METADATA = "__metadata__";
    private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().create();

    private SafeTensors() {}

    /**
     * Writes tensors (in map order) and string metadata to a safetensors file, replacing it.
     *
     * @param file the target
     * @param tensors the tensors; keys are written as given (the TensorData names are not used)
     * @param metadata optional {@code __metadata__} strings (may be empty or null)
     * @throws IOException if the file cannot be written
     * @throws CheckpointException if a key is {@code __metadata__}
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) throws IOException {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add(METADATA, meta);
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            if (e.getKey().equals(METADATA)) {
                throw new CheckpointException("a tensor may not be called " + METADATA + " in a safetensors file");
            }
            TensorData t = e.getValue();
            JsonObject o = new JsonObject();
            o.addProperty("dtype", t.dtype().safetensorsCode());
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            o.add("shape", shape);
            long bytes = t.numel() * t.dtype().byteSize();
            JsonArray offs = new JsonArray();
            offs.add(offset);
            offs.add(offset + bytes);
            o.add("data_offsets", offs);
            header.add(e.getKey(), o);
            offset += bytes;
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeFully(ch, head);
            for (TensorData t : tensors.values()) {
                writeFully(ch, t.data());
            }
        }
    }

    /**
     * Reads a safetensors file (through {@link Checkpoint#read}).
     *
     * @param file the file
     * @return the checkpoint (state-dict location {@code ""}, extras = the metadata strings)
     * @throws IOException if the file cannot be read
     * @throws CheckpointException if the file is not a valid safetensors file
     */
    public static Checkpoint read(Path file) throws IOException {
        Checkpoint c = Checkpoint.read(file);
        if (c.format() != Checkpoint.Format.SAFETENSORS) {
            throw new CheckpointException(file + " is a " + c.format() + " checkpoint, not safetensors");
        }
        return c;
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /** Whether the first bytes look like a safetensors header. */
    static boolean looksLike(byte[] head, int n, long fileSize) {
        if (n < 9) {
            return false;
        }
        long len = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return len > 0 && head[8] == '{';
    }

    static Checkpoint.Parts readParts(Path file) throws IOException {
        return readParts(file, false);
    }

    /** Reads the header and validates it; with {@code lazy} the tensors' bytes are read only on demand. */
    static Checkpoint.Parts readParts(Path file, boolean lazy) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long n = lenBuf.flip().getLong();
            if (n <= 0 || n > MAX_HEADER || n > size - 8) {
                throw new CheckpointException("safetensors file " + file + " declares a header of " + n
                        + " bytes but has " + size + " bytes (limit " + MAX_HEADER + "): truncated or corrupt");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            readFully(ch, hb, 8, file);
            JsonObject header = strictHeader(hb.array(), file);
            long dataStart = 8 + n;
            long dataSize = size - dataStart;
            record Entry(String name, DType dtype, long[] shape, long begin, long end) {}
            List<Entry> entries = new ArrayList<>();
            Map<String, Object> metadata = new LinkedHashMap<>();
            for (Map.Entry<String, JsonElement> e : header.entrySet()) {
                String name = e.getKey();
                String where = "safetensors entry '" + Printable.of(name) + "' of " + file;
                if (name.equals(METADATA)) {
                    if (!e.getValue().isJsonObject()) {
                        throw new CheckpointException(METADATA + " of " + file + " is not an object of strings");
                    }
                    for (Map.Entry<String, JsonElement> m : e.getValue().getAsJsonObject().entrySet()) {
                        if (!m.getValue().isJsonPrimitive() || !m.getValue().getAsJsonPrimitive().isString()) {
                            throw new CheckpointException(METADATA + "." + Printable.of(m.getKey()) + " of " + file
                                    + " is not a string");
                        }
                        metadata.put(m.getKey(), m.getValue().getAsString());
                    }
                    continue;
                }
                if (!e.getValue().isJsonObject()) {
                    throw new CheckpointException(where + " is not an object");
                }
                JsonObject o = e.getValue().getAsJsonObject();
                JsonElement dt = o.get("dtype");
                if (dt == null || !dt.isJsonPrimitive() || !dt.getAsJsonPrimitive().isString()) {
                    throw new CheckpointException(where + " has no dtype");
                }
                DType dtype = DType.fromSafetensorsCode(dt.getAsString()).orElseThrow(() -> new CheckpointException(
                        where + " has unsupported dtype " + dt.getAsString()
                                + " (supported: F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL)"));
                long[] shape = naturals(o.get("shape"), -1, where + ": shape");
                long[] offs = naturals(o.get("data_offsets"), 2, where + ": data_offsets");
                long numel = TensorData.numel(shape, name);
                long bytes;
                try {
                    bytes = Math.multiplyExact(numel, dtype.byteSize());
                } catch (ArithmeticException ex) {
                    throw new CheckpointException(where + ": shape overflows");
                }
                if (offs[0] > offs[1] || offs[1] > dataSize) { // (the coverage check below finds this too)
                    throw new CheckpointException(where + ": data_offsets [" + offs[0] + ", " + offs[1]
                            + "] lie outside the data area of " + dataSize + " bytes");
                }
                if (offs[1] - offs[0] != bytes) {
                    throw new CheckpointException(where + ": data_offsets span " + (offs[1] - offs[0])
                            + " bytes but shape × itemsize is " + bytes);
                }
                if (bytes > PthReader.MAX_STORAGE_BYTES) {
                    throw new CheckpointException(where + " is larger than 2 GiB");
                }
                entries.add(new Entry(name, dtype, shape, offs[0], offs[1]));
            }
            // As the reference implementation (safetensors' Metadata::validate): sorted by offsets, every tensor starts
            // where the previous one ends, the first at 0, and the last ends at the end of the file: no holes (where
            // bytes could hide), no overlaps (one byte read as two tensors), no trailing bytes.
            List<Entry> sorted = new ArrayList<>(entries);
            sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
            long expected = 0;
            for (int i = 0; i < sorted.size(); i++) {
                Entry en = sorted.get(i);
                if (en.begin() != expected) {
                    String prev = i == 0 ? "the start of the data area" : "the end of '" + Printable.of(sorted.get(i - 1).name())
                            + "' at byte " + expected;
                    throw new CheckpointException("safetensors entry '" + Printable.of(en.name()) + "' of " + file
                            + " starts at data byte " + en.begin() + ", not at " + prev + ": the tensors must cover the"
                            + " data area contiguously (" + (en.begin() > expected ? "a hole of " + (en.begin() - expected)
                            + " bytes" : "they overlap") + ")");
                }
                expected = en.end();
            }
            if (expected != dataSize) {
                throw new CheckpointException("safetensors file " + file + " has " + dataSize + " data bytes but its"
                        + " tensors cover " + expected + ": " + (dataSize - expected) + " trailing bytes that no tensor"
                        + " describes (the format requires the last tensor to end at the end of the file)");
            }
            Map<String, Checkpoint.Origin> origins = new LinkedHashMap<>();
            if (lazy) {
                Map<String, LazyTensors.Meta> meta = new LinkedHashMap<>();
                Map<String, Entry> byName = new LinkedHashMap<>();
                for (Entry en : entries) {
                    origins.put(en.name(), new Checkpoint.Origin("", dataStart + en.begin(), true));
                    meta.put(en.name(), new LazyTensors.Meta(en.dtype(), en.shape()));
                    byName.put(en.name(), en);
                }
                LazyTensors tensors = new LazyTensors(meta, name -> {
                    Entry en = byName.get(name);
                    try (FileChannel c = FileChannel.open(file, StandardOpenOption.READ)) {
                        ByteBuffer b = ByteBuffer.allocate((int) (en.end() - en.begin()));
                        readFully(c, b, dataStart + en.begin(), file);
                        b.flip();
                        return new TensorData(en.name(), en.dtype(), en.shape(), b.order(ByteOrder.LITTLE_ENDIAN));
                    }
                }, file.toString());
                return new Checkpoint.Parts(tensors, "", Collections.unmodifiableMap(metadata),
                        Collections.unmodifiableMap(origins));
            }
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (Entry en : entries) {
                origins.put(en.name(), new Checkpoint.Origin("", dataStart + en.begin(), true));
                ByteBuffer b = ByteBuffer.allocate((int) (en.end() - en.begin()));
                readFully(ch, b, dataStart + en.begin(), file);
                b.flip();
                tensors.put(en.name(), new TensorData(en.name(), en.dtype(), en.shape(), b.order(ByteOrder.LITTLE_ENDIAN)));
            }
            return new Checkpoint.Parts(Collections.unmodifiableMap(tensors), "", Collections.unmodifiableMap(metadata),
                    Collections.unmodifiableMap(origins));
        }
    }

    /** Deepest nesting accepted in a header (a valid one has three levels). */
    static final int MAX_HEADER_DEPTH = 32;

    /**
     * Parses a header as the reference implementation does (Rust {@code std::str::from_utf8} + {@code serde_json}):
     * valid UTF-8 only (no replacement characters), RFC 8259 JSON only (no comments, unquoted keys, single quotes,
     * other separators, unescaped control characters, unpaired surrogate escapes, or anything after the object but
     * whitespace), one top-level object, every key unique at every level (so one {@code __metadata__}).
     */
    static JsonObject strictHeader(byte[] bytes, Path file) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointException("safetensors header of " + file + " is not valid UTF-8 (" + e.getMessage()
                    + "): the file is corrupt");
        }
        try {
            JsonReader r = new JsonReader(new StringReader(text));
            r.setStrictness(Strictness.STRICT);
            if (r.peek() != JsonToken.BEGIN_OBJECT) {
                throw new CheckpointException("safetensors header of " + file + " is not a JSON object");
            }
            JsonObject header = strictValue(r, 0, file).getAsJsonObject();
            if (r.peek() != JsonToken.END_DOCUMENT) {
                throw new CheckpointException("safetensors header of " + file + " has more after its JSON object"
                        + " (only space padding may follow it)");
            }
            return header;
        } catch (IOException | IllegalStateException | NumberFormatException e) {
            throw new CheckpointException("safetensors header of " + file + " is not valid JSON: "
                    + Printable.of(gsonReason(e.getMessage())) + " (read strictly, as the format's reference reader does: RFC 8259"
                    + " only, no comments, unquoted keys, single quotes or other separators)", e);
        }
    }

    /** Gson's message without its advice to parse leniently and its troubleshooting link. */
    private static String gsonReason(String m) {
        if (m == null) {
            return "malformed JSON";
        }
        return m.replace("Use JsonReader.setStrictness(Strictness.LENIENT) to accept malformed JSON", "malformed JSON")
                .replaceAll("\\s*See https://\\S+", "").strip();
    }

    private static JsonElement strictValue(JsonReader r, int depth, Path file) throws IOException {
        if (depth > MAX_HEADER_DEPTH) {
            throw new CheckpointException("safetensors header of " + file + " nests deeper than " + MAX_HEADER_DEPTH
                    + " levels");
        }
        switch (r.peek()) {
            case BEGIN_OBJECT -> {
                JsonObject o = new JsonObject();
                r.beginObject();
                while (r.hasNext()) {
                    String key = checkedString(r.nextName(), file);
                    if (o.has(key)) {
                        throw new CheckpointException("safetensors header of " + file + " has the key '"
                                + Printable.of(key) + "' twice" + (key.equals(METADATA) ? "" : " in one object")
                                + ": the reader would keep only one; refusing the ambiguous file");
                    }
                    o.add(key, strictValue(r, depth + 1, file));
                }
                r.endObject();
                return o;
            }
            case BEGIN_ARRAY -> {
                JsonArray a = new JsonArray();
                r.beginArray();
                while (r.hasNext()) {
                    a.add(strictValue(r, depth + 1, file));
                }
                r.endArray();
                return a;
            }
            case STRING -> {
                return new JsonPrimitive(checkedString(r.nextString(), file));
            }
            case NUMBER -> {
                return new JsonPrimitive(new RawNumber(r.nextString()));
            }
            case BOOLEAN -> {
                return new JsonPrimitive(r.nextBoolean());
            }
            case NULL -> {
                r.nextNull();
                return JsonNull.INSTANCE;
            }
            default -> throw new CheckpointException("safetensors header of " + file + " is malformed at "
                    + r.getPath());
        }
    }

    /**
     * A JSON number kept as written: {@code 2e0} and {@code 2.0} stay distinct from {@code 2} (serde_json refuses them
     * as a {@code usize}, and so must the shape and offset checks).
     */
    private static final class RawNumber extends Number {
        private static final long serialVersionUID = 1L;
        private final String text;

        RawNumber(String text) {
            this.text = text;
            new BigDecimal(text); // a malformed number fails here, as a NumberFormatException
        }

        @Override
        public int intValue() {
            return new BigDecimal(text).intValue();
        }

        @Override
        public long longValue() {
            return new BigDecimal(text).longValue();
        }

        @Override
        public float floatValue() {
            return Float.parseFloat(text);
        }

        @Override
        public double doubleValue() {
            return Double.parseDouble(text);
        }

        @Override
        public String toString() {
            return text;
        }
    }

    /** serde_json refuses escapes of unpaired surrogates (a lone high or low surrogate); so does this reader. */
    private static String checkedString(String s, Path file) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new CheckpointException("safetensors header of " + file + " holds an unpaired surrogate \\u"
                        + Integer.toHexString(c) + " in a string, which is not valid Unicode");
            }
        }
        return s;
    }

    private static long[] naturals(JsonElement el, int expectedLength, String what) {
        if (el == null || !el.isJsonArray()) {
            throw new CheckpointException(what + " is missing or not an array");
        }
        JsonArray a = el.getAsJsonArray();
        if (expectedLength >= 0 && a.size() != expectedLength) {
            throw new CheckpointException(what + " has " + a.size() + " values, expected " + expectedLength);
        }
        if (a.size() > 64) {
            throw new CheckpointException(what + " has " + a.size() + " dimensions");
        }
        long[] r = new long[a.size()];
        for (int i = 0; i < r.length; i++) {
            JsonElement x = a.get(i);
            if (!x.isJsonPrimitive() || !((JsonPrimitive) x).isNumber() || !x.getAsString().matches("\\d{1,18}")) {
                throw new CheckpointException(what + "[" + i + "] = " + x + " is not a non-negative integer");
            }
            r[i] = Long.parseLong(x.getAsString());
        }
        return r;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long position, Path file) throws IOException {
        long p = position;
        while (b.hasRemaining()) {
            int n = ch.read(b, p);
            if (n < 0) {
                throw new CheckpointException(file + " ends early at byte " + p + ": truncated safetensors file");
            }
            p += n;
        }
    }
}
