package dev.beit3.index;

import dev.beit3.api.Api;

/**
 * One search result.
 *
 * @param id the document id (an image path, a text, or the caller's id)
 * @param score cosine similarity with the query (the dot product of the normalised embeddings)
 * @param modality what the document holds
 * @param text its caption or text, or null
 * @param sha256 its content hash
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record Hit(String id, float score, IndexDocument.Modality modality, String text, String sha256) {}
