package dev.beit3.api;

/**
 * Limits that protect the process from hostile or accidental huge images (decompression bombs). The size is read
 * from the file's header and checked before any pixel is decoded.
 *
 * @param maxPixels the largest accepted width × height
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record ImageLimits(long maxPixels) {
    /** PIL's default decompression-bomb threshold ({@code Image.MAX_IMAGE_PIXELS}): 89,478,485 pixels. */
    public static final long DEFAULT_MAX_PIXELS = 89_478_485L;

    /**
     * Checks the limit.
     *
     * @param maxPixels the largest accepted width × height, positive
     */
    public ImageLimits {
        if (maxPixels <= 0) {
            throw new IllegalArgumentException("maxPixels must be positive, got " + maxPixels);
        }
    }

    /** @return limits with {@link #DEFAULT_MAX_PIXELS} */
    public static ImageLimits defaults() {
        return new ImageLimits(DEFAULT_MAX_PIXELS);
    }
}
