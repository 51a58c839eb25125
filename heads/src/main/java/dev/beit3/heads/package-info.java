/**
 * The built-in task heads (classification, retrieval, VQA, NLVR2, captioning) as {@link
 * dev.beit3.api.HeadProvider}s.
 */
package dev.beit3.heads;
