/**
 * Checkpoint I/O: reading PyTorch {@code .pth}/{@code .pt} zip archives through a restricted
 * unpickler and safetensors files ({@link dev.beit3.core.checkpoint.Checkpoint}), writing safetensors
 * ({@link dev.beit3.core.checkpoint.SafeTensors}), serving tensors to model builders with a strict
 * load report ({@link dev.beit3.core.checkpoint.CheckpointWeights},
 * {@link dev.beit3.core.checkpoint.LoadReport}), and recognizing what a checkpoint holds
 * ({@link dev.beit3.core.checkpoint.CheckpointSummary}). Pure Java: no Python is needed.
 */
package dev.beit3.core.checkpoint;
