package dev.beit3.api;

/**
 * Immutable, validated configuration of a Multiway encoder.
 *
 * <p>Dimension glossary used across the library: B batch, S image side in pixels, P patch side, G =
 * S/P patch grid side, N = G² patches, Nv = N + 1 vision tokens (with cls), T text tokens, D model
 * width ({@code dim}), H heads, d = D/H head width, F FFN width ({@code ffnDim}), L layers, V text
 * vocabulary rows.
 *
 * @param family checkpoint family
 * @param dim model width D
 * @param heads attention heads H (must divide D)
 * @param layers number of Multiway layers L
 * @param ffnDim FFN inner width F
 * @param patchSize patch side P
 * @param imageSize image side S (a multiple of P)
 * @param vocabSize text embedding rows V
 * @param maxTextPositions rows of the text position table (1024 in BEiT-3; usable text length is this minus 2)
 * @param layerNormEps epsilon of every LayerNorm (1e-5 in BEiT-3, 1e-6 in VLMo's backbone)
 * @param finalLayerNorm whether the encoder ends with a per-modality LayerNorm
 * @param vlExpertStartLayer first layer index with a vision-language FFN expert; {@code layers} when none
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record EncoderConfig(
        ModelFamily family,
        int dim,
        int heads,
        int layers,
        int ffnDim,
        int patchSize,
        int imageSize,
        int vocabSize,
        int maxTextPositions,
        double layerNormEps,
        boolean finalLayerNorm,
        int vlExpertStartLayer) {

    /** BEiT-3 text vocabulary rows of the released checkpoints. */
    public static final int BEIT3_VOCAB = 64010;

    /**
     * Most image patches N = (S/P)² accepted: 4,096 (a 64 × 64 grid, e.g. 1024 px at patch 16; the released models use
     * at most 48 × 48). Attention memory grows with N², and beyond this the position tables and attention sizes
     * approach {@code int} range.
     */
    public static final int MAX_IMAGE_PATCHES = 4096;

    /**
     * Validates the configuration.
     *
     * @throws IllegalArgumentException naming the inconsistent setting
     */
    public EncoderConfig {
        if (family == null) {
            throw new IllegalArgumentException("family must not be null");
        }
        positive("dim", dim);
        positive("heads", heads);
        positive("layers", layers);
        positive("ffnDim", ffnDim);
        positive("patchSize", patchSize);
        positive("imageSize", imageSize);
        positive("vocabSize", vocabSize);
        positive("maxTextPositions", maxTextPositions);
        if (dim % heads != 0) {
            throw new IllegalArgumentException("dim " + dim + " is not divisible by heads " + heads + " (divisors near "
                    + heads + ": " + nearDivisors(dim, heads) + ")");
        }
        if (imageSize % patchSize != 0) {
            int below = imageSize / patchSize * patchSize;
            throw new IllegalArgumentException("imageSize " + imageSize + " is not a multiple of patchSize " + patchSize
                    + " (use " + (below > 0 ? below + " or " : "") + ((long) below + patchSize) + ")");
        }
        long grid = imageSize / patchSize; // long: the square of a large grid overflows int
        if (grid * grid > MAX_IMAGE_PATCHES) {
            throw new IllegalArgumentException("imageSize " + imageSize + " at patchSize " + patchSize + " makes "
                    + grid + " × " + grid + " = " + grid * grid + " patches, more than the " + MAX_IMAGE_PATCHES
                    + " supported (at most " + (long) Math.sqrt(MAX_IMAGE_PATCHES) * patchSize + " px at this patch size)");
        }
        if (!(layerNormEps > 0)) {
            throw new IllegalArgumentException("layerNormEps must be > 0, got " + layerNormEps);
        }
        if (vlExpertStartLayer < 0 || vlExpertStartLayer > layers) {
            throw new IllegalArgumentException(
                    "vlExpertStartLayer " + vlExpertStartLayer + " outside 0.." + layers);
        }
    }

    private static String nearDivisors(int dim, int heads) {
        int lo = heads;
        while (lo > 1 && dim % lo != 0) {
            lo--;
        }
        int hi = heads;
        while (hi < dim && dim % hi != 0) {
            hi++;
        }
        return lo == hi ? String.valueOf(lo) : lo + ", " + hi;
    }

    private static void positive(String name, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(name + " must be > 0, got " + v);
        }
    }

    /**
     * BEiT-3 base: D 768, H 12, L 12, F 3072, patch 16.
     *
     * @param imageSize image side S
     * @param finalLayerNorm whether the task keeps the final LayerNorm
     * @return the configuration
     */
    public static EncoderConfig beit3Base(int imageSize, boolean finalLayerNorm) {
        return new EncoderConfig(ModelFamily.BEIT3, 768, 12, 12, 3072, 16, imageSize, BEIT3_VOCAB, 1024, 1e-5,
                finalLayerNorm, 12);
    }

    /**
     * BEiT-3 large: D 1024, H 16, L 24, F 4096, patch 16.
     *
     * @param imageSize image side S
     * @param finalLayerNorm whether the task keeps the final LayerNorm
     * @return the configuration
     */
    public static EncoderConfig beit3Large(int imageSize, boolean finalLayerNorm) {
        return new EncoderConfig(ModelFamily.BEIT3, 1024, 16, 24, 4096, 16, imageSize, BEIT3_VOCAB, 1024, 1e-5,
                finalLayerNorm, 24);
    }

    /**
     * Patch grid side G = S / P.
     *
     * @return G
     */
    public int gridSize() {
        return imageSize / patchSize;
    }

    /**
     * Number of patches N = G².
     *
     * @return N
     */
    public int numPatches() {
        return gridSize() * gridSize();
    }

    /**
     * Head width d = D / H.
     *
     * @return d
     */
    public int headDim() {
        return dim / heads;
    }

    /**
     * Returns a copy with another image size.
     *
     * @param size the new S
     * @return the copy
     */
    public EncoderConfig withImageSize(int size) {
        return new EncoderConfig(family, dim, heads, layers, ffnDim, patchSize, size, vocabSize, maxTextPositions,
                layerNormEps, finalLayerNorm, vlExpertStartLayer);
    }

    /**
     * Returns a copy with the final LayerNorm switched on or off.
     *
     * @param on whether the final LayerNorm is applied
     * @return the copy
     */
    public EncoderConfig withFinalLayerNorm(boolean on) {
        return new EncoderConfig(family, dim, heads, layers, ffnDim, patchSize, imageSize, vocabSize,
                maxTextPositions, layerNormEps, on, vlExpertStartLayer);
    }

    /**
     * A one-line summary, e.g. {@code "BEiT-3, dim 768, 12 layers, 12 heads, FFN 3072, image 224/16"}.
     *
     * @return the summary
     */
    public String summary() {
        return family.displayName() + ", dim " + dim + ", " + layers + " layers, " + heads + " heads, FFN " + ffnDim
                + ", image " + imageSize + "/" + patchSize;
    }
}
