package dev.beit3.spark;

import java.io.Serializable;

/**
 * The query side of a search, broadcast to the executors.
 *
 * @param ids query ids, by query index
 * @param vectors query vectors, by query index, all of {@link #dimension()} floats
 */
record QuerySet(String[] ids, float[][] vectors) implements Serializable {
    /** @return the vector length */
    int dimension() {
        return vectors.length == 0 ? 0 : vectors[0].length;
    }
}
