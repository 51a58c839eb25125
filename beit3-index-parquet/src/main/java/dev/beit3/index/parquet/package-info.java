/** Reads the beit3-spark job's embedding Parquet ({@code path|text, embedding, embedding_error}) into a beit3-index. */
package dev.beit3.index.parquet;
