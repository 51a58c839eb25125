/**
 * The task heads of VLMo checkpoints ({@code vlmo/modules/heads.py}, applied as in {@code objectives.py}):
 * image-text contrast with and without the VL branch (ITC, ITC-VL), image-text matching (ITM), masked
 * language modelling (MLM), VQA and NLVR2 classifiers, all on the pooler of the text [CLS] of a fused
 * pass where they need one.
 */
package dev.beit3.vlmo.heads;
