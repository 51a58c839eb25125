package dev.beit3.expert.vision.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.api.ImageLimits;
import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.ImageTransformSpec;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.RgbImage;
import dev.beit3.core.io.Npy;
import dev.beit3.core.plugin.ProviderRegistry;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The image preprocessing as the model reaches it: discovered through the registry under its default id, and giving
 * the reference's tensors of the preprocess fixtures (their manifest names the transforms, sizes and files).
 */
class ImagePreprocessorProviderTest {
    private static final ImagePreprocessor PRE = ProviderRegistry.discover()
            .imagePreprocessor(ImagePreprocessorProvider.DEFAULT_ID).preprocessor();

    private static ImageTransformSpec spec(JsonObject t) {
        int size = t.get("input_size").getAsInt();
        return switch (t.get("transform").getAsString()) {
            case "vl_eval" -> ImageTransformSpec.vlEval(size);
            case "imagenet_eval" -> ImageTransformSpec.imagenetEval(size);
            default -> throw new AssertionError("unknown transform " + t.get("transform"));
        };
    }

    @Test
    void discoveredProviderIsTheReferencePreprocessing() {
        assertThat(ProviderRegistry.discover().imagePreprocessor(ImagePreprocessorProvider.DEFAULT_ID))
                .isInstanceOf(ReferenceImagePreprocessorProvider.class);
    }

    @Test
    void tensorsOfTheSpecsAreTheReferenceTensors() throws Exception {
        int checked = 0;
        for (JsonObject im : PreprocessFixturesTest.images()) {
            RgbImage src = PreprocessFixturesTest.npyImage(im.getAsJsonObject("decoded_rgb").get("file").getAsString());
            for (JsonElement te : im.getAsJsonArray("transforms")) {
                JsonObject t = te.getAsJsonObject();
                ImageTransformSpec s = spec(t);
                assertThat(s.toString()).isEqualTo(t.get("transform").getAsString() + "_" + s.size());
                Npy.Array want = Fixtures.npy(PreprocessFixturesTest.DIR.resolve(
                        t.getAsJsonObject("tensor").get("file").getAsString()));
                Fixtures.Closeness c = Fixtures.compare(PRE.toTensor(src, s), want.floats(), 1e-6, 0);
                System.out.printf("preprocessor %-28s %-17s tensor max abs diff %.2e%n", im.get("image").getAsString(),
                        s, c.maxAbsDiff());
                assertThat(c.withinTolerance()).as("%s %s", im.get("image"), s).isTrue();
                try (NDManager m = NDManager.newBaseManager()) {
                    NDArray b = PRE.batch(List.of(src, src), s, m);
                    assertThat(b.getShape().getShape()).containsExactly(2, 3, s.size(), s.size());
                    float[] flat = b.toFloatArray();
                    float[] second = java.util.Arrays.copyOfRange(flat, flat.length / 2, flat.length);
                    assertThat(Fixtures.compare(second, want.floats(), 1e-6, 0).withinTolerance()).isTrue();
                }
                checked++;
            }
        }
        assertThat(checked).isPositive();
    }

    @Test
    void resizeIsPillowsBicubicResize() {
        int checked = 0;
        for (JsonObject im : PreprocessFixturesTest.images()) {
            RgbImage src = PreprocessFixturesTest.npyImage(im.getAsJsonObject("decoded_rgb").get("file").getAsString());
            for (JsonElement te : im.getAsJsonArray("transforms")) {
                JsonObject t = te.getAsJsonObject();
                if (!t.get("transform").getAsString().equals("vl_eval")) {
                    continue; // vl_eval's geometry is exactly Image.resize((S, S), BICUBIC)
                }
                int size = t.get("input_size").getAsInt();
                RgbImage want = PreprocessFixturesTest.npyImage(t.getAsJsonObject("resized_u8").get("file")
                        .getAsString());
                RgbImage got = PRE.resize(src, size, size);
                int diff = PreprocessFixturesTest.maxAbsDiff(got, want);
                System.out.printf("preprocessor resize %-28s to %dx%d max abs diff %d%n", im.get("image").getAsString(),
                        size, size, diff);
                assertThat(diff).as("%s resized to %d", im.get("image"), size).isZero();
                checked++;
            }
        }
        assertThat(checked).isPositive();
        RgbImage one = new RgbImage(2, 1, new byte[] {10, 20, 30, 40, 50, 60});
        assertThat(PRE.resize(one, 2, 1)).isEqualTo(one);
        assertThatThrownBy(() -> PRE.resize(one, 0, 1)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("positive");
    }

    @Test
    void decodingBytesAndFilesGivesTheReferencePixels() throws Exception {
        for (JsonObject im : PreprocessFixturesTest.images()) {
            String image = im.get("image").getAsString();
            if (PreprocessFixturesTest.isJpeg(image)) {
                continue; // JPEG decoders differ by a few levels; PreprocessFixturesTest bounds that
            }
            RgbImage want = PreprocessFixturesTest.npyImage(im.getAsJsonObject("decoded_rgb").get("file").getAsString());
            RgbImage fromFile = PRE.read(PreprocessFixturesTest.DIR.resolve(image), ImageLimits.defaults());
            RgbImage fromBytes = PRE.decode(Files.readAllBytes(PreprocessFixturesTest.DIR.resolve(image)),
                    ImageLimits.defaults());
            assertThat(PreprocessFixturesTest.maxAbsDiff(fromFile, want)).as(image).isZero();
            assertThat(fromBytes).isEqualTo(fromFile);
        }
    }

    @Test
    void theSpecCarriesTheNormalisationTheManifestNames() {
        JsonObject pipelines = PreprocessFixturesTest.MANIFEST.getAsJsonObject("transforms");
        java.util.regex.Pattern p = java.util.regex.Pattern.compile("mean=\\(([^)]*)\\), std=\\(([^)]*)\\)");
        for (ImageTransformSpec.Kind k : ImageTransformSpec.Kind.values()) {
            java.util.regex.Matcher m = p.matcher(pipelines.get(k.name().toLowerCase(java.util.Locale.ROOT))
                    .getAsString());
            assertThat(m.find()).as("Normalize(mean=…, std=…) in the manifest's " + k).isTrue();
            assertThat(k.mean()).as(k + " mean").containsExactly(floats(m.group(1)));
            assertThat(k.std()).as(k + " std").containsExactly(floats(m.group(2)));
            ImageTransformSpec s = new ImageTransformSpec(k, 224);
            assertThat(ImageTransform.of(s).spec()).isEqualTo(s);
            assertThat(ImageTransform.of(s).mean()).containsExactly(k.mean());
        }
    }

    private static float[] floats(String csv) {
        String[] parts = csv.split(",");
        float[] out = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            out[i] = Float.parseFloat(parts[i].strip());
        }
        return out;
    }
}
