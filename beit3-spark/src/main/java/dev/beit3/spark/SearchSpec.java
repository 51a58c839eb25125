package dev.beit3.spark;

import dev.beit3.api.InvalidInputException;
import java.io.Serializable;

/**
 * The columns and the depth of a top-k search: which column names a query and holds its vector, which column
 * names a table row and holds its vector, and how many rows to keep per query.
 *
 * @param queryIdCol query id column (any type; written as string)
 * @param queryVectorCol query vector column, {@code array<float>}
 * @param idCol table id column (any type; written as string)
 * @param vectorCol table vector column, {@code array<float>}
 * @param k rows per query, at least 1
 */
public record SearchSpec(String queryIdCol, String queryVectorCol, String idCol, String vectorCol, int k)
        implements Serializable {
    /**
     * Checks the values.
     *
     * @param queryIdCol query id column
     * @param queryVectorCol query vector column
     * @param idCol table id column
     * @param vectorCol table vector column
     * @param k rows per query
     */
    public SearchSpec {
        for (String c : new String[] {queryIdCol, queryVectorCol, idCol, vectorCol}) {
            if (c == null || c.isBlank()) {
                throw new InvalidInputException("search: every column name must be given, got " + queryIdCol + ", "
                        + queryVectorCol + ", " + idCol + ", " + vectorCol);
            }
        }
        if (k < 1) {
            throw new InvalidInputException("search: k must be ≥ 1, got " + k);
        }
    }

    /**
     * Text → image (or any direction): queries and table both carry an id column and an {@code embedding} column.
     *
     * @param queryIdCol query id column
     * @param idCol table id column
     * @param k rows per query
     * @return the spec
     */
    public static SearchSpec of(String queryIdCol, String idCol, int k) {
        return new SearchSpec(queryIdCol, "embedding", idCol, "embedding", k);
    }
}
