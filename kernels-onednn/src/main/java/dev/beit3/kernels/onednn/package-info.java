/**
 * A kernel backend on oneDNN ({@code "onednn"}): the model's linear layers as oneDNN matmul primitives in fp32,
 * bf16 or int8, weights converted and reordered once at load into the layout oneDNN picks, bias and GELU fused
 * as post-ops, activations exchanged with DJL without copies (direct buffers over the tensors' memory); and the
 * attention products (score matmul, softmax, weighted sum) as float32 primitives over strided head views.
 * Selected with {@code Beit3.builder().kernels("onednn")}, {@code --kernels onednn} or
 * {@code -Dbeit3.kernels=onednn}; found by {@link java.util.ServiceLoader}.
 */
package dev.beit3.kernels.onednn;
