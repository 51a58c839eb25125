/**
 * The public model API: {@link dev.beit3.model.Beit3} composes a Multiway encoder, a task head, the
 * tokenizer and the image transform, and offers classify, embed, similarity, answer, verify and caption.
 */
package dev.beit3.model;
