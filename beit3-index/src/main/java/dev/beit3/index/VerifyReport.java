package dev.beit3.index;

import dev.beit3.api.Api;
import java.util.List;

/**
 * The result of {@link Beit3Index#verify(java.nio.file.Path)}: Lucene's {@code CheckIndex} and a check of every
 * stored vector.
 *
 * @param checkIndexClean whether Lucene's CheckIndex found no problem
 * @param vectorsChecked live documents whose vector was read
 * @param maxNormError largest |‖v‖ − 1| over the stored vectors
 * @param problems what is wrong (empty when the index is sound)
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record VerifyReport(boolean checkIndexClean, long vectorsChecked, double maxNormError, List<String> problems) {
    /**
     * Whether the index is sound.
     *
     * @return CheckIndex clean and no vector problem
     */
    public boolean ok() {
        return checkIndexClean && problems.isEmpty();
    }
}
