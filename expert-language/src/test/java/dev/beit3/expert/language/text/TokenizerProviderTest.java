package dev.beit3.expert.language.text;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.api.SpecialTokens;
import dev.beit3.api.TextBatch;
import dev.beit3.api.Tokenizer;
import dev.beit3.api.TokenizerProvider;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The tokenizer as the model reaches it: the provider discovered through the registry under its default id, its
 * special ids those the demo set's {@code models.json} names, and the tokenizer it loads giving the reference
 * segments of the demo VQA questions and the reference captions.
 */
class TokenizerProviderTest {
    private final Path demo = Fixtures.demo();
    private final JsonObject models = Fixtures.json(demo.resolve("models.json"));
    private final JsonObject predictions = Fixtures.json(demo.resolve("reference_predictions.json"));
    private final TokenizerProvider provider = ProviderRegistry.discover().tokenizer(TokenizerProvider.DEFAULT_ID);

    private int named(String token) {
        Matcher m = Pattern.compile(Pattern.quote(token) + "=(\\d+)")
                .matcher(models.getAsJsonObject("tokenizer").get("id_mapping").getAsString());
        assertThat(m.find()).as(token + "=N in the id_mapping of models.json").isTrue();
        return Integer.parseInt(m.group(1));
    }

    @Test
    void specialIdsAreThoseTheSetNames() {
        assertThat(provider).isInstanceOf(SentencePieceTokenizerProvider.class);
        assertThat(provider.specialTokens()).isEqualTo(new SpecialTokens(named("<s>"), named("<pad>"), named("</s>"),
                named("<unk>")));
    }

    @Test
    void loadedTokenizerGivesTheReferenceSegmentsAndCaptions() throws Exception {
        JsonObject t = models.getAsJsonObject("tokenizer");
        try (Tokenizer tok = provider.load(demo.resolve(t.get("file").getAsString()))) {
            assertThat(tok.specialTokens()).isEqualTo(provider.specialTokens());
            assertThat(tok.maskId()).isEqualTo(named("<mask>"));
            assertThat(tok.vocabularySize()).isEqualTo(t.get("vocab_size").getAsInt());
            assertThat(tok.sha256()).isEqualTo(t.get("sha256").getAsString());
            int maxLen = models.getAsJsonObject("models").getAsJsonObject("vqa").get("text_max_len").getAsInt();
            List<String> texts = new ArrayList<>();
            List<long[]> ids = new ArrayList<>();
            for (JsonElement e : predictions.getAsJsonObject("vqa").getAsJsonArray("predictions")) {
                texts.add(e.getAsJsonObject().get("question").getAsString());
                ids.add(TokenizerGoldensTest.longs(e.getAsJsonObject().getAsJsonArray("input_ids")));
            }
            TextBatch b = tok.batch(texts, maxLen);
            assertThat(b.ids()).isEqualTo(ids.toArray(new long[0][]));
            for (long[] row : b.ids()) {
                assertThat(row[0]).isEqualTo(tok.specialTokens().bos());
            }
            int n = 0;
            for (JsonElement e : predictions.getAsJsonObject("captioning").getAsJsonArray("predictions")) {
                JsonObject c = e.getAsJsonObject();
                assertThat(tok.decode(TokenizerGoldensTest.longs(c.getAsJsonArray("decoded_ids"))))
                        .isEqualTo(c.get("caption").getAsString());
                n++;
            }
            System.out.printf("tokenizer provider %s: %d questions, %d captions as the reference%n", provider.id(),
                    texts.size(), n);
            assertThat(n).isPositive();
        }
    }
}
