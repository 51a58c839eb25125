package dev.beit3.index;

import dev.beit3.api.Api;

/**
 * What an index holds (as of its last commit, or of the open index's latest near-real-time view).
 *
 * @param documents live documents
 * @param images live image documents
 * @param texts live text documents
 * @param deleted deleted documents not yet merged away
 * @param segments Lucene segments
 * @param bytesOnDisk size of the index folder's files
 * @param model the model that built it (null for an empty folder)
 * @param config its vector settings
 * @param generation the commit generation
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public record IndexStats(int documents, int images, int texts, int deleted, int segments, long bytesOnDisk,
        IndexModel model, IndexConfig config, long generation) {}
