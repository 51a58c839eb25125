package dev.beit3.model;

import dev.beit3.api.Api;

/**
 * One scored class of a prediction.
 *
 * @param index the logit index
 * @param label the label text (the index as text when no label list was given)
 * @param logit the raw logit
 * @param probability softmax probability (classification) or sigmoid (VQA, trained with BCE)
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record Label(int index, String label, float logit, double probability) {}
