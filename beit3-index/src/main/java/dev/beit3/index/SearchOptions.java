package dev.beit3.index;

import dev.beit3.api.Api;

/**
 * How a search runs.
 *
 * @param modality only documents of this modality (null: all)
 * @param candidates how many nearest neighbours the HNSW search collects before the best k are kept (Lucene's
 *     {@code k} of {@code KnnFloatVectorQuery}; more candidates, higher recall, slower); at least k is used
 * @param exact re-rank the candidates by the exact dot product of the stored float vectors (matters for
 *     quantized indexes, whose graph scores are approximate)
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record SearchOptions(IndexDocument.Modality modality, int candidates, boolean exact) {
    /** Default candidates: 100. */
    public static final int DEFAULT_CANDIDATES = 100;

    /** All modalities, 100 candidates, graph scores. */
    public static final SearchOptions DEFAULT = new SearchOptions(null, DEFAULT_CANDIDATES, false);

    /**
     * Validates.
     *
     * @throws IllegalArgumentException when candidates is not positive
     */
    public SearchOptions {
        if (candidates < 1) {
            throw new IllegalArgumentException("candidates must be positive, got " + candidates);
        }
    }

    /**
     * Only documents of a modality.
     *
     * @param m the modality, or null for all
     * @return the new options
     */
    public SearchOptions only(IndexDocument.Modality m) {
        return new SearchOptions(m, candidates, exact);
    }

    /**
     * With or without exact re-ranking.
     *
     * @param on whether to re-rank
     * @return the new options
     */
    public SearchOptions exact(boolean on) {
        return new SearchOptions(modality, candidates, on);
    }

    /**
     * With another candidate count.
     *
     * @param n the candidates
     * @return the new options
     */
    public SearchOptions candidates(int n) {
        return new SearchOptions(modality, n, exact);
    }
}
