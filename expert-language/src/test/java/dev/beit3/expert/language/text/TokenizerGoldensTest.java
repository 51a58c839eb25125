package dev.beit3.expert.language.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.api.InvalidInputException;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Every text of both tokenizer golden files: pieces, ids, segments and errors. */
class TokenizerGoldensTest {

    @Test
    void nfkcModelReproducesGoldens() throws Exception {
        Path dir = Fixtures.root().resolve("tokenizer");
        Path goldens = dir.resolve("test_unigram_nfkc_goldens.json");
        runGoldens(dir.resolve(Fixtures.json(goldens).get("spm_file").getAsString()), goldens);
    }

    @Test
    void beit3ModelReproducesGoldens() throws Exception {
        Optional<Path> spm = Fixtures.beit3Spm();
        String why = "beit3.spm not found in " + Fixtures.root().resolve("tokenizer") + " or "
                + System.getProperty("beit3.shared.fixtures", "../shared/fixtures")
                + ": the third-party tokenizer is not committed; tokenizer goldens skipped";
        if (spm.isEmpty()) {
            System.out.println("SKIPPED: " + why);
        }
        assumeTrue(spm.isPresent(), why);
        runGoldens(spm.get(), Fixtures.root().resolve("tokenizer/beit3_goldens.json"));
    }

    static void runGoldens(Path spm, Path goldensFile) throws Exception {
        JsonObject goldens = Fixtures.json(goldensFile);
        try (Beit3Tokenizer tok = Beit3Tokenizer.load(spm)) {
            assertThat(tok.sha256())
                    .as("sha256 of %s must match the goldens' spm_sha256 before the goldens can be trusted", spm)
                    .isEqualTo(goldens.get("spm_sha256").getAsString());
            assertThat(tok.numPieces()).isEqualTo(goldens.get("spm_num_pieces").getAsInt());
            JsonObject special = goldens.getAsJsonObject("semantics").getAsJsonObject("special_ids");
            assertThat(tok.maskId()).isEqualTo(special.get("mask <mask>").getAsInt());
            assertThat(tok.vocabularySize())
                    .isEqualTo(goldens.getAsJsonObject("semantics").get("tokenizer_vocab_size").getAsInt());
            int n = 0;
            for (JsonElement e : goldens.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                String text = fromCodepoints(c.getAsJsonArray("codepoints"));
                assertThat(text).isEqualTo(c.get("text").getAsString());
                List<String> expectedPieces = strings(c.getAsJsonArray("pieces"));
                long[] expectedIds = longs(c.getAsJsonArray("token_ids"));
                List<String> pieces = tok.pieces(text);
                long[] ids = tok.encode(text);
                assertThat(pieces).as("pieces of %s", c.get("text")).isEqualTo(expectedPieces);
                assertThat(ids).as("ids of %s", c.get("text")).isEqualTo(expectedIds);
                StringBuilder seg = new StringBuilder();
                for (Map.Entry<String, JsonElement> s : c.getAsJsonObject("segments").entrySet()) {
                    int maxLen = Integer.parseInt(s.getKey());
                    JsonObject exp = s.getValue().getAsJsonObject();
                    if (exp.has("error")) {
                        assertThatThrownBy(() -> tok.segment(text, maxLen))
                                .isInstanceOf(InvalidInputException.class)
                                .hasMessageContaining("yields no tokens")
                                .hasMessageContaining("should contains at least one tokens");
                        seg.append(" ").append(maxLen).append(":error");
                    } else {
                        TextSegment got = tok.segment(text, maxLen);
                        assertThat(got.ids()).as("input_ids[%d] of %s", maxLen, c.get("text"))
                                .isEqualTo(longs(exp.getAsJsonArray("input_ids")));
                        assertThat(got.paddingMask()).as("padding_mask[%d] of %s", maxLen, c.get("text"))
                                .isEqualTo(longs(exp.getAsJsonArray("padding_mask")));
                        assertThat(got.numTokens()).isEqualTo(exp.get("num_tokens").getAsInt());
                        seg.append(" ").append(maxLen).append(":").append(got.numTokens());
                    }
                }
                System.out.printf("[%s] ok %-50s pieces=%d segments%s%n", spm.getFileName(),
                        printable(c.get("text").getAsString()), pieces.size(), seg);
                n++;
            }
            assertThat(n).isEqualTo(goldens.getAsJsonArray("cases").size()).isPositive();
            System.out.printf("[%s] %d/%d golden texts equal (pieces, ids, segments, errors)%n",
                    spm.getFileName(), n, n);
        }
    }

    static String printable(String s) {
        String t = s.replace("\t", "\\t").replace("\n", "\\n");
        return "\"" + (t.length() > 48 ? t.substring(0, 45) + "..." : t) + "\"";
    }

    static String fromCodepoints(JsonArray cps) {
        StringBuilder sb = new StringBuilder();
        for (JsonElement cp : cps) {
            sb.appendCodePoint(cp.getAsInt());
        }
        return sb.toString();
    }

    static List<String> strings(JsonArray a) {
        List<String> out = new ArrayList<>();
        a.forEach(x -> out.add(x.getAsString()));
        return out;
    }

    static long[] longs(JsonArray a) {
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
