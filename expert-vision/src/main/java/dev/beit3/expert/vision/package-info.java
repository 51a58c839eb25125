/**
 * The vision expert plugin: BEiT-3 branch {@code A}, the vision embedding, and (in {@code image})
 * reference image decoding and preprocessing.
 */
package dev.beit3.expert.vision;
