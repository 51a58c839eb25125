/**
 * The one way a model is assembled from a checkpoint ({@link dev.beit3.core.load.ModelLoader}): the checkpoint
 * opened once, its {@link dev.beit3.core.checkpoint.CheckpointLayout layout} read from the key/shape index, the
 * head named or detected from the heads' signature keys, the encoder and head built from the providers of one
 * registry (discovered once per load when none is given), and the strict load report checked. The facade, the
 * VLMo loader, the trainer and the benchmark all go through it.
 */
package dev.beit3.core.load;
