package dev.beit3.model;

import dev.beit3.api.Api;

/**
 * NLVR2's verdict on a sentence about a pair of images.
 *
 * @param holds whether the sentence is judged true (logit 1 &gt; logit 0)
 * @param probabilityTrue softmax probability of "true"
 * @param logits the two logits (index 1 = true)
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record Verdict(boolean holds, double probabilityTrue, float[] logits) {}
