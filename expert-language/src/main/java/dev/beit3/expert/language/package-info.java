/**
 * The language expert plugin: BEiT-3 branch {@code B}, the text embedding, and (in {@code text}) the
 * SentencePiece tokenizer with the reference id layout.
 */
package dev.beit3.expert.language;
