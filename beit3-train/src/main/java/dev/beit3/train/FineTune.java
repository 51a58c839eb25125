package dev.beit3.train;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImagePreprocessorProvider;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.Tokenizer;
import dev.beit3.api.TokenizerProvider;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.TensorData;
import dev.beit3.core.plugin.ProviderRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A complete training run over a {@link TrainingData} folder: start from a checkpoint (any BEiT-3
 * checkpoint; missing task-head tensors are initialised as the reference does, {@link HeadInit}), train
 * with {@link Trainer} (AdamW with the reference's parameter groups, warm-up + cosine, optional frozen
 * encoder), save the model ({@code .pth} or safetensors) and its optimizer state
 * ({@link Trainer#saveState}), and resume from them. What {@code beit3 train} and {@code beit3 pretrain} run.
 */
public final class FineTune {
    private FineTune() {}

    /**
     * Run settings.
     *
     * @param task the objective (see {@link TrainingData.Config#task()})
     * @param data the dataset folder
     * @param checkpoint the starting checkpoint (with {@code resume}: the checkpoint written by the run to resume);
     *     null when training from {@code scratch}
     * @param scratch dimensions of a freshly initialised model ({@link ModelInit}) to train from scratch, or null
     *     to start from {@code checkpoint}
     * @param tokenizer the SentencePiece model (null for image-only tasks)
     * @param output where to write the trained model ({@code .pth}, or {@code .safetensors})
     * @param resume continue from {@code checkpoint}'s optimizer state and global step
     * @param steps total optimizer steps of the schedule (a resumed run does the remaining ones)
     * @param batchSize examples per micro-batch
     * @param accumulation micro-batches per step
     * @param lr peak learning rate
     * @param minLr final learning rate of the cosine
     * @param warmupSteps linear warm-up steps (from 0)
     * @param weightDecay AdamW decay of decayed parameters
     * @param betas2 AdamW β2 (0.999; VQA 0.98)
     * @param layerDecay layer-wise lr decay (1 = none)
     * @param headLrWeight head lr weight (1 = none; VQA 20)
     * @param labelSmoothing label smoothing (classification 0.1, captioning 0.1)
     * @param clipGrad max global gradient norm, ≤ 0 = none
     * @param freezeEncoder train only the head
     * @param augmentation training geometry
     * @param regularization RandAugment, random erasing and Mixup / CutMix of image classification
     *     ({@link Regularization#NONE} otherwise)
     * @param attentionHeads attention heads (not in checkpoints)
     * @param textMaxLen text segment length
     * @param maskProbability captioning mask probability / MLM ratio
     * @param numClasses classes for a fresh head (0 = from the dataset)
     * @param visualVocab MIM codebook size
     * @param visualTokenizer a TorchScript visual tokenizer computing the MIM targets of lines without
     *     {@code visual_tokens} ({@link TorchScriptVisualTokenizer}), or null
     * @param saveEvery save model + state every N steps (0 = only at the end)
     * @param seed seed of data order, augmentation, masking and head initialisation
     */
    public record Options(String task, Path data, Path checkpoint, EncoderConfig scratch, Path tokenizer, Path output,
            boolean resume, long steps, int batchSize, int accumulation, double lr, double minLr, long warmupSteps,
            double weightDecay, double betas2, double layerDecay, double headLrWeight, double labelSmoothing,
            double clipGrad, boolean freezeEncoder, Augmentation augmentation, Regularization regularization,
            int attentionHeads, int textMaxLen, double maskProbability, int numClasses, int visualVocab,
            Path visualTokenizer, long saveEvery, long seed) {
        /** Validates. */
        public Options {
            Objects.requireNonNull(task, "task");
            Objects.requireNonNull(data, "data");
            if ((checkpoint == null) == (scratch == null)) {
                throw new InvalidInputException("training starts either from a checkpoint or from scratch: give exactly"
                        + " one of them (got " + (checkpoint == null ? "neither" : "both") + ")");
            }
            if (scratch != null && scratch.heads() != attentionHeads) {
                throw new InvalidInputException("the model from scratch has " + scratch.heads()
                        + " attention heads but attentionHeads is " + attentionHeads + "; make them agree");
            }
            if (visualTokenizer != null && !task.equals("mim_image")) {
                throw new InvalidInputException("a visual tokenizer makes masked-image-modeling targets; the " + task
                        + " task does not use one");
            }
            if (resume && scratch != null) {
                throw new InvalidInputException("--resume continues the run that wrote a checkpoint; it cannot be"
                        + " combined with training from scratch");
            }
            Objects.requireNonNull(output, "output");
            if (steps < 1 || batchSize < 1 || accumulation < 1 || !(lr > 0) || warmupSteps < 0 || warmupSteps > steps) {
                throw new InvalidInputException("training needs steps ≥ 1, batch ≥ 1, accumulation ≥ 1, lr > 0 and"
                        + " 0 ≤ warm-up ≤ steps; got steps " + steps + ", batch " + batchSize + ", accumulation "
                        + accumulation + ", lr " + lr + ", warm-up " + warmupSteps);
            }
        }

        /**
         * Defaults for a task: 1e-6 final lr, 10 % warm-up, weight decay 0.05, β2 0.999, no layer decay,
         * label smoothing 0.1, no clipping, the evaluation transform (no augmentation), 64 text tokens,
         * mask probability 0.6 (captioning) or 0.15 (MLM), 8192 visual tokens, seed 0.
         *
         * @param task the objective
         * @param data dataset folder
         * @param checkpoint starting checkpoint
         * @param output trained model file
         * @param steps optimizer steps
         * @param batchSize batch size
         * @param lr peak learning rate
         * @param attentionHeads attention heads
         * @return the options
         */
        public static Options defaults(String task, Path data, Path checkpoint, Path output, long steps, int batchSize,
                double lr, int attentionHeads) {
            return new Options(task, data, checkpoint, null, null, output, false, steps, batchSize, 1, lr, 1e-6,
                    steps / 10, 0.05, 0.999, 1.0, 1.0, 0.1, 0, false, Augmentation.none(), Regularization.NONE,
                    attentionHeads, 64,
                    task.equals("captioning") ? 0.6 : 0.15, 0, 8192, null, 0, 0);
        }
    }

    /**
     * The recipes' extra regularisation: picture augmentation ({@code --randaug}: timm's RandAugment for image
     * classification, BLIP's RandomAugment for the vision-language tasks) and, image classification only,
     * random erasing (timm {@code RandomErasing}, pixel mode) and Mixup / CutMix (timm {@code Mixup}, batch
     * mode, with the run's label smoothing in the soft targets). The reference's ImageNet fine-tuning uses
     * {@code rand-m9-mstd0.5-inc1}, erasing probability 0.25, Mixup 0.8, CutMix 1.0, switch probability 0.5.
     *
     * @param randAugment picture augmentation ({@link RandAugment} for classification, {@link VlRandomAugment}
     *     for the vision-language tasks), or null for none
     * @param mixupAlpha Beta(α, α) of Mixup, 0 = off
     * @param cutmixAlpha Beta(α, α) of CutMix, 0 = off
     * @param switchProb probability of CutMix when both are on
     * @param erasingProb probability of erasing a box of an image, 0 = off
     */
    public record Regularization(PictureAugment randAugment, double mixupAlpha, double cutmixAlpha, double switchProb,
            double erasingProb) {
        /** Nothing augmented, mixed or erased. */
        public static final Regularization NONE = new Regularization(null, 0, 0, 0.5, 0);

        /** Validates. */
        public Regularization {
            if (!(mixupAlpha >= 0) || !(cutmixAlpha >= 0)) {
                throw new InvalidInputException("Mixup and CutMix alphas must be ≥ 0 (0 = off; the ImageNet recipe:"
                        + " 0.8 and 1.0), got mixup " + mixupAlpha + ", cutmix " + cutmixAlpha);
            }
            if (!(switchProb >= 0 && switchProb <= 1)) {
                throw new InvalidInputException("the Mixup/CutMix switch probability must be in [0, 1], got "
                        + switchProb);
            }
            if (!(erasingProb >= 0 && erasingProb <= 1)) {
                throw new InvalidInputException("the random erasing probability must be in [0, 1] (the ImageNet"
                        + " recipe: 0.25), got " + erasingProb);
            }
        }

        /**
         * Whether batches are mixed.
         *
         * @return true if Mixup or CutMix is on
         */
        public boolean mixes() {
            return mixupAlpha > 0 || cutmixAlpha > 0;
        }
    }

    /**
     * What a run did.
     *
     * @param firstStep global step the run started at (0, or the resumed step)
     * @param steps the steps taken
     * @param firstLoss loss of the first step of this run
     * @param lastLoss loss of the last step
     * @param seconds wall time of the training steps
     * @param samplesPerSecond training throughput
     * @param output the written model (its optimizer state next to it)
     */
    public record Result(long firstStep, long steps, double firstLoss, double lastLoss, double seconds,
            double samplesPerSecond, Path output) {}

    /**
     * The objective of a task id.
     *
     * @param task the id
     * @param labelSmoothing label smoothing (classification, captioning)
     * @return the objective
     */
    public static TrainingTask task(String task, double labelSmoothing) {
        return TaskKind.of(task).objective(labelSmoothing, null);
    }

    /**
     * Runs the training.
     *
     * @param o the settings
     * @param progress where the progress bar goes (null = silent)
     * @return what the run did
     * @throws IOException on I/O failure
     */
    public static Result run(Options o, PrintStream progress) throws IOException {
        return run(o, progress, ProviderRegistry.discover());
    }

    /**
     * Runs the training with providers already discovered: the tokenizer ({@value TokenizerProvider#DEFAULT_ID}),
     * the image preprocessing ({@value ImagePreprocessorProvider#DEFAULT_ID}), the experts and the head all come
     * from {@code registry}.
     *
     * @param o the settings
     * @param progress where the progress bar goes (null = silent)
     * @param registry the providers of this run
     * @return what the run did
     * @throws IOException on I/O failure
     * @throws dev.beit3.api.ProviderException when a provider the run needs is not on the class path
     */
    public static Result run(Options o, PrintStream progress, ProviderRegistry registry) throws IOException {
        ImagePreprocessor images = registry.imagePreprocessor(ImagePreprocessorProvider.DEFAULT_ID).preprocessor();
        Tokenizer tok = o.tokenizer() == null ? null
                : registry.tokenizer(TokenizerProvider.DEFAULT_ID).load(o.tokenizer());
        TorchScriptVisualTokenizer visual = null;
        try (NDManager root = NDManager.newBaseManager()) {
            if (o.visualTokenizer() != null) {
                visual = TorchScriptVisualTokenizer.load(o.visualTokenizer(), o.visualVocab());
            }
            Map<String, TensorData> source = o.scratch() != null ? ModelInit.scratch(o.scratch(), o.seed())
                    : Checkpoint.read(o.checkpoint()).tensors();
            String origin = o.scratch() != null ? "scratch (" + o.scratch().summary() + ")" : o.checkpoint().toString();
            int imageSize = o.scratch() != null ? o.scratch().imageSize() : imageSize(source, o.checkpoint());
            TrainingData.Config dc = new TrainingData.Config(o.task(), o.data(), o.batchSize(), imageSize,
                    o.textMaxLen(), o.augmentation(), true, o.seed(), o.maskProbability(), 0.4);
            TrainingData data = TrainingData.open(dc, tok, images);
            int classes = o.numClasses() > 0 ? o.numClasses() : data.numClasses();
            Regularization mx = o.regularization() == null ? Regularization.NONE : o.regularization();
            if (mx.mixes() || mx.erasingProb() > 0 || mx.randAugment() != null) {
                data = data.withRegularization(mx.randAugment(),
                        mx.erasingProb() > 0 ? RandomErasing.of(mx.erasingProb()) : null,
                        mx.mixes() ? new Mixup(mx.mixupAlpha(), mx.cutmixAlpha(), mx.switchProb(), o.labelSmoothing(),
                                classes) : null);
            }
            Map<String, TensorData> init = HeadInit.forTask(source, o.task(), classes, o.visualVocab(), o.seed());
            TrainingTask task = TaskKind.of(o.task()).objective(o.labelSmoothing(), visual);
            String head = task.headId();
            try (TrainableModel model = TrainableModel.of(init, origin,
                    new TrainableModel.Spec(o.attentionHeads(), head, Map.of()), root, registry)) {
                checkClasses(model, o.task(), classes);
                Trainer.Config cfg = new Trainer.Config(new LrSchedule(o.lr(), o.minLr(), 0, o.warmupSteps(), o.steps()),
                        new AdamW.Config(0.9, o.betas2(), 1e-8), o.weightDecay(),
                        ParameterGroups.LrScale.reference(o.layerDecay(), o.headLrWeight(), model.config().layers()),
                        ParameterGroups.BEIT3_NO_WEIGHT_DECAY, o.accumulation(), o.clipGrad(), o.freezeEncoder(),
                        o.seed());
                try (Trainer t = new Trainer(model, task, cfg)) {
                    if (o.resume()) {
                        t.resume(o.checkpoint());
                    }
                    long first = t.globalStep();
                    long remaining = o.steps() - first;
                    if (remaining <= 0) {
                        throw new InvalidInputException("the checkpoint is at step " + first + " of " + o.steps()
                                + ": nothing left to train (raise --steps)");
                    }
                    try (TrainingData.ReadAhead batches = data.readAhead(first * o.accumulation(), o.accumulation(),
                            root, 2)) {
                        double firstLoss = Double.NaN;
                        double lastLoss = Double.NaN;
                        double seconds = 0;
                        long samples = 0;
                        var bar = progress == null ? null : Trainer.progressBar(o.steps(), progress);
                        long done = 0;
                        while (done < remaining) {
                            long chunk = o.saveEvery() > 0 ? Math.min(o.saveEvery(), remaining - done) : remaining - done;
                            List<Trainer.StepResult> rs = t.run(batches, chunk, bar);
                            for (Trainer.StepResult r : rs) {
                                if (Double.isNaN(firstLoss)) {
                                    firstLoss = r.loss();
                                }
                                lastLoss = r.loss();
                                seconds += r.seconds();
                                samples += r.samples();
                            }
                            done += rs.size();
                            t.save(o.output());
                            t.saveState(o.output());
                        }
                        return new Result(first, done, firstLoss, lastLoss, seconds,
                                seconds > 0 ? samples / seconds : 0, o.output());
                    }
                }
            }
        } finally {
            if (tok != null) {
                tok.close();
            }
            if (visual != null) {
                visual.close();
            }
        }
    }

    private static void checkClasses(TrainableModel model, String task, int classes) {
        String key = TaskKind.of(task).classCountKey();
        if (key != null && model.parameters().get(key).getShape().get(0) != classes) {
            throw new InvalidInputException("the checkpoint's " + task + " head has "
                    + model.parameters().get(key).getShape().get(0) + " outputs but the dataset has " + classes
                    + " classes");
        }
    }

    /**
     * The image side of a checkpoint (patch size × √(position rows − 3)).
     *
     * @param tensors the state dict
     * @param source for messages
     * @return S
     */
    static int imageSize(Map<String, TensorData> tensors, Path source) {
        TensorData pos = tensors.get("beit3.encoder.embed_positions.A.weight");
        TensorData proj = tensors.get("beit3.vision_embed.proj.weight");
        if (pos == null || proj == null) {
            throw new InvalidInputException(source + " is not a BEiT-3 checkpoint (no vision embedding)");
        }
        long grid = Math.round(Math.sqrt(pos.shape()[0] - 3));
        return (int) (grid * proj.shape()[2]);
    }
}
