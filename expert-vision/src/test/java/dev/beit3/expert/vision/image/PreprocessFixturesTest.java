package dev.beit3.expert.vision.image;

import dev.beit3.api.RgbImage;
import dev.beit3.api.ImageLimits;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.beit3.core.io.Npy;
import dev.beit3.core.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Decoding and both evaluation transforms against {@code preprocess/} of the fixture directory
 * ({@code -Dbeit3.fixtures}): decoded pixels, resized pixels and final tensors.
 */
class PreprocessFixturesTest {
    /**
     * ImageIO's JPEG decoder (IJG 6b) against the reference's libjpeg-turbo (through Pillow): "a few levels" per the
     * fixtures README; used when the manifest gives no number (the public one does not). Measured on the public
     * fixture's noise JPEG: 0 (ImageIO decodes it exactly as libjpeg-turbo did).
     */
    static final int DEFAULT_JPEG_MAX_LEVELS = 4;

    static final Path DIR = Fixtures.root().resolve("preprocess");
    static final JsonObject MANIFEST = Fixtures.json(DIR.resolve("manifest.json"));
    static final int JPEG_MAX_LEVELS = jpegBound(MANIFEST);

    /**
     * The manifest's JPEG decoding bound when it states one (a number under a {@code tolerance} key naming JPEG or
     * decoding, or such an object's {@code atol} / {@code max_abs_diff} / {@code max_levels}); otherwise
     * {@link #DEFAULT_JPEG_MAX_LEVELS}.
     */
    static int jpegBound(JsonObject manifest) {
        JsonObject tol = manifest.has("tolerance") ? manifest.getAsJsonObject("tolerance") : new JsonObject();
        for (var e : tol.entrySet()) {
            String k = e.getKey().toLowerCase();
            if (!(k.contains("jpeg") || k.contains("jpg") || k.contains("decod"))) {
                continue;
            }
            JsonElement v = e.getValue();
            if (v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()) {
                return v.getAsInt();
            }
            if (v.isJsonObject()) {
                for (String f : new String[] {"max_levels", "max_abs_diff", "atol"}) {
                    if (v.getAsJsonObject().has(f)) {
                        return (int) Math.ceil(v.getAsJsonObject().get(f).getAsDouble());
                    }
                }
            }
        }
        return DEFAULT_JPEG_MAX_LEVELS;
    }

    static RgbImage npyImage(String file) {
        Npy.Array a = Fixtures.npy(DIR.resolve(file));
        assertThat(a.descr()).isEqualTo("|u1");
        assertThat(a.shape()).hasSize(3);
        assertThat(a.shape()[2]).isEqualTo(3);
        long[] v = a.longs();
        byte[] px = new byte[v.length];
        for (int i = 0; i < v.length; i++) {
            px[i] = (byte) v[i];
        }
        return new RgbImage((int) a.shape()[1], (int) a.shape()[0], px);
    }

    static boolean isJpeg(String image) {
        String l = image.toLowerCase();
        return l.endsWith(".jpg") || l.endsWith(".jpeg");
    }

    static int maxAbsDiff(RgbImage a, RgbImage b) {
        assertThat(a.width()).isEqualTo(b.width());
        assertThat(a.height()).isEqualTo(b.height());
        byte[] x = a.pixels();
        byte[] y = b.pixels();
        int max = 0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs((x[i] & 0xff) - (y[i] & 0xff)));
        }
        return max;
    }

    static ImageTransform transform(JsonObject t) {
        int size = t.get("input_size").getAsInt();
        return switch (t.get("transform").getAsString()) {
            case "vl_eval" -> ImageTransform.vlEval(size);
            case "imagenet_eval" -> ImageTransform.imagenetEval(size);
            default -> throw new AssertionError("unknown transform " + t.get("transform"));
        };
    }

    static List<JsonObject> images() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : MANIFEST.getAsJsonArray("images")) {
            out.add(e.getAsJsonObject());
        }
        assertThat(out).isNotEmpty();
        return out;
    }

    @TestFactory
    List<DynamicTest> decodedPixels() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonObject im : images()) {
            String image = im.get("image").getAsString();
            tests.add(DynamicTest.dynamicTest(image, () -> {
                RgbImage expected = npyImage(im.getAsJsonObject("decoded_rgb").get("file").getAsString());
                RgbImage got = ImageDecoder.decode(DIR.resolve(image), ImageLimits.defaults());
                assertThat(new int[] {got.width(), got.height()}).isEqualTo(new int[] {
                    im.getAsJsonArray("size_wh").get(0).getAsInt(), im.getAsJsonArray("size_wh").get(1).getAsInt()});
                int diff = maxAbsDiff(got, expected);
                int bound = isJpeg(image) ? JPEG_MAX_LEVELS : 0;
                System.out.printf("decode %-28s mode %-4s %dx%d max abs diff %d (bound %d)%n", image,
                        im.get("file_mode").getAsString(), got.width(), got.height(), diff, bound);
                assertThat(diff).as("decoded pixels of %s", image).isLessThanOrEqualTo(bound);
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> transformsFromReferencePixels() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonObject im : images()) {
            String image = im.get("image").getAsString();
            for (JsonElement te : im.getAsJsonArray("transforms")) {
                JsonObject t = te.getAsJsonObject();
                ImageTransform tf = transform(t);
                tests.add(DynamicTest.dynamicTest(image + " " + tf, () -> {
                    RgbImage src = npyImage(im.getAsJsonObject("decoded_rgb").get("file").getAsString());
                    checkTransform(image, "rgb_u8.npy", src, tf, t, 0, 1e-6);
                    if (!isJpeg(image)) {
                        RgbImage file = ImageDecoder.decode(DIR.resolve(image), ImageLimits.defaults());
                        checkTransform(image, "file", file, tf, t, 0, 1e-6);
                    }
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> jpegFileThroughTransforms() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonObject im : images()) {
            String image = im.get("image").getAsString();
            if (!isJpeg(image)) {
                continue;
            }
            for (JsonElement te : im.getAsJsonArray("transforms")) {
                JsonObject t = te.getAsJsonObject();
                ImageTransform tf = transform(t);
                tests.add(DynamicTest.dynamicTest(image + " " + tf, () -> {
                    RgbImage file = ImageDecoder.decode(DIR.resolve(image), ImageLimits.defaults());
                    // resampling averages the decoder's differences; they cannot grow beyond the decode bound
                    checkTransform(image, "file (JPEG)", file, tf, t, JPEG_MAX_LEVELS,
                            JPEG_MAX_LEVELS / 255.0 / 0.224 + 1e-6);
                }));
            }
        }
        assertThat(tests).isNotEmpty();
        return tests;
    }

    static void checkTransform(String image, String from, RgbImage src, ImageTransform tf, JsonObject t,
            int levelBound, double tensorAtol) {
        RgbImage expResized = npyImage(t.getAsJsonObject("resized_u8").get("file").getAsString());
        Npy.Array expTensor = Fixtures.npy(DIR.resolve(t.getAsJsonObject("tensor").get("file").getAsString()));
        RgbImage resized = tf.geometry(src);
        int diff = maxAbsDiff(resized, expResized);
        float[] tensor = tf.toTensor(src);
        assertThat(expTensor.shape()).isEqualTo(new long[] {3, tf.size(), tf.size()});
        Fixtures.Closeness c = Fixtures.compare(tensor, expTensor.floats(), tensorAtol, 0);
        System.out.printf("%-28s %-17s from %-11s resized_u8 max abs diff %d, tensor max abs diff %.2e%n", image,
                tf, from, diff, c.maxAbsDiff());
        assertThat(diff).as("resized_u8 of %s %s from %s", image, tf, from).isLessThanOrEqualTo(levelBound);
        assertThat(c.withinTolerance()).as("tensor of %s %s from %s: max abs diff %s, first failure at %s", image,
                tf, from, c.maxAbsDiff(), c.firstFailure()).isTrue();
    }

    @Test
    void batchStacksTensors() throws Exception {
        List<RgbImage> imgs = new ArrayList<>();
        for (JsonObject im : images()) {
            imgs.add(npyImage(im.getAsJsonObject("decoded_rgb").get("file").getAsString()));
        }
        ImageTransform tf = ImageTransform.vlEval(32);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray b = tf.batch(imgs, m);
            assertThat(b.getShape().getShape()).isEqualTo(new long[] {imgs.size(), 3, 32, 32});
            assertThat(b.getDataType()).isEqualTo(ai.djl.ndarray.types.DataType.FLOAT32);
            float[] all = b.toFloatArray();
            int per = 3 * 32 * 32;
            for (int i = 0; i < imgs.size(); i++) {
                float[] one = new float[per];
                System.arraycopy(all, i * per, one, 0, per);
                assertThat(one).isEqualTo(tf.toTensor(imgs.get(i)));
            }
        }
    }
}
