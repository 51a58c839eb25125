package dev.beit3.index;

import dev.beit3.api.Api;
import java.util.Locale;
import java.util.Map;

/**
 * How an index stores its vectors: the HNSW graph's {@code M} (neighbours per node) and {@code beamWidth}
 * (candidates while inserting), and optional scalar quantization (Lucene's
 * {@code Lucene99HnswScalarQuantizedVectorsFormat}: 7-bit or 4-bit integers beside the float vectors, which stay
 * stored for exact re-ranking). Written into the index on creation; an existing index keeps its own settings.
 *
 * @param maxConn HNSW M (Lucene's default 16)
 * @param beamWidth HNSW beam width at insertion (Lucene's default 100)
 * @param quantizationBits 0 for float vectors only, 7 (int7, one byte per dimension) or 4 (int4, half a byte)
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record IndexConfig(int maxConn, int beamWidth, int quantizationBits) {
    static final String MAX_CONN = "beit3.hnsw.m";
    static final String BEAM_WIDTH = "beit3.hnsw.beam_width";
    static final String BITS = "beit3.hnsw.quantization_bits";

    /** Lucene's defaults: M 16, beam width 100, no quantization. */
    public static final IndexConfig DEFAULT = new IndexConfig(16, 100, 0);

    /**
     * Validates the settings.
     *
     * @throws IllegalArgumentException when a value is outside Lucene's ranges
     */
    public IndexConfig {
        if (maxConn < 2 || maxConn > 512 || beamWidth < 1 || beamWidth > 3200) {
            throw new IllegalArgumentException("HNSW M must be 2..512 and the beam width 1..3200, got M " + maxConn
                    + ", beam width " + beamWidth);
        }
        if (quantizationBits != 0 && quantizationBits != 7 && quantizationBits != 4) {
            throw new IllegalArgumentException("quantization bits must be 0 (none), 7 (int7) or 4 (int4), got "
                    + quantizationBits);
        }
    }

    /**
     * The same graph settings with scalar quantization.
     *
     * @param bits 0, 7 or 4
     * @return the new settings
     */
    public IndexConfig withQuantization(int bits) {
        return new IndexConfig(maxConn, beamWidth, bits);
    }

    Map<String, String> toUserData() {
        return Map.of(MAX_CONN, Integer.toString(maxConn), BEAM_WIDTH, Integer.toString(beamWidth), BITS,
                Integer.toString(quantizationBits));
    }

    static IndexConfig fromUserData(Map<String, String> data, IndexConfig fallback) {
        if (!data.containsKey(MAX_CONN)) {
            return fallback;
        }
        return new IndexConfig(Integer.parseInt(data.get(MAX_CONN)), Integer.parseInt(data.get(BEAM_WIDTH)),
                Integer.parseInt(data.get(BITS)));
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "HNSW M %d, beam width %d, %s", maxConn, beamWidth,
                quantizationBits == 0 ? "float32 vectors" : "int" + quantizationBits + " scalar-quantized vectors");
    }
}
