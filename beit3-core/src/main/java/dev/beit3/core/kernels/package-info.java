/**
 * Kernel backends in the core: the DJL/libtorch reference provider ({@link dev.beit3.core.kernels.DjlKernelProvider})
 * and the start-up choice among the discovered ones ({@link dev.beit3.core.kernels.KernelSelection}).
 */
package dev.beit3.core.kernels;
