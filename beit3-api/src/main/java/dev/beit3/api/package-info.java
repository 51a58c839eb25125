/**
 * The contracts of beit3-java: no implementation, only DJL's API.
 *
 * <ul>
 *   <li>{@link dev.beit3.api.Modality}, {@link dev.beit3.api.LayerSlot}, {@link dev.beit3.api.RoutingPlan}:
 *       which expert serves which tokens where;
 *   <li>{@link dev.beit3.api.ExpertProvider} and the slot interfaces {@link dev.beit3.api.AttentionExpert},
 *       {@link dev.beit3.api.FeedForwardExpert}, {@link dev.beit3.api.OutputNormExpert}: the expert SPI;
 *   <li>{@link dev.beit3.api.HeadProvider} / {@link dev.beit3.api.TaskHead}: the head SPI;
 *   <li>{@link dev.beit3.api.ImagePreprocessorProvider} / {@link dev.beit3.api.ImagePreprocessor} with
 *       {@link dev.beit3.api.ImageTransformSpec}, and {@link dev.beit3.api.TokenizerProvider} /
 *       {@link dev.beit3.api.Tokenizer} with {@link dev.beit3.api.SpecialTokens}: the preprocessing SPIs (images
 *       to {@link dev.beit3.api.RgbImage} and tensors, texts to {@link dev.beit3.api.TextBatch});
 *   <li>{@link dev.beit3.api.HeadInput}: what a head receives, built by name ({@code ofImages}, {@code builder()});
 *   <li>{@link dev.beit3.api.WeightSource}: named tensors of a checkpoint;
 *   <li>{@link dev.beit3.api.EncoderConfig}, {@link dev.beit3.api.TaskPreset}: configuration records.
 * </ul>
 *
 * <p>Dimension glossary: B batch, S image side, P patch side, G = S/P, N = G² patches, Nv = N + 1,
 * T text tokens, D width, H heads, d = D/H, F FFN width, L layers, V vocabulary rows.
 */
package dev.beit3.api;
