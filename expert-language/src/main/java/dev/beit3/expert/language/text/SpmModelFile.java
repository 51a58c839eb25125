package dev.beit3.expert.language.text;

import dev.beit3.api.InvalidInputException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * A structural check of a SentencePiece model file ({@code ModelProto}, protobuf wire format) done in Java before
 * the bytes reach the native library, so that a corrupt, truncated or foreign file yields a clear
 * {@link InvalidInputException} instead of undefined native behaviour.
 *
 * <p>Only the fields needed here are decoded: the pieces (string, score, type), whether a trainer spec and a
 * normalizer spec are present, and the trainer's model type. Every other field is skipped after a bounds check.
 */
final class SpmModelFile {
    /** SentencePiece piece types ({@code ModelProto.SentencePiece.Type}). */
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;
    /**
     * Longest piece accepted, in UTF-8 bytes. The native trie builder (darts-clone, used for the unigram model and
     * for user-defined symbols) recurses once per byte of a key, at about 130–250 bytes of stack per level: measured
     * here, a piece of 8,000 bytes kills the JVM with SIGSEGV on a 1 MB thread stack (the default), 2,048 bytes needs
     * 512 KB and 1,024 bytes loads on 256 KB. Real models' pieces are short (the trainer's
     * {@code max_sentencepiece_length} defaults to 16 characters), so 1,024 bytes refuses nothing real.
     */
    static final int MAX_PIECE_BYTES = 1024;

    private final List<String> pieces;
    private final int[] types;
    private final boolean hasTrainerSpec;
    private final boolean hasNormalizerSpec;
    private final int modelType;

    private SpmModelFile(List<String> pieces, int[] types, boolean trainer, boolean normalizer, int modelType) {
        this.pieces = Collections.unmodifiableList(pieces);
        this.types = types;
        this.hasTrainerSpec = trainer;
        this.hasNormalizerSpec = normalizer;
        this.modelType = modelType;
    }

    /** @return the piece strings in id order */
    List<String> pieces() {
        return pieces;
    }

    /** @return number of pieces */
    int size() {
        return pieces.size();
    }

    /**
     * @param id a SentencePiece id
     * @return its piece type (1 normal, 2 unknown, 3 control, 4 user defined, 5 unused, 6 byte)
     */
    int type(int id) {
        return types[id];
    }

    /** @return whether the file carries a trainer spec */
    boolean hasTrainerSpec() {
        return hasTrainerSpec;
    }

    /** @return whether the file carries a normalizer spec */
    boolean hasNormalizerSpec() {
        return hasNormalizerSpec;
    }

    /** @return the trainer's model type (1 unigram, 2 BPE, 3 word, 4 char); 1 when absent (the default) */
    int modelType() {
        return modelType;
    }

    /**
     * Parses and validates a model file.
     *
     * @param bytes the file's bytes
     * @param name the file's name, for messages
     * @return the decoded summary
     * @throws InvalidInputException if the bytes are not a well-formed SentencePiece model
     */
    static SpmModelFile parse(byte[] bytes, String name) {
        if (bytes.length == 0) {
            throw bad(name, "the file is empty");
        }
        Reader r = new Reader(bytes, 0, bytes.length, name);
        List<String> pieces = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        boolean trainer = false;
        boolean normalizer = false;
        int modelType = 1;
        while (r.hasMore()) {
            long tag = r.varint();
            int field = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            if (field < 1 || field > 5 || wire != 2) {
                throw bad(name, "unexpected protobuf field " + field + " (wire type " + wire + ") at byte "
                        + r.lastStart + "; a SentencePiece ModelProto holds only fields 1-5, all length-delimited");
            }
            int len = r.length();
            int start = r.pos;
            switch (field) {
                case 1 -> {
                    Reader p = new Reader(bytes, start, start + len, name);
                    String piece = null;
                    int type = NORMAL;
                    while (p.hasMore()) {
                        long t = p.varint();
                        int f = (int) (t >>> 3);
                        int w = (int) (t & 7);
                        if (f == 1 && w == 2) {
                            int l = p.length();
                            if (l > MAX_PIECE_BYTES) {
                                // checked before the native trie recurses over it (one stack frame per byte)
                                throw bad(name, "piece " + pieces.size() + " is " + l + " bytes long, more than the "
                                        + MAX_PIECE_BYTES + " bytes SentencePiece's native trie can build without"
                                        + " overflowing the thread stack (real pieces are a few characters long)");
                            }
                            piece = p.utf8(l);
                        } else if (f == 3 && w == 0) {
                            long v = p.varint();
                            if (v < 1 || v > 6) {
                                throw bad(name, "piece " + pieces.size() + " has unknown type " + v);
                            }
                            type = (int) v;
                        } else {
                            p.skip(w, f);
                        }
                    }
                    if (piece == null || piece.isEmpty()) {
                        throw bad(name, "piece " + pieces.size() + " has no piece string");
                    }
                    if (piece.indexOf('\u0000') >= 0) {
                        // the native trie (darts-clone) takes NUL-terminated keys: a NUL makes an empty or
                        // duplicate key, on which it aborts the process instead of returning an error
                        throw bad(name, "piece " + pieces.size() + " contains a NUL character at index "
                                + piece.indexOf('\u0000') + ", which SentencePiece's trie cannot hold");
                    }
                    pieces.add(piece);
                    types.add(type);
                }
                case 2 -> {
                    trainer = true;
                    Reader t = new Reader(bytes, start, start + len, name);
                    while (t.hasMore()) {
                        long tg = t.varint();
                        int f = (int) (tg >>> 3);
                        int w = (int) (tg & 7);
                        if (f == 3 && w == 0) {
                            modelType = (int) t.varint();
                        } else {
                            t.skip(w, f);
                        }
                    }
                }
                case 3 -> {
                    normalizer = true;
                    checkNormalizer(bytes, start, len, name, "normalizer_spec");
                }
                case 5 -> checkNormalizer(bytes, start, len, name, "denormalizer_spec");
                default -> { }
            }
            r.pos = start + len;
        }
        if (pieces.isEmpty()) {
            throw bad(name, "it holds no pieces");
        }
        int unknowns = 0;
        int[] t = new int[types.size()];
        for (int i = 0; i < t.length; i++) {
            t[i] = types.get(i);
            if (t[i] == UNKNOWN) {
                unknowns++;
            }
        }
        if (unknowns != 1) {
            throw bad(name, "it defines " + unknowns + " unknown pieces (<unk>); SentencePiece requires exactly one");
        }
        return new SpmModelFile(pieces, t, trainer, normalizer, modelType);
    }

    /** Finds the precompiled charsmap of a NormalizerSpec and validates it. */
    private static void checkNormalizer(byte[] bytes, int start, int len, String name, String which) {
        Reader n = new Reader(bytes, start, start + len, name);
        while (n.hasMore()) {
            long tg = n.varint();
            int f = (int) (tg >>> 3);
            int w = (int) (tg & 7);
            if (f == 2 && w == 2) {
                int l = n.length();
                checkCharsmap(bytes, n.pos, l, name, which);
                n.pos += l;
            } else {
                n.skip(w, f);
            }
        }
    }

    /**
     * Validates a precompiled charsmap (uint32 trie size, a darts-clone double array, the normalized strings) the way
     * the native normalizer will walk it, so that no lookup can read outside the blob: every child slot of every
     * reachable trie node must lie inside the array, and every leaf value must point at a NUL-terminated string.
     */
    static void checkCharsmap(byte[] b, int off, int len, String name, String which) {
        if (len == 0) {
            return;
        }
        if (len < 4) {
            throw bad(name, which + " has a precompiled charsmap of " + len + " bytes, too short");
        }
        long trieBytes = (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16
                | (b[off + 3] & 0xffL) << 24;
        if (trieBytes > len - 4 || trieBytes % 4 != 0 || trieBytes == 0) {
            throw bad(name, which + " has a corrupt precompiled charsmap (trie of " + trieBytes + " bytes in a blob of "
                    + len + ")");
        }
        int units = (int) (trieBytes / 4);
        int[] a = new int[units];
        ByteBuffer bb = ByteBuffer.wrap(b, off + 4, (int) trieBytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < units; i++) {
            a[i] = bb.getInt();
        }
        int strOff = off + 4 + (int) trieBytes;
        int strLen = len - 4 - (int) trieBytes;
        int lastNul = -1;
        for (int i = strLen - 1; i >= 0; i--) {
            if (b[strOff + i] == 0) {
                lastNul = i;
                break;
            }
        }
        java.util.BitSet seen = new java.util.BitSet(units);
        int[] stack = new int[units];
        int sp = 0;
        stack[sp++] = 0;
        seen.set(0);
        while (sp > 0) {
            int node = stack[--sp];
            long base = (node ^ dartsOffset(a[node])) & 0xffffffffL;
            if ((base | 0xff) >= units) {
                throw bad(name, which + " has a corrupt precompiled charsmap (trie node " + node
                        + " points outside the array)");
            }
            int ib = (int) base;
            if (((a[node] >>> 8) & 1) != 0) {
                int value = a[ib] & 0x7fffffff;
                if (value > lastNul) {
                    throw bad(name, which + " has a corrupt precompiled charsmap (entry " + value
                            + " outside its string table)");
                }
            }
            for (int c = 1; c < 256; c++) {
                int child = ib ^ c;
                if ((a[child] & (0x80000000 | 0xff)) == c && !seen.get(child)) {
                    seen.set(child);
                    stack[sp++] = child;
                }
            }
        }
    }

    private static int dartsOffset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    private static InvalidInputException bad(String name, String why) {
        return new InvalidInputException("'" + name + "' is not a valid SentencePiece model: " + why
                + ". Pass the .spm file the model was trained with (a SentencePiece ModelProto, e.g. beit3.spm).");
    }

    /** Bounds-checked protobuf wire-format reader over a slice of a byte array. */
    private static final class Reader {
        private final byte[] b;
        private final int end;
        private final String name;
        private int pos;
        private int lastStart;

        Reader(byte[] b, int start, int end, String name) {
            this.b = b;
            this.pos = start;
            this.end = end;
            this.name = name;
        }

        boolean hasMore() {
            return pos < end;
        }

        long varint() {
            lastStart = pos;
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) {
                    throw bad(name, "truncated varint at byte " + lastStart + " (the file may be cut short)");
                }
                int x = b[pos++] & 0xff;
                v |= (long) (x & 0x7f) << shift;
                if ((x & 0x80) == 0) {
                    return v;
                }
            }
            throw bad(name, "malformed varint at byte " + lastStart);
        }

        int length() {
            long len = varint();
            if (len < 0 || len > end - pos) {
                throw bad(name, "a field at byte " + lastStart + " declares " + len + " bytes but only "
                        + (end - pos) + " remain (the file is truncated or corrupt)");
            }
            return (int) len;
        }

        String utf8(int len) {
            try {
                String s = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(b, pos, len).order(ByteOrder.LITTLE_ENDIAN))
                        .toString();
                pos += len;
                return s;
            } catch (CharacterCodingException e) {
                throw bad(name, "a piece string at byte " + pos + " is not valid UTF-8");
            }
        }

        void skip(int wire, int field) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw bad(name, "unsupported protobuf wire type " + wire + " for field " + field
                        + " at byte " + lastStart);
            }
        }

        private void advance(int n) {
            if (n > end - pos) {
                throw bad(name, "a field at byte " + pos + " runs past the end of its message (truncated)");
            }
            pos += n;
        }
    }
}
