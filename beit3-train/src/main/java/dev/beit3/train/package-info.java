/**
 * Training for beit3-java on DJL's PyTorch autograd: the reference's task losses and masked data
 * modeling objectives, AdamW with the reference's parameter groups, a small trainer, and checkpoint
 * writers ({@code .pth} in the official layout, safetensors).
 *
 * <p>How gradients reach the checkpoint's parameters: a {@link dev.beit3.train.ParameterStore} holds
 * every parameter once (float32 master copies). Each step opens a {@link dev.beit3.train.Network}: fresh
 * autograd leaves that share the masters' storage, over which the ordinary encoder and heads are
 * built inside the gradient scope, so derived tensors (the fused q/k/v matrix, the position rows) are
 * part of the graph and gradients land on the original checkpoint keys ({@code q_proj}, {@code k_proj},
 * {@code v_proj}, …). A parameter the loss never reaches has no gradient (as PyTorch's {@code None}),
 * which the optimizer skips.
 */
package dev.beit3.train;
