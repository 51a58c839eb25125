package dev.beit3.train;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated shapes world follows the demo README's rules for its test set and its training data. */
class ShapesWorldTest {
    @TempDir
    Path dir;

    private List<JsonObject> write(String task, int n, boolean training) throws Exception {
        Path d = dir.resolve(task + training);
        ShapesWorld.write(d, task, n, 5, training);
        return Files.readAllLines(d.resolve(TrainingData.FILE)).stream()
                .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
    }

    @Test
    void vqaTestQuestionsHaveEveryTypeEquallyOftenAndTheCanonicalForm() throws Exception {
        List<JsonObject> rows = write("vqa", 540, false);
        Map<String, Integer> types = new HashMap<>();
        for (JsonObject o : rows) {
            types.merge(o.get("type").getAsString(), 1, Integer::sum);
            String q = o.get("question").getAsString();
            assertThat(q).endsWith("?").isEqualTo(q.toLowerCase(java.util.Locale.ROOT));
            assertThat(ShapesWorld.ANSWERS).contains(o.get("answer").getAsString());
        }
        assertThat(types.keySet()).containsExactlyInAnyOrderElementsOf(ShapesWorld.QUESTION_TYPES);
        // 60 expected per type; a binomial(540, 1/9) is within 60 ± 25 with probability > 0.999
        assertThat(types.values()).allSatisfy(c -> assertThat(c).isBetween(35, 85));
    }

    @Test
    void vqaTrainingQuestionsAreSometimesCapitalizedOrWithoutQuestionMark() throws Exception {
        List<JsonObject> rows = write("vqa", 400, true);
        long capital = rows.stream().filter(o -> Character.isUpperCase(o.get("question").getAsString().charAt(0)))
                .count();
        long noMark = rows.stream().filter(o -> !o.get("question").getAsString().endsWith("?")).count();
        assertThat(capital).isBetween(80L, 160L); // 30 % of 400
        assertThat(noMark).isBetween(30L, 95L); // 15 % of 400
        assertThat(rows).allSatisfy(o -> assertThat(o.get("question").getAsString())
                .matches("(What|How|Is|Where|what|how|is|where) .*"));
    }

    @Test
    void retrievalTestCaptionsAreDistinctAndAlternateOneAndTwoShapes() throws Exception {
        List<JsonObject> rows = write("retrieval", 60, false);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < rows.size(); i++) {
            String t = rows.get(i).get("text").getAsString();
            assertThat(seen.add(t)).as("distinct: " + t).isTrue();
            assertThat(t.contains(" and ")).as(t).isEqualTo(i % 2 == 1);
            assertThat(t).matches("a (small|large) .*");
        }
    }

    @Test
    void retrievalTrainingTextsIncludeShorterAndCapitalizedOnes() throws Exception {
        List<JsonObject> rows = write("retrieval", 300, true);
        long shorter = rows.stream().map(o -> o.get("text").getAsString())
                .filter(t -> !t.matches("[aA] (small|large) .*") || !t.matches(".*(left|right|top|bottom|center)"))
                .count();
        long capital = rows.stream().filter(o -> o.get("text").getAsString().startsWith("A ")).count();
        assertThat(shorter).isBetween(35L, 90L); // 20 % of 300
        assertThat(capital).isBetween(60L, 125L); // 30 % of 300
    }

    @Test
    void shortCaptionsLeaveOutSizesAndPositions() {
        ShapesWorld.Scene s = ShapesWorld.scene(2, new java.util.Random(3));
        String full = s.caption();
        String bare = s.caption(false, false);
        assertThat(bare).matches("a \\w+ \\w+ and a \\w+ \\w+");
        assertThat(full).startsWith("a " + s.shapes().get(0).size() + " " + s.shapes().get(0).color());
        assertThat(s.caption(true, false)).doesNotContain(" on ", " at ", " in ");
        assertThat(s.caption(false, true)).doesNotContain("small", "large");
    }
}
