/** The Multiway encoder: shared attention over the joint sequence, slots served by routed experts. */
package dev.beit3.core.encoder;
