package dev.beit3.expert.vision.image;

import dev.beit3.api.RgbImage;
import dev.beit3.api.ImageLimits;

import dev.beit3.api.InvalidInputException;
import dev.beit3.core.testing.Fixtures;
import dev.beit3.core.testing.fuzz.FuzzSupport;
import dev.beit3.core.testing.fuzz.Fuzzer;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fuzzes the image decoder and the preprocessing behind it: every mutated PNG, JPEG, GIF, BMP, TIFF or WBMP either
 * decodes to an image that both reference transforms accept, or is refused with an {@link InvalidInputException}
 * (or {@link IOException}) in time and within the heap of the {@code fuzz} execution ({@code -Xmx512m}).
 *
 * <p>Long run: {@code mvn -o -pl expert-vision -am verify -Dbeit3.fuzz.seconds=3600}.
 */
@Tag("fuzz")
class ImageFuzzTest {
    @TempDir
    Path dir;

    private static final ImageLimits LIMITS = new ImageLimits(1 << 22);
    private static final ImageTransform IMAGENET = ImageTransform.imagenetEval(64);
    private static final ImageTransform VL = ImageTransform.vlEval(32);

    static boolean target(byte[] in) throws IOException {
        RgbImage img = ImageDecoder.decode(in, LIMITS);
        IMAGENET.toTensor(img);
        VL.toTensor(img);
        return true;
    }

    /** Small images in every format ImageIO writes, with grey, palette, 16-bit and alpha variants. */
    static List<byte[]> generated() throws IOException {
        List<byte[]> out = new ArrayList<>();
        BufferedImage rgb = new BufferedImage(13, 9, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 9; y++) {
            for (int x = 0; x < 13; x++) {
                rgb.setRGB(x, y, (x * 19) << 16 | (y * 27) << 8 | (x * y) & 0xff);
            }
        }
        for (String fmt : List.of("png", "jpeg", "gif", "bmp", "tiff")) {
            out.add(write(rgb, fmt));
        }
        out.add(write(convert(rgb, BufferedImage.TYPE_BYTE_BINARY), "wbmp"));
        out.add(write(convert(rgb, BufferedImage.TYPE_USHORT_GRAY), "png"));
        out.add(write(convert(rgb, BufferedImage.TYPE_BYTE_INDEXED), "png"));
        out.add(write(convert(rgb, BufferedImage.TYPE_INT_ARGB), "png"));
        out.add(write(convert(rgb, BufferedImage.TYPE_BYTE_GRAY), "jpeg"));
        out.add(write(convert(rgb, BufferedImage.TYPE_BYTE_GRAY), "tiff"));
        return out;
    }

    /** Reliability II: a JPEG's last scan repeated up to a few hundred times (the scan-count CPU bomb). */
    static byte[] manyScans(byte[] in, java.util.SplittableRandom r) {
        if (in.length < 4 || (in[0] & 0xff) != 0xff || (in[1] & 0xff) != 0xd8
                || JpegScanLimitTest.scanStarts(in).isEmpty() || (in[in.length - 1] & 0xff) != 0xd9) {
            return null;
        }
        int[] counts = {2, 11, 64, ImageDecoder.MAX_JPEG_SCANS, ImageDecoder.MAX_JPEG_SCANS + 1, 300};
        return JpegScanLimitTest.withScans(in, counts[r.nextInt(counts.length)]);
    }

    private static BufferedImage convert(BufferedImage src, int type) {
        BufferedImage b = new BufferedImage(src.getWidth(), src.getHeight(), type);
        b.getGraphics().drawImage(src, 0, 0, null);
        return b;
    }

    private static byte[] write(BufferedImage img, String fmt) throws IOException {
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        if (!ImageIO.write(img, fmt, o)) {
            throw new IllegalStateException("no ImageIO writer for " + fmt);
        }
        return o.toByteArray();
    }

    @Test
    void images() throws IOException {
        List<byte[]> seeds = new ArrayList<>(FuzzSupport.files(Fixtures.projectFixtures().resolve("preprocess/images"), ".png",
                ".jpg"));
        seeds.addAll(generated());
        seeds.add(JpegScanLimitTest.progressive(24, 16)); // progressive: several scans
        seeds.addAll(FuzzSupport.files(Path.of("src/test/resources/fuzz-regressions/image"), ""));
        Fuzzer.Report r = Fuzzer.campaign("image").seconds(15).seed(23)
                .seeds(seeds)
                .maxInputBytes(1 << 19)
                .mutator((in, rnd, pool) -> manyScans(in, rnd))
                .dictionary(FuzzSupport.ascii("IHDR"), FuzzSupport.ascii("IDAT"), FuzzSupport.ascii("IEND"),
                        FuzzSupport.ascii("PLTE"), FuzzSupport.ascii("tRNS"), FuzzSupport.ascii("\u00ff\u00d8\u00ff"),
                        FuzzSupport.ascii("\u00ff\u00c0"), FuzzSupport.ascii("\u00ff\u00c4"), FuzzSupport.ascii("\u00ff\u00da"),
                        FuzzSupport.ascii("GIF89a"), FuzzSupport.ascii("NETSCAPE2.0"), FuzzSupport.ascii("BM"),
                        FuzzSupport.ascii("II*\u0000"), FuzzSupport.ascii("MM\u0000*"),
                        FuzzSupport.ascii("\u00ff\u00ff\u00ff\u007f"))
                .expected(InvalidInputException.class).expected(IOException.class)
                .run(ImageFuzzTest::target);
        FuzzSupport.assertClean(r, dir);
    }
}
