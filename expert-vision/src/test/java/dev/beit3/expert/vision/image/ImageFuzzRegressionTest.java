package dev.beit3.expert.vision.image;

import dev.beit3.api.ImageLimits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Inputs found by {@link ImageFuzzTest} (kept in {@code src/test/resources/fuzz-regressions/image}): each escaped
 * as an untyped exception or made ImageIO allocate from a size field, and must now be refused with an
 * {@link InvalidInputException} that names the problem, with no {@link OutOfMemoryError} anywhere in its causes.
 */
class ImageFuzzRegressionTest {
    @ParameterizedTest(name = "{0}: was {1}")
    @CsvSource({
        "tiff-zero-bit-samples.tif, ArithmeticException in to8 (0-bit samples), 0-bit samples",
        "tiff-header-npe.tif, NullPointerException from getWidth, header is corrupt",
        "bmp-negative-array.bmp, NegativeArraySizeException from getWidth, corrupt",
        "tiff-divide-by-zero.tif, ArithmeticException from read, corrupt",
        "tiff-lzw-npe.tif, NullPointerException in the TIFF LZW decoder, corrupt",
        "bmp-oom-declared-size.bmp, OutOfMemoryError (989 MB compressed-data buffer), 989859944 bytes",
        "tiff-oom-bits-per-sample.tif, OutOfMemoryError in TIFFDecompressor.beginDecoding (27-bit samples), 27-bit samples",
    })
    void refusedWithATypedError(String file, String was, String message) throws Exception {
        Path p = Path.of(ImageFuzzRegressionTest.class.getResource("/fuzz-regressions/image/" + file).toURI());
        byte[] bytes = Files.readAllBytes(p);
        assertThatThrownBy(() -> ImageDecoder.decode(bytes, new ImageLimits(1 << 22)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining(message)
                .satisfies(e -> {
                    for (Throwable c = e; c != null; c = c.getCause()) {
                        assertThat(c).isNotInstanceOf(OutOfMemoryError.class);
                    }
                });
    }
}
