/**
 * The vision-language expert plugin: VLMo's vision-language FFN expert ({@code norm2_vl} + {@code
 * mlp_vl}, the top layers from s) and the expert every VLMo token shares (the self-attention of each
 * block and the final {@code transformer.norm}).
 */
package dev.beit3.expert.vl;
