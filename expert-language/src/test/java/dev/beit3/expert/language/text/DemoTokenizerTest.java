package dev.beit3.expert.language.text;

import dev.beit3.api.TextBatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo tokenizer ({@code -Dbeit3.demo}, default {@code models/demo}) against the demo's reference predictions:
 * VQA questions and retrieval queries carry the reference segments; captions carry the decoded ids and text.
 */
class DemoTokenizerTest {
    static Path demo;
    static JsonObject models;
    static JsonObject predictions;
    static Beit3Tokenizer tok;

    @BeforeAll
    static void load() throws Exception {
        demo = Fixtures.demo();
        models = Fixtures.json(demo.resolve("models.json"));
        predictions = Fixtures.json(demo.resolve("reference_predictions.json"));
        JsonObject t = models.getAsJsonObject("tokenizer");
        tok = Beit3Tokenizer.load(demo.resolve(t.get("file").getAsString()));
        assertThat(tok.sha256()).isEqualTo(t.get("sha256").getAsString());
        assertThat(tok.numPieces()).isEqualTo(t.get("pieces").getAsInt());
        assertThat(tok.vocabularySize()).isEqualTo(t.get("vocab_size").getAsInt());
        // the id mapping of models.json names the mask id, e.g. "... <mask>=101"
        java.util.regex.Matcher mask = java.util.regex.Pattern.compile("<mask>=(\\d+)")
                .matcher(t.get("id_mapping").getAsString());
        assertThat(mask.find()).as("<mask>=N in the tokenizer's id_mapping").isTrue();
        assertThat(tok.maskId()).isEqualTo(Integer.parseInt(mask.group(1)));
        assertThat(tok.hasNormalizer()).isTrue();
    }

    @AfterAll
    static void close() {
        if (tok != null) {
            tok.close();
        }
    }

    static int textMaxLen(String model) {
        return models.getAsJsonObject("models").getAsJsonObject(model).get("text_max_len").getAsInt();
    }

    @Test
    void readmeExample() throws Exception {
        // the demo README's example is about the project's own demo tokenizer, whatever -Dbeit3.demo says
        try (Beit3Tokenizer own = Beit3Tokenizer.load(Fixtures.projectDemo().resolve("shapes.spm"))) {
            assertThat(own.pieces("What color is the circle?"))
                    .containsExactly("▁What", "▁color", "▁is", "▁the", "▁circle", "?");
            assertThat(own.encode("What color is the circle?")).containsExactly(26, 28, 7, 9, 12, 6);
        }
    }

    @Test
    void vqaQuestionsGiveReferenceSegments() {
        int maxLen = textMaxLen("vqa");
        int n = check(predictions.getAsJsonObject("vqa").getAsJsonArray("predictions"), "question", maxLen);
        assertThat(n).isEqualTo(predictions.getAsJsonObject("vqa").getAsJsonArray("predictions").size());
    }

    @Test
    void retrievalQueriesGiveReferenceSegments() {
        int maxLen = textMaxLen("retrieval");
        int n = check(predictions.getAsJsonObject("retrieval").getAsJsonArray("queries"), "text", maxLen);
        assertThat(n).isEqualTo(predictions.getAsJsonObject("retrieval").getAsJsonArray("queries").size());
    }

    private static int check(Iterable<JsonElement> rows, String field, int maxLen) {
        int n = 0;
        List<String> texts = new ArrayList<>();
        List<long[]> expIds = new ArrayList<>();
        List<long[]> expMask = new ArrayList<>();
        for (JsonElement e : rows) {
            JsonObject q = e.getAsJsonObject();
            String text = q.get(field).getAsString();
            long[] ids = TokenizerGoldensTest.longs(q.getAsJsonArray("input_ids"));
            long[] mask = TokenizerGoldensTest.longs(q.getAsJsonArray("padding_mask"));
            TextSegment s = tok.segment(text, maxLen);
            assertThat(s.ids()).as("input_ids of %s", text).isEqualTo(ids);
            assertThat(s.paddingMask()).as("padding_mask of %s", text).isEqualTo(mask);
            System.out.printf("[shapes.spm] ok %-40s max_len %d tokens %d%n", "\"" + text + "\"", maxLen,
                    s.numTokens());
            texts.add(text);
            expIds.add(ids);
            expMask.add(mask);
            n++;
        }
        TextBatch b = tok.batch(texts, maxLen);
        assertThat(b.ids()).isEqualTo(expIds.toArray(new long[0][]));
        assertThat(b.paddingMask()).isEqualTo(expMask.toArray(new long[0][]));
        return n;
    }

    @Test
    void captionsDecodeToReferenceText() {
        int n = 0;
        for (JsonElement e : predictions.getAsJsonObject("captioning").getAsJsonArray("predictions")) {
            JsonObject c = e.getAsJsonObject();
            String caption = c.get("caption").getAsString();
            assertThat(tok.decode(TokenizerGoldensTest.longs(c.getAsJsonArray("decoded_ids"))))
                    .as("decode of %s", c.get("decoded_ids")).isEqualTo(caption);
            assertThat(tok.decode(TokenizerGoldensTest.longs(c.getAsJsonArray("caption_ids")))).isEqualTo(caption);
            assertThat(tok.decode(TokenizerGoldensTest.longs(c.getAsJsonArray("decoded_ids_beam1"))))
                    .isEqualTo(c.get("caption_beam1").getAsString());
            // the caption ids are the caption's own tokens
            assertThat(tok.encode(caption)).isEqualTo(TokenizerGoldensTest.longs(c.getAsJsonArray("caption_ids")));
            System.out.printf("[shapes.spm] decode ok \"%s\"%n", caption);
            n++;
        }
        assertThat(n).isPositive();
    }
}
