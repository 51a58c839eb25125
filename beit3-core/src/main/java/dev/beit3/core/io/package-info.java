/** Array file formats (NumPy {@code .npy}). */
package dev.beit3.core.io;
