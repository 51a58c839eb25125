package dev.beit3.expert.vision.image;

import dev.beit3.api.RgbImage;
import dev.beit3.api.ImageLimits;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.awt.image.WritableRaster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * PIL {@code convert('RGB')} rules on small synthetic files: alpha dropped without compositing, palettes expanded,
 * grey replicated, 16-bit samples reduced as Pillow does. Also the transforms' special cases.
 */
class DecoderSemanticsTest {

    static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(ImageIO.write(img, format, out)).as("writer for %s", format).isTrue();
        return out.toByteArray();
    }

    static int[] rgb(RgbImage im, int x, int y) {
        return new int[] {im.sample(x, y, 0), im.sample(x, y, 1), im.sample(x, y, 2)};
    }

    @Test
    void alphaIsDroppedWithoutCompositing() throws Exception {
        BufferedImage img = new BufferedImage(2, 1, BufferedImage.TYPE_4BYTE_ABGR);
        WritableRaster r = img.getRaster();
        r.setPixel(0, 0, new int[] {10, 20, 30, 0});
        r.setPixel(1, 0, new int[] {200, 100, 50, 128});
        RgbImage im = ImageDecoder.decode(encode(img, "png"), ImageLimits.defaults());
        assertThat(rgb(im, 0, 0)).containsExactly(10, 20, 30);
        assertThat(rgb(im, 1, 0)).containsExactly(200, 100, 50);
    }

    @Test
    void greyIsReplicatedWithoutGamma() throws Exception {
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 77, 255});
        RgbImage im = ImageDecoder.decode(encode(img, "png"), ImageLimits.defaults());
        assertThat(rgb(im, 1, 0)).containsExactly(77, 77, 77);
        assertThat(rgb(im, 2, 0)).containsExactly(255, 255, 255);
    }

    @Test
    void sixteenBitGreyIsClippedLikePilModeI() throws Exception {
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        img.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {100, 255, 60000});
        RgbImage im = ImageDecoder.decode(encode(img, "png"), ImageLimits.defaults());
        assertThat(rgb(im, 0, 0)).containsExactly(100, 100, 100);
        assertThat(rgb(im, 1, 0)).containsExactly(255, 255, 255);
        assertThat(rgb(im, 2, 0)).containsExactly(255, 255, 255);
    }

    @Test
    void palettesAreExpanded() throws Exception {
        byte[] rr = new byte[256];
        byte[] gg = new byte[256];
        byte[] bb = new byte[256];
        rr[0] = (byte) 250;
        gg[0] = 2;
        bb[0] = 3;
        rr[1] = 1;
        gg[1] = (byte) 251;
        bb[1] = 4;
        bb[2] = (byte) 252;
        IndexColorModel icm = new IndexColorModel(8, 256, rr, gg, bb);
        BufferedImage img = new BufferedImage(3, 1, BufferedImage.TYPE_BYTE_INDEXED, icm);
        img.getRaster().setSamples(0, 0, 3, 1, 0, new int[] {0, 1, 2});
        for (String format : new String[] {"png", "gif", "bmp"}) {
            RgbImage im = ImageDecoder.decode(encode(img, format), ImageLimits.defaults());
            assertThat(rgb(im, 0, 0)).as(format).containsExactly(250, 2, 3);
            assertThat(rgb(im, 1, 0)).as(format).containsExactly(1, 251, 4);
            assertThat(rgb(im, 2, 0)).as(format).containsExactly(0, 0, 252);
        }
    }

    @Test
    void bmpRgb() throws Exception {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_3BYTE_BGR);
        img.getRaster().setPixel(1, 1, new int[] {9, 8, 7});
        RgbImage im = ImageDecoder.decode(encode(img, "bmp"), ImageLimits.defaults());
        assertThat(rgb(im, 1, 1)).containsExactly(9, 8, 7);
        assertThat(rgb(im, 0, 0)).containsExactly(0, 0, 0);
    }

    @Test
    void imagenetEvalCifarPathKeepsTheImage() {
        RgbImage in = new RgbImage(40, 20, new byte[40 * 20 * 3]);
        assertThat(ImageTransform.imagenetEval(32).geometry(in)).isSameAs(in);
        assertThat(ImageTransform.imagenetEval(32).toTensor(in)).hasSize(3 * 40 * 20);
        assertThat(ImageTransform.imagenetEval(33).geometry(in).width()).isEqualTo(33);
    }

    @Test
    void centreCropRoundsHalfToEven() {
        // 7 columns, crop 2 → (7-2)/2 = 2.5 → 2 (half to even); 9 columns: 3.5 → 4
        byte[] px = new byte[9 * 2 * 3];
        for (int x = 0; x < 9; x++) {
            for (int y = 0; y < 2; y++) {
                px[(y * 9 + x) * 3] = (byte) x;
            }
        }
        RgbImage nine = new RgbImage(9, 2, px);
        assertThat(ImageTransform.centerCrop(nine, 2).sample(0, 0, 0)).isEqualTo(4);
        RgbImage seven = PillowResize.bicubic(nine, 9, 2); // identity
        assertThat(seven).isEqualTo(nine);
        byte[] px7 = new byte[7 * 2 * 3];
        for (int x = 0; x < 7; x++) {
            px7[x * 3] = (byte) x;
            px7[(7 + x) * 3] = (byte) x;
        }
        assertThat(ImageTransform.centerCrop(new RgbImage(7, 2, px7), 2).sample(0, 0, 0)).isEqualTo(2);
    }

    @Test
    void shorterSideAlreadyRightMeansNoResize() {
        byte[] px = new byte[300 * 224 * 3];
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) (i * 31);
        }
        RgbImage in = new RgbImage(300, 224, px);
        RgbImage out = ImageTransform.imagenetEval(224).geometry(in);
        // crop offset round(76/2) = 38, no resampling
        assertThat(out.sample(0, 0, 0)).isEqualTo(in.sample(38, 0, 0));
        assertThat(out.sample(223, 223, 2)).isEqualTo(in.sample(38 + 223, 223, 2));
    }
}
