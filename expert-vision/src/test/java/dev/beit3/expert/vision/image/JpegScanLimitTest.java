package dev.beit3.expert.vision.image;

import dev.beit3.api.RgbImage;
import dev.beit3.api.ImageLimits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beit3.api.InvalidInputException;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Reliability II (issue 17), defect 5: a progressive JPEG with thousands of scans cost 51 s of CPU to decode. Scans
 * are now counted before decoding and bounded. The JPEGs are written here with ImageIO's progressive mode, and the
 * hostile ones repeat the last scan of such a file.
 */
class JpegScanLimitTest {

    /** A progressive JPEG of a colour gradient, as ImageIO writes it (libjpeg's default progression). */
    static byte[] progressive(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, (x * 255 / w) << 16 | (y * 255 / h) << 8 | ((x ^ y) & 0xff));
            }
        }
        ImageWriter wr = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(o)) {
            wr.setOutput(out);
            ImageWriteParam p = wr.getDefaultWriteParam();
            p.setProgressiveMode(ImageWriteParam.MODE_DEFAULT);
            wr.write(null, new IIOImage(img, null, null), p);
        } finally {
            wr.dispose();
        }
        return o.toByteArray();
    }

    /** Start offsets of the SOS segments and of EOI, found by walking the markers. */
    static List<Integer> scanStarts(byte[] b) {
        List<Integer> out = new ArrayList<>();
        for (int p = 2; p + 1 < b.length; p++) {
            if ((b[p] & 0xff) == 0xff && (b[p + 1] & 0xff) == 0xda) {
                out.add(p);
            }
        }
        return out;
    }

    /** The file with its last scan repeated until it has {@code scans} scans. */
    static byte[] withScans(byte[] jpeg, int scans) {
        List<Integer> sos = scanStarts(jpeg);
        int last = sos.get(sos.size() - 1);
        int eoi = jpeg.length - 2;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        o.write(jpeg, 0, eoi);
        for (int i = sos.size(); i < scans; i++) {
            o.write(jpeg, last, eoi - last);
        }
        o.write(jpeg, eoi, 2);
        return o.toByteArray();
    }

    @Test
    void anOrdinaryProgressiveJpegStillDecodes() throws IOException {
        byte[] jpeg = progressive(64, 48);
        int scans = ImageDecoder.countJpegScans(jpeg);
        assertThat(scans).isBetween(2, 20); // libjpeg's default script: 10 scans for colour
        RgbImage img = ImageDecoder.decode(jpeg, new ImageLimits(1 << 20));
        assertThat(img.width()).isEqualTo(64);
        assertThat(img.height()).isEqualTo(48);
    }

    @Test
    void repeatedScansAreCountedAsTheDecoderSeesThem() throws IOException {
        byte[] jpeg = progressive(32, 32);
        assertThat(ImageDecoder.countJpegScans(withScans(jpeg, 57))).isEqualTo(57);
    }

    @ParameterizedTest(name = "{0} scans")
    @ValueSource(ints = {ImageDecoder.MAX_JPEG_SCANS + 1, 1000, 5000})
    void tooManyScansAreRefusedBeforeDecoding(int scans) throws IOException {
        byte[] bomb = withScans(progressive(64, 64), scans);
        assertThatThrownBy(() -> ImageDecoder.decode(bomb, new ImageLimits(1 << 20)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("has " + scans + " scans, more than the " + ImageDecoder.MAX_JPEG_SCANS
                        + " accepted")
                .hasMessageContaining("refused before decoding");
    }

    @Test
    void scansTimesPixelsAreBoundedTooForLargeImages() throws IOException {
        // 2048 × 1536 = 3.1 Mpx: 90 scans are under the count limit but 2.8e8 pixel-scans, over the work limit
        assertThat(2048L * 1536 * 90).isGreaterThan(ImageDecoder.MAX_JPEG_SCAN_WORK);
        assertThat(2048L * 1536 * 90 / 10).isLessThan(ImageDecoder.MAX_JPEG_SCAN_WORK); // the usual 10 scans fit
        byte[] big = withScans(progressive(2048, 1536), 90);
        assertThatThrownBy(() -> ImageDecoder.decode(big, new ImageLimits(1L << 26)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("2048x1536")
                .hasMessageContaining("has 90 scans, which at this size is more decoding work than the limit of "
                        + ImageDecoder.MAX_JPEG_SCAN_WORK);
    }
}
