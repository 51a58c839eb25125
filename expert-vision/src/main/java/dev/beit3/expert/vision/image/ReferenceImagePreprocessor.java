package dev.beit3.expert.vision.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.ImageLimits;
import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImageTransformSpec;
import dev.beit3.api.RgbImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** {@link ImagePreprocessor} over {@link ImageDecoder}, {@link PillowResize} and {@link ImageTransform}; stateless. */
final class ReferenceImagePreprocessor implements ImagePreprocessor {
    @Override
    public RgbImage read(Path file, ImageLimits limits) throws IOException {
        return ImageDecoder.decode(file, limits);
    }

    @Override
    public RgbImage decode(byte[] bytes, ImageLimits limits) {
        return ImageDecoder.decode(bytes, "the image bytes", limits);
    }

    @Override
    public RgbImage resize(RgbImage image, int width, int height) {
        return PillowResize.bicubic(image, width, height);
    }

    @Override
    public float[] toTensor(RgbImage image, ImageTransformSpec spec) {
        return ImageTransform.of(spec).toTensor(image);
    }

    @Override
    public NDArray batch(List<RgbImage> images, ImageTransformSpec spec, NDManager manager) {
        return ImageTransform.of(spec).batch(images, manager);
    }

    @Override
    public String toString() {
        return "ReferenceImagePreprocessor";
    }
}
