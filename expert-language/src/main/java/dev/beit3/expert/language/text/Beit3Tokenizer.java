package dev.beit3.expert.language.text;

import dev.beit3.api.Api;

import dev.beit3.api.SpecialTokens;
import dev.beit3.api.TextBatch;
import dev.beit3.api.Tokenizer;

import ai.djl.sentencepiece.SpProcessor;
import ai.djl.sentencepiece.SpTokenizer;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.ModelClosedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The BEiT-3 text tokenizer: a SentencePiece model wrapped with the XLM-R id convention, exactly as the reference
 * datasets use it ({@code XLMRobertaTokenizer(spm)} of transformers, then {@code _get_text_segment}).
 *
 * <ul>
 *   <li>Pieces: SentencePiece's own segmentation (normalizer from the model's precompiled charsmap, whitespace
 *       handling, unigram Viterbi, unknown runs merged), done by SentencePiece's native library through DJL.
 *   <li>Literal special-token strings in the text ({@code <s>}, {@code </s>}, {@code <pad>}, {@code <unk>},
 *       {@code <mask>}) are kept as single tokens, as transformers does; {@code <mask>} also swallows the whitespace
 *       before it ({@code lstrip}). The text between them is segmented chunk by chunk.
 *   <li>Ids: {@code <s>}=0, {@code <pad>}=1, {@code </s>}=2, {@code <unk>}=3, {@code <mask>}=pieces+1; any other
 *       piece its SentencePiece id + 1, or 3 when SentencePiece does not know it (id 0).
 * </ul>
 *
 * <p>Instances are thread-safe. {@link #close()} frees the native processor; later calls throw
 * {@link ModelClosedException}.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class Beit3Tokenizer implements Tokenizer {
    /** Id of {@code <s>} (bos, cls). */
    public static final int BOS_ID = 0;
    /** Id of {@code <pad>}. */
    public static final int PAD_ID = 1;
    /** Id of {@code </s>} (eos, sep). */
    public static final int EOS_ID = 2;
    /** Id of {@code <unk>}. */
    public static final int UNK_ID = 3;
    /** The special ids above, as the api names them. */
    public static final SpecialTokens SPECIAL_TOKENS = new SpecialTokens(BOS_ID, PAD_ID, EOS_ID, UNK_ID);
    /** Largest accepted model file (SentencePiece models are a few MB). */
    static final long MAX_FILE_BYTES = 256L << 20;

    private static final String MASK = "<mask>";
    private static final String[] SPECIALS = {"<s>", "</s>", "<pad>", "<unk>", MASK};

    private final String name;
    private final SpmModelFile model;
    private final String sha256;
    private final SpTokenizer native_;
    private final SpProcessor processor;
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private boolean closed;

    private Beit3Tokenizer(String name, SpmModelFile model, String sha256, SpTokenizer tokenizer) {
        this.name = name;
        this.model = model;
        this.sha256 = sha256;
        this.native_ = tokenizer;
        this.processor = tokenizer.getProcessor();
    }

    /**
     * Loads a SentencePiece model file ({@code .spm}, {@code .model}).
     *
     * @param spmFile the model file
     * @return the tokenizer; close it to free native memory
     * @throws IOException if the file cannot be read
     * @throws InvalidInputException if the file is not a SentencePiece model (empty, truncated, corrupt, too large)
     */
    public static Beit3Tokenizer load(Path spmFile) throws IOException {
        Objects.requireNonNull(spmFile, "spmFile");
        if (!Files.isRegularFile(spmFile)) {
            throw new java.nio.file.NoSuchFileException(spmFile.toString(), null,
                    "SentencePiece model file not found; pass the path of the model's .spm file");
        }
        long size = Files.size(spmFile);
        if (size > MAX_FILE_BYTES) {
            throw new InvalidInputException("'" + spmFile + "' has " + size + " bytes, more than the "
                    + MAX_FILE_BYTES + " accepted for a SentencePiece model; is it the right file?");
        }
        return fromBytes(Files.readAllBytes(spmFile), spmFile.toString());
    }

    /**
     * Loads a SentencePiece model from its bytes.
     *
     * @param bytes the model file's content
     * @param name a name for messages (e.g. the file name)
     * @return the tokenizer; close it to free native memory
     * @throws InvalidInputException if the bytes are not a SentencePiece model
     */
    public static Beit3Tokenizer fromBytes(byte[] bytes, String name) {
        Objects.requireNonNull(bytes, "bytes");
        SpmModelFile model = SpmModelFile.parse(bytes, name);
        SpTokenizer tok;
        try {
            tok = new SpTokenizer(bytes);
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw new InvalidInputException("SentencePiece could not load '" + name + "': " + e.getMessage()
                    + ". Pass a valid SentencePiece model file.", e);
        }
        Beit3Tokenizer t = new Beit3Tokenizer(name, model, sha256(bytes), tok);
        try {
            t.encode(PROBE); // refuse a model the native library loads but cannot use
        } catch (InvalidInputException e) {
            t.close();
            throw new InvalidInputException("'" + name + "' is not a usable SentencePiece model: " + e.getMessage(), e);
        }
        return t;
    }

    /** Text tokenized once at load time: letters, digits, punctuation, spaces and non-ASCII. */
    private static final String PROBE = "A probe, 12 words: café ä ﬁ.";

    /**
     * SentencePiece pieces of a text, with literal special tokens kept whole.
     *
     * @param text the text (any string; {@code ""} gives no pieces)
     * @return the pieces, e.g. {@code ["▁A", "▁man", "."]}
     * @throws InvalidInputException if the text holds an unpaired UTF-16 surrogate or a NUL character
     */
    public List<String> pieces(String text) {
        checkText(text);
        lock.readLock().lock();
        try {
            ensureOpen();
            List<String> out = new ArrayList<>();
            for (String chunk : splitSpecials(text)) {
                if (chunk.isEmpty()) {
                    continue;
                }
                if (isSpecial(chunk)) {
                    out.add(chunk);
                } else {
                    out.addAll(Arrays.asList(tokenizeNative(chunk)));
                }
            }
            return List.copyOf(out);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Reference ids of a text, without bos/eos.
     *
     * @param text the text
     * @return one id per piece
     * @throws InvalidInputException as {@link #pieces(String)}
     */
    public long[] encode(String text) {
        List<String> pieces = pieces(text);
        lock.readLock().lock();
        try {
            ensureOpen();
            long[] ids = new long[pieces.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = idOf(pieces.get(i));
            }
            return ids;
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * SentencePiece's segmentation of one chunk. A model that passed the structural check can still be inconsistent
     * (e.g. pieces that cannot cover the normalized text); the native library then reports an internal error, which
     * becomes an {@link InvalidInputException} naming the model.
     */
    private String[] tokenizeNative(String chunk) {
        try {
            return processor.tokenize(chunk);
        } catch (ai.djl.engine.EngineException e) {
            throw new InvalidInputException("SentencePiece model '" + name + "' failed to tokenize " + quote(chunk)
                    + " (" + e.getMessage() + "); the model file is inconsistent: pass the .spm file the model was"
                    + " trained with", e);
        }
    }

    private long idOf(String piece) {
        switch (piece) {
            case "<s>":
                return BOS_ID;
            case "<pad>":
                return PAD_ID;
            case "</s>":
                return EOS_ID;
            case "<unk>":
                return UNK_ID;
            case MASK:
                return maskId();
            default:
                int spm = processor.getId(piece);
                return spm == 0 ? UNK_ID : spm + 1L;
        }
    }

    /**
     * A text as a model input of fixed length ({@code _get_text_segment}).
     *
     * @param text the text
     * @param maxLen the segment length (at least 3); longer texts are cut to {@code maxLen - 2} ids
     * @return the segment
     * @throws InvalidInputException if the text yields no tokens (empty or only whitespace; the reference raises
     *     {@code RuntimeError} here) or {@code maxLen < 3}
     */
    public TextSegment segment(String text, int maxLen) {
        if (maxLen < 3) {
            throw new InvalidInputException("text max length " + maxLen + " is too small: a segment needs bos, at"
                    + " least one token and eos; use a max length of at least 3 (the models use 16 to 64)");
        }
        long[] tokens = encode(text);
        if (tokens.length == 0) {
            throw new InvalidInputException("the text " + quote(text) + " yields no tokens (it is empty or only"
                    + " whitespace); the reference raises 'The text segment should contains at least one tokens!'."
                    + " Give a non-empty text.");
        }
        int n = Math.min(tokens.length, maxLen - 2);
        long[] ids = new long[maxLen];
        long[] mask = new long[maxLen];
        Arrays.fill(ids, PAD_ID);
        Arrays.fill(mask, 1);
        ids[0] = BOS_ID;
        System.arraycopy(tokens, 0, ids, 1, n);
        ids[n + 1] = EOS_ID;
        Arrays.fill(mask, 0, n + 2, 0);
        return new TextSegment(ids, mask, n + 2);
    }

    /**
     * Segments of several texts, all of length {@code maxLen}.
     *
     * @param texts the texts
     * @param maxLen the segment length
     * @return the batch
     * @throws InvalidInputException as {@link #segment(String, int)}, naming the offending text's index
     */
    public TextBatch batch(List<String> texts, int maxLen) {
        long[][] ids = new long[texts.size()][];
        long[][] mask = new long[texts.size()][];
        for (int i = 0; i < ids.length; i++) {
            TextSegment s;
            try {
                s = segment(texts.get(i), maxLen);
            } catch (InvalidInputException e) {
                throw new InvalidInputException("text " + i + " of the batch: " + e.getMessage(), e);
            }
            ids[i] = s.ids();
            mask[i] = s.paddingMask();
        }
        return new TextBatch(ids, mask);
    }

    /**
     * Ids back to text, as the reference captioner does ({@code batch_decode(skip_special_tokens=True)} without
     * the clean-up of spaces): special ids (bos, pad, eos, unk, mask) are dropped, the pieces joined, {@code ▁}
     * turned into spaces, and the result trimmed.
     *
     * @param ids token ids
     * @return the text
     * @throws InvalidInputException if an id is outside {@code [0, vocabularySize())}
     */
    public String decode(long[] ids) {
        lock.readLock().lock();
        try {
            ensureOpen();
            StringBuilder sb = new StringBuilder();
            int mask = maskId();
            for (int i = 0; i < ids.length; i++) {
                long id = ids[i];
                if (id < 0 || id >= vocabularySize()) {
                    throw new InvalidInputException("token id " + id + " at position " + i + " is outside the"
                            + " vocabulary [0, " + vocabularySize() + ") of '" + name + "'");
                }
                if (id <= UNK_ID || id == mask) {
                    continue;
                }
                sb.append(model.pieces().get((int) id - 1));
            }
            return sb.toString().replace('\u2581', ' ').strip();
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * The piece string of an id (special ids give their token strings).
     *
     * @param id a token id
     * @return the piece
     * @throws InvalidInputException if the id is out of range
     */
    public String piece(long id) {
        if (id < 0 || id >= vocabularySize()) {
            throw new InvalidInputException("token id " + id + " is outside the vocabulary [0, " + vocabularySize()
                    + ")");
        }
        if (id == maskId()) {
            return MASK;
        }
        return switch ((int) id) {
            case BOS_ID -> "<s>";
            case PAD_ID -> "<pad>";
            case EOS_ID -> "</s>";
            case UNK_ID -> "<unk>";
            default -> model.pieces().get((int) id - 1);
        };
    }

    /** @return {@link #SPECIAL_TOKENS}: the XLM-R ids */
    @Override
    public SpecialTokens specialTokens() {
        return SPECIAL_TOKENS;
    }

    /** @return the id of {@code <mask>}: number of SentencePiece pieces + 1 */
    @Override
    public int maskId() {
        return model.size() + 1;
    }

    /** @return the tokenizer's vocabulary size: pieces + 2 (ids 0 .. mask) */
    public int vocabularySize() {
        return model.size() + 2;
    }

    /** @return the number of SentencePiece pieces in the model */
    public int numPieces() {
        return model.size();
    }

    /** @return whether the model file carries a normalizer spec (without one SentencePiece does no normalization) */
    public boolean hasNormalizer() {
        return model.hasNormalizerSpec();
    }

    /** @return the lower-case hex SHA-256 of the model file's bytes */
    public String sha256() {
        return sha256;
    }

    /** @return the name the model was loaded under */
    public String name() {
        return name;
    }

    /** Frees the native SentencePiece processor. Idempotent. */
    @Override
    public void close() {
        lock.writeLock().lock();
        try {
            if (!closed) {
                closed = true;
                native_.close();
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "Beit3Tokenizer[" + name + ", " + model.size() + " pieces, sha256 " + sha256.substring(0, 12) + "]";
    }

    private void ensureOpen() {
        if (closed) {
            throw new ModelClosedException("the tokenizer for '" + name + "' is closed; load it again");
        }
    }

    /**
     * Splits a text around literal special tokens (leftmost match first). Mirrors transformers' slow-tokenizer
     * {@code tokenize}: the chunk before {@code <mask>} loses its trailing whitespace (Python {@code rstrip}).
     */
    static List<String> splitSpecials(String text) {
        List<String> out = new ArrayList<>();
        int pos = 0;
        while (pos <= text.length()) {
            int best = -1;
            String tok = null;
            for (String s : SPECIALS) {
                int i = text.indexOf(s, pos);
                if (i >= 0 && (best < 0 || i < best || (i == best && s.length() > tok.length()))) {
                    best = i;
                    tok = s;
                }
            }
            if (best < 0) {
                out.add(text.substring(pos));
                break;
            }
            String left = text.substring(pos, best);
            if (tok.equals(MASK)) {
                left = rstripPython(left);
            }
            out.add(left);
            out.add(tok);
            pos = best + tok.length();
        }
        return out;
    }

    private static boolean isSpecial(String chunk) {
        for (String s : SPECIALS) {
            if (s.equals(chunk)) {
                return true;
            }
        }
        return false;
    }

    /** Python's {@code str.rstrip()}: removes trailing characters for which {@code str.isspace()} holds. */
    static String rstripPython(String s) {
        int end = s.length();
        while (end > 0 && isPythonSpace(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    static boolean isPythonSpace(char c) {
        return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680
                || (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f
                || c == 0x3000;
    }

    private static void checkText(String text) {
        if (text == null) {
            throw new InvalidInputException("the text is null; pass a string (\"\" for no text)");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                throw new InvalidInputException("the text " + quote(text) + " contains a NUL character at index " + i
                        + "; remove it");
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw new InvalidInputException("the text " + quote(text) + " has an unpaired UTF-16 surrogate at"
                        + " index " + i + "; it is not valid Unicode text");
            }
            if (Character.isLowSurrogate(c)) {
                throw new InvalidInputException("the text " + quote(text) + " has an unpaired UTF-16 surrogate at"
                        + " index " + i + "; it is not valid Unicode text");
            }
        }
    }

    private static String quote(String text) {
        String t = text.length() > 60 ? text.substring(0, 57) + "..." : text;
        return "\"" + dev.beit3.core.io.Printable.of(t) + "\""; // the text is echoed: no raw NUL, ESC, CR or LF
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }
}
