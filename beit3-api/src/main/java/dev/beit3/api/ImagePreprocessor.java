package dev.beit3.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * Image preprocessing as the reference does it: decoding a file to RGB bytes (PIL's {@code convert('RGB')}) within
 * {@link ImageLimits}, Pillow's bicubic resize, and the evaluation transform of an {@link ImageTransformSpec} to normalised channel-first
 * floats. Obtained from an {@link ImagePreprocessorProvider}; implementations are thread-safe.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public interface ImagePreprocessor {
    /**
     * Decodes an image file.
     *
     * @param file the file
     * @param limits size limits, checked against the header before any pixel is decoded
     * @return the RGB pixels
     * @throws IOException if the file cannot be read
     * @throws InvalidInputException if the content is not a decodable image within the limits
     */
    RgbImage read(Path file, ImageLimits limits) throws IOException;

    /**
     * Decodes an image held in memory.
     *
     * @param bytes the encoded image (file content)
     * @param limits size limits
     * @return the RGB pixels
     * @throws InvalidInputException if the bytes are not a decodable image within the limits
     */
    RgbImage decode(byte[] bytes, ImageLimits limits);

    /**
     * Resizes an image with the reference's resampling (Pillow's {@code Image.resize(size, BICUBIC)}, bit-exact):
     * the resize the training transforms ({@code RandomResizedCrop}) apply to their crop.
     *
     * @param image the image
     * @param width output width (at least 1)
     * @param height output height (at least 1)
     * @return the resized image
     * @throws InvalidInputException if a size is not positive
     */
    RgbImage resize(RgbImage image, int width, int height);

    /**
     * The transform of one image: geometry, then {@code ToTensor} and {@code Normalize}.
     *
     * @param image the decoded image
     * @param spec the transform
     * @return CHW float32 values, {@code 3 × S × S}
     */
    float[] toTensor(RgbImage image, ImageTransformSpec spec);

    /**
     * Transforms several images into one batch.
     *
     * @param images the decoded images (at least one)
     * @param spec the transform
     * @param manager the manager that will own the array
     * @return a (B, 3, S, S) float32 array
     * @throws InvalidInputException if the list is empty or the images end up with different sizes
     */
    NDArray batch(List<RgbImage> images, ImageTransformSpec spec, NDManager manager);
}
