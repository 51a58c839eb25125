/**
 * BEiT-3 on Apache Spark: the same embeddings as one JVM, computed by the executors of a cluster.
 *
 * <ul>
 *   <li>{@link dev.beit3.spark.Beit3Embedder}: a Spark ML {@code Transformer} that turns an image column (a path
 *       string or the binary file content, as {@code spark.read().format("binaryFile")} gives it) or a text column
 *       into an {@code array<float>} embedding column plus an error column;
 *   <li>{@link dev.beit3.spark.Beit3Search}: top-k search over an embedding table for a set of query embeddings
 *       (text → image and image → text), as a Spark job that writes Parquet;
 *   <li>{@link dev.beit3.spark.Beit3SparkJob}: the {@code spark-submit} entry point ({@code embed-images},
 *       {@code embed-texts}, {@code search}).
 * </ul>
 *
 * <p><b>Spark and Scala lines.</b> The module is built and tested against two lines, both {@code provided} (the
 * cluster brings Spark, Scala, Jackson and Hadoop): <b>Spark 3.5.9 with Scala 2.12</b> ({@code spark-*_2.12}, the
 * default build; 3.5 is the line most managed clusters run today, with the Java 17 this library needs on the
 * executors) and <b>Spark 4.2.0 with Scala 2.13</b> ({@code spark-*_2.13}, Maven profile {@code spark-4}). Maven
 * Central serves Spark ML's {@code spark-mllib} for both ({@code spark-mllib_2.13} at 4.0.x, 4.1.0 and 4.2.0). The
 * code is Java only and uses no Scala collection in its signatures, so the same sources compile against both.
 *
 * <p><b>On the executors.</b> One model per executor JVM, loaded lazily by the first task that needs it, shared by
 * the tasks of that JVM (the {@link dev.beit3.model.Beit3} facade is thread-safe) and closed by a shutdown hook;
 * rows are embedded in batches of {@code batchSize}, each batch in its own native memory scope. DJL runs offline:
 * {@code ai.djl.offline=true} is set in the executor JVM before the engine starts unless it is set already. A row
 * whose image cannot be read or decoded gets a {@code null} embedding and a message in the error column; it does
 * not fail the job. A model that cannot be loaded does fail it, with the reason.
 */
package dev.beit3.spark;
