/**
 * The language side of VLMo: the text FFN expert ({@code norm2_text} + {@code mlp_text}) and the
 * BERT-style text embedding with VLMo's two token-type tables.
 */
package dev.beit3.expert.language.vlmo;
