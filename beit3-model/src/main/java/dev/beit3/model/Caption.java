package dev.beit3.model;

import dev.beit3.api.Api;

/**
 * A generated caption.
 *
 * @param text the decoded text (special tokens removed)
 * @param ids the ids handed to the decoder, as the reference builds them
 * @param score the length-normalised log-probability of the hypothesis
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record Caption(String text, long[] ids, double score) {}
