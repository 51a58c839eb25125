package dev.beit3.expert.vision.image;

import dev.beit3.api.Api;

import dev.beit3.api.RgbImage;
import dev.beit3.api.ImageLimits;

import dev.beit3.api.InvalidInputException;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Objects;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes image files with ImageIO (PNG, JPEG, GIF, BMP, WBMP, TIFF) into RGB the way the reference does
 * (torchvision's {@code default_loader}: PIL {@code open} + {@code convert('RGB')}):
 *
 * <ul>
 *   <li>grey is replicated to three channels; alpha is dropped <em>without</em> compositing; palettes are expanded
 *       (palette transparency ignored);
 *   <li>samples are taken from the raster as stored, with no colour management (no gamma, no ICC conversion), as
 *       PIL does;
 *   <li>16-bit colour or grey+alpha samples keep their high byte (PIL's {@code ;16B} raw modes); 16-bit grey without
 *       alpha is clipped to 0..255 (PIL opens it as mode {@code I} and {@code I → RGB} clips); 1/2/4-bit samples are
 *       scaled to 0..255;
 *   <li>only the first frame of animated or multi-page files; EXIF orientation is not applied (nor by the reference).
 * </ul>
 *
 * <p>The image size is read from the header and checked against {@link ImageLimits} before any pixel is decoded.
 * Truncated or corrupt data, unsupported formats and non-images give an {@link InvalidInputException} naming the
 * input and the reason. JPEG pixels can differ from the reference's libjpeg-turbo by a few levels.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class ImageDecoder {
    private ImageDecoder() {}

    /**
     * Decodes an image file.
     *
     * @param file the file
     * @param limits size limits
     * @return the RGB pixels
     * @throws IOException if the file cannot be read
     * @throws InvalidInputException if the content is not a decodable image within the limits
     */
    public static RgbImage decode(Path file, ImageLimits limits) throws IOException {
        Objects.requireNonNull(file, "file");
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "image file not found");
        }
        long size = Files.size(file);
        if (size > Integer.MAX_VALUE - 16) {
            throw new InvalidInputException("image file '" + file + "' has " + size + " bytes, more than the 2 GB an"
                    + " image file may have here");
        }
        return decode(Files.readAllBytes(file), "'" + file + "'", limits);
    }

    /**
     * Decodes an image held in memory.
     *
     * @param bytes the encoded image (file content)
     * @param limits size limits
     * @return the RGB pixels
     * @throws IOException declared for symmetry with {@link #decode(Path, ImageLimits)}; not thrown for in-memory
     *     data
     * @throws InvalidInputException if the bytes are not a decodable image within the limits
     */
    public static RgbImage decode(byte[] bytes, ImageLimits limits) throws IOException {
        return decode(bytes, "the image bytes", limits);
    }

    static RgbImage decode(byte[] bytes, String name, ImageLimits limits) {
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(limits, "limits");
        if (bytes.length == 0) {
            throw new InvalidInputException(name + " is empty (0 bytes): not an image");
        }
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(bytes))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                String known = ImageFormats.sniff(bytes);
                if (known != null) {
                    throw new InvalidInputException(name + " is a " + known + " image, a format ImageIO cannot read"
                            + "; convert it to PNG or JPEG");
                }
                throw new InvalidInputException(name + " is not an image in a format ImageIO can read (PNG, JPEG, GIF,"
                        + " BMP, WBMP, TIFF); it starts with bytes " + ImageFormats.hexPrefix(bytes, 12));
            }
            ImageReader reader = readers.next();
            String format = reader.getFormatName().toUpperCase(Locale.ROOT);
            if (format.equals("BMP")) {
                checkBmpSizes(bytes, name);
            }
            try {
                reader.setInput(in, true, true);
                int w;
                int h;
                try {
                    w = reader.getWidth(0);
                    h = reader.getHeight(0);
                } catch (IIOException | RuntimeException e) {
                    // ImageIO's plugins report some corrupt headers with NullPointerException,
                    // NegativeArraySizeException, ArithmeticException...: all mean "corrupt header"
                    String why = message(e);
                    if (why.contains("<= 0")) {
                        throw new InvalidInputException(name + ": the " + format + " header declares a zero-sized "
                                + "image (" + why + ")", e);
                    }
                    throw new InvalidInputException(name + ": the " + format + " header is corrupt or truncated ("
                            + why + ")", e);
                }
                if (w <= 0 || h <= 0) {
                    throw new InvalidInputException(name + ": the " + format + " header declares a zero-sized image ("
                            + w + "x" + h + ")");
                }
                long pixels = (long) w * h;
                if (pixels > limits.maxPixels()) {
                    throw new InvalidInputException(name + ": the " + format + " image is " + w + "x" + h + " = "
                            + pixels + " pixels, over the limit of " + limits.maxPixels() + " pixels (a possible "
                            + "decompression bomb); refused before decoding. Raise ImageLimits.maxPixels if the image "
                            + "is trusted.");
                }
                if (format.equals("JPEG") || format.equals("JPG")) {
                    checkJpegScans(bytes, name, w, h);
                }
                checkSampleLayout(reader, name, format);
                WarningCollector warnings = new WarningCollector();
                reader.addIIOReadWarningListener(warnings);
                BufferedImage img;
                try {
                    img = reader.read(0);
                } catch (IIOException | RuntimeException e) {
                    // as for the header: corrupt data surfaces as any runtime exception inside the plugins
                    String why = message(e);
                    if (why.contains("Unsupported Image Type")) {
                        throw new InvalidInputException(name + ": the " + format + " image uses a colour type ImageIO"
                                + " cannot decode (e.g. CMYK or YCCK JPEG): " + why + "; convert it to RGB", e);
                    }
                    throw new InvalidInputException(name + ": the " + format + " data is corrupt or truncated ("
                            + why + ")", e);
                } catch (IOException e) {
                    throw new InvalidInputException(name + ": the " + format + " data is corrupt or truncated ("
                            + message(e) + ")", e);
                } catch (OutOfMemoryError e) {
                    throw new InvalidInputException(name + ": not enough memory to decode the " + w + "x" + h + " "
                            + format + " image; lower ImageLimits.maxPixels or give the JVM more heap (-Xmx)", e);
                }
                if (warnings.fatal != null) {
                    throw new InvalidInputException(name + ": the " + format + " data is corrupt or truncated ("
                            + warnings.fatal + "); the reference (PIL) refuses such files too");
                }
                return toRgb(img, name, format);
            } finally {
                reader.dispose();
            }
        } catch (IOException e) {
            throw new InvalidInputException(name + ": cannot read the image (" + message(e) + ")", e);
        }
    }

    /**
     * ImageIO's BMP reader allocates the compressed-data buffer of RLE/JPEG/PNG-compressed bitmaps from the header's
     * image-size field, and the palette from the pixel-data offset, before reading them: a 1 KB file can make it
     * allocate gigabytes. Both must lie inside the file.
     */
    static void checkBmpSizes(byte[] b, String name) {
        if (b.length < 54) {
            return; // too short for the fields below: ImageIO reports it as truncated
        }
        long offBits = u32le(b, 10);
        long headerSize = u32le(b, 14);
        if (offBits > b.length) {
            throw new InvalidInputException(name + ": the BMP header puts the pixel data at byte " + offBits
                    + ", past the end of the " + b.length + "-byte file: the file is corrupt or truncated");
        }
        if (headerSize >= 40) {
            long compression = u32le(b, 30);
            long imageSize = u32le(b, 34);
            if (compression != 0 && compression != 3 && imageSize > b.length - offBits) {
                throw new InvalidInputException(name + ": the BMP header declares " + imageSize + " bytes of "
                        + "compressed pixel data but the file holds " + (b.length - offBits)
                        + " after the header: the file is corrupt or truncated");
            }
        }
    }

    /**
     * Checks the samples the header declares before decoding: ImageIO's TIFF reader sizes its buffers and
     * conversion tables from bits-per-sample and samples-per-pixel, so a 500-byte file declaring 27-bit samples
     * exhausts the heap. Real images have at most 8 bands of at most 32 bits.
     */
    /**
     * Most scans accepted in a JPEG. A baseline JPEG has one scan (or one per component), libjpeg's default
     * progression 10 (6 for grey), a full spectral-selection script a few dozen; the decoder redoes work over the whole
     * image at every scan, so thousands of tiny scans (an 18 MB file of 2048² pixels took 51 s) are a CPU bomb. This
     * follows libjpeg-turbo's {@code -maxscans} / {@code TJPARAM_SCANLIMIT} guard, with a lower limit.
     */
    static final int MAX_JPEG_SCANS = 100;
    /**
     * Most decode work accepted, in pixels × scans: 2^28 (about 3.5 s at the 4–13 ns per pixel and scan measured for
     * ImageIO's progressive decoder on a shared machine), e.g. 64 scans of 2048², or the default 10 scans of a
     * 26-megapixel photograph.
     */
    static final long MAX_JPEG_SCAN_WORK = 1L << 28;

    /** Counts the scans (SOS segments before the first EOI) and refuses CPU-bomb progressions. */
    static void checkJpegScans(byte[] bytes, String name, int w, int h) {
        int scans = countJpegScans(bytes);
        long work = (long) w * h * scans;
        if (scans > MAX_JPEG_SCANS || work > MAX_JPEG_SCAN_WORK) {
            throw new InvalidInputException(name + ": the JPEG image (" + w + "x" + h + ") has " + scans + " scans"
                    + (scans > MAX_JPEG_SCANS ? ", more than the " + MAX_JPEG_SCANS + " accepted"
                    : ", which at this size is more decoding work than the limit of " + MAX_JPEG_SCAN_WORK
                    + " pixels × scans") + " (normal progressive JPEGs have about 10; many scans are a CPU"
                    + " decompression bomb); refused before decoding. Re-encode it, e.g. as a baseline JPEG or PNG.");
        }
    }

    /** The number of start-of-scan segments of a JPEG, up to its first end-of-image marker. */
    static int countJpegScans(byte[] b) {
        int p = 2; // after SOI
        int scans = 0;
        while (p + 3 < b.length) {
            if ((b[p] & 0xff) != 0xff) {
                p++; // garbage between segments: the decoder skips it too
                continue;
            }
            int m = b[p + 1] & 0xff;
            if (m == 0xff) {
                p++; // fill byte
                continue;
            }
            if (m == 0xd9) {
                break; // EOI
            }
            if (m == 0x01 || m == 0x00 || (m >= 0xd0 && m <= 0xd7)) {
                p += 2; // markers without a length
                continue;
            }
            int len = (b[p + 2] & 0xff) << 8 | (b[p + 3] & 0xff);
            if (len < 2) {
                break;
            }
            p += 2 + len;
            if (m == 0xda) {
                scans++;
                while (p + 1 < b.length) { // entropy-coded data: up to the next marker other than RSTn / stuffing
                    if ((b[p] & 0xff) == 0xff) {
                        int n = b[p + 1] & 0xff;
                        if (n == 0 || (n >= 0xd0 && n <= 0xd7)) {
                            p += 2;
                            continue;
                        }
                        if (n != 0xff) {
                            break;
                        }
                    }
                    p++;
                }
            }
        }
        return scans;
    }

    private static void checkSampleLayout(ImageReader reader, String name, String format) {
        javax.imageio.ImageTypeSpecifier raw;
        try {
            raw = reader.getRawImageType(0);
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(name + ": the " + format + " header is corrupt (" + message(e) + ")", e);
        }
        if (format.startsWith("TIF")) {
            checkTiffSamples(reader, name, format);
        }
        if (raw == null) {
            return;
        }
        java.awt.image.SampleModel sm = raw.getSampleModel();
        if (sm.getNumBands() > 8) {
            throw new InvalidInputException(name + ": the " + format + " header declares " + sm.getNumBands()
                    + " samples per pixel; the file is corrupt");
        }
        for (int b = 0; b < sm.getNumBands(); b++) {
            int bits = sm.getSampleSize(b);
            if (bits < 1 || bits > 32) {
                throw new InvalidInputException(name + ": the " + format + " header declares " + bits
                        + "-bit samples in channel " + b + "; the file is corrupt");
            }
        }
    }

    /** The TIFF tags themselves: BitsPerSample (258) and SamplesPerPixel (277), which the raw type may not show. */
    private static void checkTiffSamples(ImageReader reader, String name, String format) {
        javax.imageio.plugins.tiff.TIFFDirectory dir;
        try {
            javax.imageio.metadata.IIOMetadata md = reader.getImageMetadata(0);
            if (md == null) {
                return;
            }
            dir = javax.imageio.plugins.tiff.TIFFDirectory.createFromMetadata(md);
        } catch (IOException | RuntimeException e) {
            throw new InvalidInputException(name + ": the " + format + " header is corrupt (" + message(e) + ")", e);
        }
        javax.imageio.plugins.tiff.TIFFField spp = dir.getTIFFField(277);
        if (spp != null && (spp.getAsInt(0) < 1 || spp.getAsInt(0) > 8)) {
            throw new InvalidInputException(name + ": the " + format + " header declares " + spp.getAsInt(0)
                    + " samples per pixel; the file is corrupt");
        }
        javax.imageio.plugins.tiff.TIFFField bps = dir.getTIFFField(258);
        if (bps != null) {
            for (int i = 0; i < bps.getCount(); i++) {
                int bits = bps.getAsInt(i);
                // the decompressor builds a table of 2^bits entries for samples that are not 8, 16 or 32 bits
                // wide: 17..31-bit samples would need up to 8 GB for a few hundred bytes of file
                if (bits < 1 || (bits > 16 && bits != 32)) {
                    throw new InvalidInputException(name + ": the " + format + " header declares " + bits
                            + "-bit samples (BitsPerSample); only 1 to 16 or 32 bits are supported, the file is"
                            + " corrupt");
                }
            }
        }
    }

    private static long u32le(byte[] b, int p) {
        return (b[p] & 0xffL) | (b[p + 1] & 0xffL) << 8 | (b[p + 2] & 0xffL) << 16 | (b[p + 3] & 0xffL) << 24;
    }

    private static String message(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (sb.length() > 0) {
                sb.append(": ");
            }
            sb.append(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }

    /** Converts a decoded image to 8-bit RGB from its raw samples, following PIL's {@code convert('RGB')}. */
    static RgbImage toRgb(BufferedImage img, String name, String format) {
        int w = img.getWidth();
        int h = img.getHeight();
        Raster r = img.getRaster();
        ColorModel cm = img.getColorModel();
        byte[] out = new byte[Math.multiplyExact(Math.multiplyExact(w, h), 3)];
        int minX = r.getMinX();
        int minY = r.getMinY();
        if (cm instanceof IndexColorModel icm) {
            int[] idx = new int[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(minX, minY + y, w, 1, 0, idx);
                for (int x = 0; x < w; x++) {
                    int o = (y * w + x) * 3;
                    int i = idx[x];
                    out[o] = (byte) icm.getRed(i);
                    out[o + 1] = (byte) icm.getGreen(i);
                    out[o + 2] = (byte) icm.getBlue(i);
                }
            }
            return new RgbImage(w, h, out);
        }
        int colors = cm.getNumColorComponents();
        boolean alpha = cm.hasAlpha();
        if (colors != 1 && colors != 3) {
            throw new InvalidInputException(name + ": " + format + " images with " + colors + " colour components ("
                    + "e.g. CMYK) are not supported; convert the image to RGB");
        }
        int[] bits = new int[colors];
        for (int c = 0; c < colors; c++) {
            bits[c] = r.getSampleModel().getSampleSize(c);
            if (bits[c] < 1 || bits[c] > 32) {
                throw new InvalidInputException(name + ": the " + format + " image declares " + bits[c]
                        + "-bit samples in channel " + c + "; the file is corrupt");
            }
        }
        int[] row = new int[w];
        for (int c = 0; c < 3; c++) {
            int band = colors == 1 ? 0 : c;
            int b = bits[band];
            boolean clipGray16 = colors == 1 && !alpha && b == 16;
            for (int y = 0; y < h; y++) {
                r.getSamples(minX, minY + y, w, 1, band, row);
                for (int x = 0; x < w; x++) {
                    out[(y * w + x) * 3 + c] = (byte) to8(row[x], b, clipGray16);
                }
            }
        }
        return new RgbImage(w, h, out);
    }

    private static int to8(int v, int bits, boolean clip) {
        if (bits == 8) {
            return v;
        }
        if (bits > 8) {
            return clip ? Math.min(v, 255) : v >>> (bits - 8);
        }
        return v * 255 / ((1 << bits) - 1);
    }

    /** Keeps the first read warning that means the data is incomplete or damaged. */
    private static final class WarningCollector implements javax.imageio.event.IIOReadWarningListener {
        private String fatal;

        @Override
        public void warningOccurred(ImageReader source, String warning) {
            String wl = warning == null ? "" : warning.toLowerCase(Locale.ROOT);
            if (fatal == null && (wl.contains("premature") || wl.contains("truncat") || wl.contains("corrupt")
                    || wl.contains("end of"))) {
                fatal = warning;
            }
        }
    }

    /** Recognises common formats ImageIO cannot read, for a precise message. */
    static final class ImageFormats {
        private ImageFormats() {}

        static String sniff(byte[] b) {
            if (starts(b, 0, "RIFF") && starts(b, 8, "WEBP")) {
                return "WebP";
            }
            if (starts(b, 4, "ftyp")) {
                String brand = b.length >= 12 ? new String(b, 8, 4, StandardCharsets.ISO_8859_1) : "";
                if (brand.startsWith("avi")) {
                    return "AVIF";
                }
                if (brand.startsWith("hei") || brand.startsWith("mif") || brand.startsWith("hev")) {
                    return "HEIF/HEIC";
                }
            }
            if (starts(b, 0, "8BPS")) {
                return "Photoshop (PSD)";
            }
            if (b.length >= 4 && b[0] == 0 && b[1] == 0 && b[2] == 1 && b[3] == 0) {
                return "ICO";
            }
            if (b.length >= 12 && b[0] == 0 && b[1] == 0 && b[2] == 0 && b[3] == 0x0c && starts(b, 4, "jP  ")) {
                return "JPEG 2000";
            }
            if (b.length >= 4 && (b[0] & 0xff) == 0xff && b[1] == 0x0a) {
                return "JPEG XL";
            }
            if (starts(b, 0, "gimp xcf")) {
                return "GIMP XCF";
            }
            if (starts(b, 0, "\u0089PNG") || (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8)) {
                return null;
            }
            return null;
        }

        private static boolean starts(byte[] b, int off, String magic) {
            if (b.length < off + magic.length()) {
                return false;
            }
            for (int i = 0; i < magic.length(); i++) {
                if ((b[off + i] & 0xff) != magic.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        static String hexPrefix(byte[] b, int n) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < Math.min(n, b.length); i++) {
                sb.append(String.format("%02x", b[i] & 0xff));
            }
            return sb.append(b.length > n ? "..." : "").toString();
        }
    }
}
