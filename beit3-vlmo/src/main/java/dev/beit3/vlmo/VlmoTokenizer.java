package dev.beit3.vlmo;

import ai.djl.modality.nlp.DefaultVocabulary;
import ai.djl.modality.nlp.bert.BertFullTokenizer;
import dev.beit3.api.Api;
import dev.beit3.api.InvalidInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The text side of VLMo's data pipeline: BERT WordPiece ({@code bert-base-uncased} in the released models)
 * over a user-supplied {@code vocab.txt} (one piece per line, id = line number), through DJL's {@link
 * BertFullTokenizer} (basic tokenization, lower-casing, WordPiece), then VLMo's segment: {@code [CLS] pieces
 * [SEP]} cut to T and right-padded with {@code [PAD]}, with a mask that is 1 for real tokens.
 *
 * <p>Not covered by the fixtures (they use synthetic ids); DJL's basic tokenizer may differ from
 * transformers' on rare inputs (accent stripping, CJK splitting, control characters).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoTokenizer {
    private final BertFullTokenizer tokenizer;
    private final Map<String, Integer> ids;
    private final int cls;
    private final int sep;
    private final int pad;
    private final int unk;

    /**
     * One tokenized, padded segment.
     *
     * @param ids token ids (T)
     * @param mask 1 = real token ([CLS] and [SEP] included), 0 = padding (VLMo's {@code text_masks})
     */
    public record Segment(long[] ids, long[] mask) {}

    private VlmoTokenizer(List<String> vocab, boolean lowerCase, Path source) {
        ids = new HashMap<>();
        for (int i = 0; i < vocab.size(); i++) {
            ids.putIfAbsent(vocab.get(i), i);
        }
        cls = special("[CLS]", source);
        sep = special("[SEP]", source);
        pad = special("[PAD]", source);
        unk = special("[UNK]", source);
        tokenizer = new BertFullTokenizer(new DefaultVocabulary(vocab), lowerCase);
    }

    private int special(String token, Path source) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new InvalidInputException(source + " has no " + token + " line; is it a BERT vocab.txt?");
        }
        return id;
    }

    /**
     * Loads an uncased vocabulary (as {@code bert-base-uncased}).
     *
     * @param vocabTxt one piece per line
     * @return the tokenizer
     * @throws IOException when the file cannot be read
     */
    public static VlmoTokenizer load(Path vocabTxt) throws IOException {
        return load(vocabTxt, true);
    }

    /**
     * Loads a vocabulary.
     *
     * @param vocabTxt one piece per line
     * @param lowerCase whether to lower-case (uncased models)
     * @return the tokenizer
     * @throws IOException when the file cannot be read
     */
    public static VlmoTokenizer load(Path vocabTxt, boolean lowerCase) throws IOException {
        List<String> lines = new ArrayList<>();
        for (String l : Files.readAllLines(vocabTxt, StandardCharsets.UTF_8)) {
            lines.add(l.strip());
        }
        return new VlmoTokenizer(lines, lowerCase, vocabTxt);
    }

    /**
     * WordPiece pieces of a text.
     *
     * @param text the text
     * @return the pieces (unknown words become {@code [UNK]})
     */
    public List<String> pieces(String text) {
        return tokenizer.tokenize(text);
    }

    /**
     * The segment VLMo's datasets build: {@code [CLS] pieces [SEP]}, pieces cut to {@code maxLen − 2},
     * padded with {@code [PAD]} to {@code maxLen}.
     *
     * @param text the text
     * @param maxLen T ({@code max_text_len}, 40 in the released models)
     * @return ids and mask
     */
    public Segment encode(String text, int maxLen) {
        if (maxLen < 2) {
            throw new InvalidInputException("maxLen " + maxLen + " leaves no room for [CLS] and [SEP]");
        }
        List<String> p = pieces(text);
        int n = Math.min(p.size(), maxLen - 2);
        long[] out = new long[maxLen];
        long[] mask = new long[maxLen];
        java.util.Arrays.fill(out, pad);
        out[0] = cls;
        for (int i = 0; i < n; i++) {
            out[1 + i] = ids.getOrDefault(p.get(i), unk);
        }
        out[n + 1] = sep;
        java.util.Arrays.fill(mask, 0, n + 2, 1L);
        return new Segment(out, mask);
    }
}
