/**
 * Training for beit3-java on DJL's PyTorch autograd: the reference's task losses and masked data
 * modeling objectives, AdamW with the reference's parameter groups, a small trainer, and checkpoint
 * writers ({@code .pth} in the official layout, safetensors).
 *
 * <p>How gradients reach the checkpoint's parameters: a {@link dev.beit3.train.ParameterStore} holds
 * every parameter once (float32 master copies). Each step opens a {@link dev.beit3.train.Network}: fresh
 * autograd leaves that share the masters' storage, over which the ordinary encoder and heads are
 * built inside the gradient scope, so derived tensors (the fused q/k/v matrix, the position rows) are
 * part of the graph and gradients land on the original checkpoint keys ({@code q_proj}, {@code k_proj},
 * {@code v_proj}, …). A parameter the loss never reaches has no gradient (as PyTorch's {@code None}),
 * which the optimizer skips.
 *
 * <p><b>Data input</b> ({@link dev.beit3.train.TrainingData}): a folder with {@code data.jsonl} (one JSON
 * object per line, image paths relative to the folder) and optional {@code labels.json} /
 * {@code answers.json}; per task: {@code {"image", "label"}} (classification), {@code {"image", "question",
 * "answers": {answer: score}}} or {@code "answer"} (VQA), {@code {"image_a", "image_b", "sentence", "label"}}
 * (NLVR2), {@code {"image", "text"}} (retrieval), {@code {"image", "caption"}} (captioning),
 * {@code {"text"}} / {@code {"image", "text"}} / {@code {"image", "visual_tokens"}} (masked data modeling).
 * Streamed (lines are indexed, images decoded per batch) and deterministic per batch index, so resumed runs
 * see the same data. What is implemented of the reference's training transforms: the geometry
 * ({@link dev.beit3.train.Augmentation}: {@code RandomResizedCrop} with bicubic resize and
 * {@code RandomHorizontalFlip}, both configurable, off by default because flips swap left and right), then
 * the task's official normalisation; for image classification the rest of the ImageNet recipe:
 * {@link dev.beit3.train.RandAugment} (Pillow-exact operations), {@link dev.beit3.train.RandomErasing} and
 * {@link dev.beit3.train.Mixup} / CutMix ({@link dev.beit3.train.TrainingData#withRegularization}); for the
 * vision-language tasks the recipes' {@link dev.beit3.train.VlRandomAugment} (OpenCV-exact operations).
 * Batches can be read ahead on a
 * background thread ({@link dev.beit3.train.TrainingData#readAhead}). Text: the official
 * segments of the {@link dev.beit3.api.Tokenizer}; images decoded, resized and normalised by the {@link
 * dev.beit3.api.ImagePreprocessor}, both found through {@code ProviderRegistry} once per run (this module
 * imports no expert or head class; the captioning objective reaches its head through {@link
 * dev.beit3.api.MaskedLanguageHead}); captioning masking as the official {@code CaptioningDataset}
 * ({@code TokenMasking.captioning}: eos included, 80/10/10 replacement).
 *
 * <p><b>Runs</b>: {@link dev.beit3.train.FineTune} (start from any BEiT-3 checkpoint with the reference
 * head initialisation of {@link dev.beit3.train.HeadInit}, or from scratch with the reference's
 * initialisation of {@link dev.beit3.train.ModelInit}; masked image modeling targets from the data or a
 * {@link dev.beit3.train.TorchScriptVisualTokenizer}; train, save {@code .pth}/safetensors plus the
 * optimizer state, resume bit-identically), {@link dev.beit3.train.Evaluation} (task metrics through the
 * {@code Beit3} facade) and {@link dev.beit3.train.ShapesWorld} (the demo's synthetic world). Training
 * throughput against the GEMM rate is measured by {@code dev.beit3.bench.TrainBench} in beit3-bench, which
 * depends on this module (not the other way round).
 */
package dev.beit3.train;
