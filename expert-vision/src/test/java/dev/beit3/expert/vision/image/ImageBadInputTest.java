package dev.beit3.expert.vision.image;

import dev.beit3.api.RgbImage;
import dev.beit3.api.ImageLimits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import dev.beit3.core.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Inputs that must be refused with a typed exception and a clear message. */
class ImageBadInputTest {
    /** Particular images of the project's own fixtures (not of the set under test): known sizes and formats. */
    static final Path IMAGES = Fixtures.projectFixtures().resolve("preprocess/images");

    @TempDir
    Path tmp;

    /** A PNG signature and an IHDR chunk (valid CRC) declaring the given size, then IEND; no pixel data. */
    static byte[] pngHeader(int width, int height) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        DataOutputStream d = new DataOutputStream(out);
        d.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
        DataOutputStream h = new DataOutputStream(ihdr);
        h.writeBytes("IHDR");
        h.writeInt(width);
        h.writeInt(height);
        h.write(new byte[] {8, 2, 0, 0, 0}); // 8-bit RGB, deflate, no filter, no interlace
        chunk(d, ihdr.toByteArray());
        chunk(d, "IEND".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void chunk(DataOutputStream d, byte[] typeAndData) throws IOException {
        d.writeInt(typeAndData.length - 4);
        d.write(typeAndData);
        CRC32 crc = new CRC32();
        crc.update(typeAndData);
        d.writeInt((int) crc.getValue());
    }

    @Test
    void decompressionBombRefusedFromHeader() throws Exception {
        byte[] bomb = pngHeader(100_000, 100_000);
        assertThat(bomb.length).isLessThan(100);
        long t0 = System.nanoTime();
        assertThatThrownBy(() -> ImageDecoder.decode(bomb, ImageLimits.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("100000x100000 = 10000000000 pixels")
                .hasMessageContaining("over the limit of 89478485 pixels")
                .hasMessageContaining("refused before decoding");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("100000x100000 PNG header refused in %d ms%n", ms);
        assertThat(ms).isLessThan(2000);
    }

    @Test
    void configurableLimit() {
        assertThatThrownBy(() -> ImageDecoder.decode(IMAGES.resolve("gradient_200x150.png"), new ImageLimits(10_000)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("gradient_200x150.png")
                .hasMessageContaining("200x150 = 30000 pixels, over the limit of 10000 pixels");
        assertThatThrownBy(() -> new ImageLimits(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void zeroSizedImage() throws Exception {
        for (int[] wh : new int[][] {{0, 10}, {10, 0}, {0, 0}}) {
            byte[] png = pngHeader(wh[0], wh[1]);
            assertThatThrownBy(() -> ImageDecoder.decode(png, ImageLimits.defaults()))
                    .as("%dx%d", wh[0], wh[1])
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("PNG")
                    .hasMessageContaining("zero-sized");
        }
    }

    @Test
    void truncatedPng() throws Exception {
        byte[] all = Files.readAllBytes(IMAGES.resolve("checker_257x181.png"));
        Path f = Files.write(tmp.resolve("cut.png"), Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> ImageDecoder.decode(f, ImageLimits.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cut.png")
                .hasMessageContaining("PNG data is corrupt or truncated");
    }

    @Test
    void pngCutInsideHeader() throws Exception {
        byte[] all = Files.readAllBytes(IMAGES.resolve("checker_257x181.png"));
        byte[] cut = Arrays.copyOf(all, 20);
        assertThatThrownBy(() -> ImageDecoder.decode(cut, ImageLimits.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("PNG header is corrupt or truncated");
    }

    @Test
    void truncatedJpeg() throws Exception {
        byte[] all = Files.readAllBytes(IMAGES.resolve("noise_320x240.jpg"));
        Path f = Files.write(tmp.resolve("cut.jpg"), Arrays.copyOf(all, all.length / 2));
        assertThatThrownBy(() -> ImageDecoder.decode(f, ImageLimits.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("cut.jpg")
                .hasMessageContaining("JPEG data is corrupt or truncated");
    }

    @Test
    void notAnImage() throws Exception {
        Path f = Files.writeString(tmp.resolve("notes.png"), "these are not pixels, whatever the name says\n");
        assertThatThrownBy(() -> ImageDecoder.decode(f, ImageLimits.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("notes.png")
                .hasMessageContaining("is not an image in a format ImageIO can read")
                .hasMessageContaining("starts with bytes 7468657365");
        assertThatThrownBy(() -> ImageDecoder.decode(new byte[0], ImageLimits.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("empty (0 bytes)");
    }

    @Test
    void unsupportedFormat() throws Exception {
        byte[] webp = new byte[40];
        System.arraycopy("RIFF".getBytes(StandardCharsets.US_ASCII), 0, webp, 0, 4);
        webp[4] = 32;
        System.arraycopy("WEBPVP8 ".getBytes(StandardCharsets.US_ASCII), 0, webp, 8, 8);
        assertThatThrownBy(() -> ImageDecoder.decode(webp, ImageLimits.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is a WebP image, a format ImageIO cannot read")
                .hasMessageContaining("convert it to PNG or JPEG");
    }

    @Test
    void missingFile() {
        assertThatThrownBy(() -> ImageDecoder.decode(tmp.resolve("absent.jpg"), ImageLimits.defaults()))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("absent.jpg");
    }

    @Test
    void badSizes() {
        RgbImage img = new RgbImage(2, 2, new byte[12]);
        assertThatThrownBy(() -> PillowResize.bicubic(img, 0, 5))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("output size must be positive");
        assertThatThrownBy(() -> ImageTransform.vlEval(0))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("size 0 is outside");
        assertThatThrownBy(() -> new RgbImage(0, 5, new byte[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RgbImage(2, 2, new byte[11]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs 12 bytes, got 11");
    }
}
