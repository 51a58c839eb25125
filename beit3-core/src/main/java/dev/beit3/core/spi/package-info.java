/**
 * Bases for provider implementations: a plugin's embedding or head provider declares its id, family and the
 * rest once in its constructor ({@link dev.beit3.core.spi.DeclaredEmbeddingProvider}, {@link
 * dev.beit3.core.spi.DeclaredHeadProvider}) and only builds its embedding or head.
 */
package dev.beit3.core.spi;
