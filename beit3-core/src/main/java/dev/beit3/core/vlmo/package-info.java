/**
 * VLMo (Mixture-of-Modality-Experts) in the framework's terms: the checkpoint layout and its
 * configuration ({@link dev.beit3.core.vlmo.VlmoLayout}), the building blocks its expert providers use
 * ({@link dev.beit3.core.vlmo.VlmoBlocks}: the shared attention, the per-modality FFN with layer scale,
 * the final norm), the relative position bias ({@link dev.beit3.core.vlmo.VlmoRelativePositionBias}) and
 * the routing plans with the encoder assembly ({@link dev.beit3.core.vlmo.VlmoEncoders}).
 */
package dev.beit3.core.vlmo;
