package dev.beit3.model;

import dev.beit3.api.Api;
import java.util.List;

/**
 * The result of classifying one image.
 *
 * @param top the best classes, descending by logit
 * @param logits all logits
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record Classification(List<Label> top, float[] logits) {
    /**
     * The best class.
     *
     * @return the first entry of {@link #top()}
     */
    public Label best() {
        return top.get(0);
    }
}
