package dev.beit3.api;

import java.util.Arrays;

/**
 * An 8-bit RGB image, row-major HWC: the byte of channel {@code c} of pixel (x, y) is at
 * {@code (y * width + x) * 3 + c}. This is PIL's {@code convert('RGB')} result as a NumPy {@code (H, W, 3) uint8}.
 *
 * <p>Immutable: the pixel array is copied on the way in and on the way out.
 *
 * @param width width in pixels (at least 1)
 * @param height height in pixels (at least 1)
 * @param pixels {@code width * height * 3} bytes, unsigned
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record RgbImage(int width, int height, byte[] pixels) {
    /**
     * Checks the size and copies the pixels.
     *
     * @param width width
     * @param height height
     * @param pixels HWC bytes
     */
    public RgbImage {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("image size " + width + "x" + height + " must be positive");
        }
        if ((long) width * height * 3 != pixels.length) {
            throw new IllegalArgumentException("an image of " + width + "x" + height + " needs " + (long) width * height * 3
                    + " bytes, got " + pixels.length);
        }
        pixels = pixels.clone();
    }

    /** @return a copy of the HWC pixel bytes */
    @Override
    public byte[] pixels() {
        return pixels.clone();
    }

    /**
     * One sample.
     *
     * @param x column
     * @param y row
     * @param channel 0 red, 1 green, 2 blue
     * @return the value, 0..255
     */
    public int sample(int x, int y, int channel) {
        if (x < 0 || x >= width || y < 0 || y >= height || channel < 0 || channel > 2) {
            throw new IndexOutOfBoundsException("(" + x + ", " + y + ", " + channel + ") outside " + width + "x"
                    + height + "x3");
        }
        return pixels[(y * width + x) * 3 + channel] & 0xff;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RgbImage r && width == r.width && height == r.height && Arrays.equals(pixels, r.pixels);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * width + height) + Arrays.hashCode(pixels);
    }

    @Override
    public String toString() {
        return "RgbImage[" + width + "x" + height + "]";
    }
}
