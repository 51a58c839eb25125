/** {@code beit3 serve}: every BEiT-3 task over HTTP with dynamic batching, backpressure and metrics. */
package dev.beit3.serve;
