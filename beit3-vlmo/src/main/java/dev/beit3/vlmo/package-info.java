/**
 * VLMo (Mixture-of-Modality-Experts) in one plugin, reached only through the beit3-api SPIs: the checkpoint
 * layout and its configuration ({@link dev.beit3.vlmo.VlmoLayout}), the family's facts ({@link
 * dev.beit3.vlmo.VlmoFamilyProvider}: text first, routing, the VL branch), the building blocks of its experts
 * ({@link dev.beit3.vlmo.VlmoBlocks}: the shared attention, the per-modality FFN with layer scale, the final
 * norm) and their providers (shared, image, text, vision-language), the image and text embeddings, the
 * relative position bias ({@link dev.beit3.vlmo.VlmoRelativePositionBias}), the encoder assembly ({@link
 * dev.beit3.vlmo.VlmoEncoders}) and the WordPiece tokenizer ({@link dev.beit3.vlmo.VlmoTokenizer}). The heads
 * are in {@code dev.beit3.vlmo.heads}. Every provider is registered in this module's {@code META-INF/services}.
 */
package dev.beit3.vlmo;
