package dev.beit3.model;

import dev.beit3.api.Api;
import java.util.List;

/**
 * The answer to one visual question.
 *
 * @param answer the best answer text
 * @param top the best answers with logits and sigmoid probabilities (the model was trained with BCE)
 * @param logits all logits
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record Answer(String answer, List<Label> top, float[] logits) {}
