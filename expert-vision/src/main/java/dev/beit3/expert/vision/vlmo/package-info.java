/**
 * The vision side of VLMo: the image FFN expert ({@code norm2_imag} + {@code mlp_imag}) and the image
 * embedding with token types.
 */
package dev.beit3.expert.vision.vlmo;
