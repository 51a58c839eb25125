/**
 * A persistent, incremental image–text search index of BEiT-3 embeddings on Apache Lucene's HNSW vectors:
 * {@link dev.beit3.index.Beit3Index} (one writer, many near-real-time searchers), incremental adds of image
 * files and texts with {@link dev.beit3.index.Indexer}, and the model's provenance in every commit so an index
 * is only ever searched with the model that built it.
 */
package dev.beit3.index;
