/** Small tensor building blocks (linear, LayerNorm, GELU, lookup, bicubic interpolation) shared by core and plugins. */
package dev.beit3.core.nn;
