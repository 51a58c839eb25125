package dev.beit3.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.inference.Predictor;
import ai.djl.modality.Classifications;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.ImageFactory;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The model works through DJL's Criteria and Predictor with the reference's answers. */
class DjlPredictorTest {
    private final Path demo = Fixtures.demo();
    private final JsonObject reference = Fixtures.json(demo.resolve("reference_predictions.json"));

    private Image image(String rel) throws Exception {
        return ImageFactory.getInstance().fromFile(demo.resolve("samples").resolve(rel));
    }

    @Test
    void classificationThroughCriteriaAndPredictor() throws Exception {
        Criteria<Image, Classifications> criteria = Criteria.builder().setTypes(Image.class, Classifications.class)
                .optGroupId(Beit3ModelZoo.GROUP_ID).optArtifactId(Beit3ModelZoo.ARTIFACT_ID)
                .optArgument("package", demo.toString()).optArgument("task", "imageclassification").build();
        JsonObject p = reference.getAsJsonObject("imageclassification").getAsJsonArray("predictions").get(0)
                .getAsJsonObject();
        try (ZooModel<Image, Classifications> model = criteria.loadModel();
                Predictor<Image, Classifications> predictor = model.newPredictor()) {
            Classifications c = predictor.predict(image(p.get("image").getAsString()));
            assertThat(c.best().getClassName()).isEqualTo(p.get("label").getAsString());
            double expected = p.getAsJsonArray("top3").get(0).getAsJsonObject().get("probability").getAsDouble();
            assertThat(c.best().getProbability()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-4));
        }
    }

    @Test
    void vqaAndCaptionThroughWrappedModels() throws Exception {
        ModelPackage pkg = ModelPackage.open(demo);
        JsonObject q = null;
        for (JsonElement e : reference.getAsJsonObject("vqa").getAsJsonArray("predictions")) {
            if (e.getAsJsonObject().get("top1_top2_logit_margin").getAsDouble() > 1) {
                q = e.getAsJsonObject();
                break;
            }
        }
        assertThat(q).isNotNull();
        Beit3 vqa = pkg.builder("vqa").build();
        try (ZooModel<ImageQuestion, String> model = Beit3ModelZoo.wrap(vqa, Beit3Translators.vqa(vqa));
                Predictor<ImageQuestion, String> predictor = model.newPredictor()) {
            String answer = predictor.predict(new ImageQuestion(image(q.get("image").getAsString()),
                    q.get("question").getAsString()));
            assertThat(answer).isEqualTo(q.get("answer").getAsString());
        }
        JsonObject c = reference.getAsJsonObject("captioning").getAsJsonArray("predictions").get(1).getAsJsonObject();
        Beit3 cap = pkg.builder("captioning").maxTextLength(
                reference.getAsJsonObject("captioning").get("num_max_bpe_tokens").getAsInt()).build();
        try (ZooModel<Image, String> model = Beit3ModelZoo.wrap(cap, Beit3Translators.caption(cap));
                Predictor<Image, String> predictor = model.newPredictor()) {
            assertThat(predictor.predict(image(c.get("image").getAsString()))).isEqualTo(c.get("caption").getAsString());
        }
    }
}
