package dev.beit3.cli;

import dev.beit3.api.InvalidInputException;
import dev.beit3.train.Augmentation;
import dev.beit3.train.FineTune;
import dev.beit3.train.Trainer;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import picocli.CommandLine.Option;

/** The options {@code beit3 train} and {@code beit3 pretrain} share, and the run itself. */
final class TrainingOptions {
    @Option(names = "--data", required = true, paramLabel = "DIR",
            description = "dataset folder: data.jsonl (one JSON object per line) + images (see the README section 'Training')")
    Path data;

    @Option(names = "--checkpoint", paramLabel = "FILE",
            description = "starting checkpoint (.pth or .safetensors); missing head tensors are initialised as the"
                    + " reference does; with --resume: the checkpoint written by the run to continue")
    Path checkpoint;

    @Option(names = "--scratch", paramLabel = "SPEC",
            description = "train from scratch instead of --checkpoint: a freshly initialised model (the reference's"
                    + " initialisation) of the given size: base, large, or key=value pairs over base, e.g."
                    + " image=64,patch=16,dim=96,heads=4,layers=4,ffn=384 (keys: image patch dim heads layers ffn"
                    + " vocab positions; vocab defaults to the --spm tokenizer's size)")
    String scratch;

    @Option(names = "--output", required = true, paramLabel = "FILE",
            description = "trained model (.pth in the official layout, or .safetensors); the optimizer state goes"
                    + " next to it as FILE.optim.safetensors")
    Path output;

    @Option(names = "--spm", paramLabel = "FILE", description = "SentencePiece tokenizer (needed for text tasks)")
    Path spm;

    @Option(names = "--steps", required = true, paramLabel = "N", description = "optimizer steps of the schedule")
    long steps;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "32", description = "batch size (default: ${DEFAULT-VALUE})")
    int batch;

    @Option(names = "--accumulation", paramLabel = "N", defaultValue = "1",
            description = "micro-batches per optimizer step (default: ${DEFAULT-VALUE})")
    int accumulation;

    @Option(names = "--lr", paramLabel = "LR", defaultValue = "1e-3", description = "peak learning rate (default: ${DEFAULT-VALUE})")
    double lr;

    @Option(names = "--min-lr", paramLabel = "LR", defaultValue = "1e-6", description = "final learning rate (default: ${DEFAULT-VALUE})")
    double minLr;

    @Option(names = "--warmup-steps", paramLabel = "N", description = "linear warm-up steps (default: 10%% of --steps)")
    Long warmup;

    @Option(names = "--weight-decay", paramLabel = "WD", defaultValue = "0.05", description = "AdamW weight decay (default: ${DEFAULT-VALUE})")
    double weightDecay;

    @Option(names = "--beta2", paramLabel = "B", defaultValue = "0.999", description = "AdamW beta2 (VQA recipe: 0.98; default: ${DEFAULT-VALUE})")
    double beta2;

    @Option(names = "--layer-decay", paramLabel = "D", defaultValue = "1.0", description = "layer-wise lr decay, 1 = none (default: ${DEFAULT-VALUE})")
    double layerDecay;

    @Option(names = "--head-lr-weight", paramLabel = "W", defaultValue = "1.0", description = "lr multiplier of head.* (VQA recipe: 20; default: ${DEFAULT-VALUE})")
    double headLrWeight;

    @Option(names = "--label-smoothing", paramLabel = "E", defaultValue = "0.1", description = "label smoothing (default: ${DEFAULT-VALUE})")
    double labelSmoothing;

    @Option(names = "--clip-grad", paramLabel = "N", defaultValue = "0", description = "clip the global gradient norm, 0 = off (default: ${DEFAULT-VALUE})")
    double clipGrad;

    @Option(names = "--augment", negatable = true, defaultValue = "false",
            description = "reference training geometry: random resized crop (+ flip unless --no-flip); off = evaluation transform")
    boolean augment;

    @Option(names = "--flip", negatable = true, defaultValue = "true",
            description = "horizontal flips with --augment (turn off when the text names left/right)")
    boolean flip;

    @Option(names = "--mixup", paramLabel = "A", defaultValue = "0",
            description = "image classification: Mixup Beta(A, A), 0 = off (ImageNet recipe: 0.8; default: ${DEFAULT-VALUE})")
    double mixup;

    @Option(names = "--cutmix", paramLabel = "A", defaultValue = "0",
            description = "image classification: CutMix Beta(A, A), 0 = off (ImageNet recipe: 1.0; default: ${DEFAULT-VALUE})")
    double cutmix;

    @Option(names = "--mixup-switch-prob", paramLabel = "P", defaultValue = "0.5",
            description = "probability of CutMix when both are on (default: ${DEFAULT-VALUE})")
    double switchProb;

    @Option(names = "--randaug",
            description = "the reference's --randaug for the task: timm RandAugment rand-m9-mstd0.5-inc1 (image"
                    + " classification) or BLIP's RandomAugment(2, 7) (retrieval, VQA, NLVR2, captioning)")
    boolean randaug;

    @Option(names = "--rand-augment", paramLabel = "SPEC",
            description = "image classification: timm RandAugment on the cropped picture, e.g. rand-m9-mstd0.5-inc1"
                    + " (the ImageNet recipe; fill = the ImageNet mean); default: none")
    String randAugment;

    @Option(names = "--random-erasing", paramLabel = "P", defaultValue = "0",
            description = "image classification: erase a random box of an image with probability P, 0 = off (ImageNet"
                    + " recipe: 0.25; default: ${DEFAULT-VALUE})")
    double erasing;

    @Option(names = "--visual-tokenizer", paramLabel = "FILE",
            description = "mim_image: a TorchScript visual tokenizer (images (B,3,S,S) -> ids (B,N)) computing the"
                    + " targets of lines without visual_tokens")
    Path visualTokenizer;

    @Option(names = "--visual-vocab", paramLabel = "K", defaultValue = "8192",
            description = "mim_image: visual codebook size (default: ${DEFAULT-VALUE}, BEiT v2)")
    int visualVocab;

    @Option(names = "--heads", paramLabel = "H", description = "attention heads (default: width/64; the demo models: 4)")
    Integer heads;

    @Option(names = "--max-text-length", paramLabel = "N", defaultValue = "64", description = "text segment length (default: ${DEFAULT-VALUE})")
    int textLen;

    @Option(names = "--mask-prob", paramLabel = "P", description = "captioning mask probability (default 0.6) or MLM ratio (default 0.15)")
    Double maskProb;

    @Option(names = "--save-every", paramLabel = "N", defaultValue = "0", description = "also save model + optimizer state every N steps")
    long saveEvery;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "0", description = "seed of data order, augmentation, masking, head init")
    long seed;

    @Option(names = "--resume", description = "continue the run that wrote --checkpoint (optimizer state and step from FILE.optim.safetensors)")
    boolean resume;

    @Option(names = "--threads", paramLabel = "N", description = "PyTorch intra-op threads (default: all cores)")
    Integer threads;

    TrainingOptions() {}

    /** Runs the training and prints a summary on {@code out}. */
    int run(String task, boolean freezeEncoder, PrintWriter out, PrintWriter err) throws Exception {
        if (threads != null) {
            dev.beit3.model.EngineThreads.check(threads, "--threads");
            System.setProperty(CommonOptions.THREADS_PROPERTY, String.valueOf(threads));
        }
        if ((checkpoint == null) == (scratch == null)) {
            throw new InvalidInputException(checkpoint == null
                    ? "give the starting model: --checkpoint FILE, or --scratch SPEC to train from scratch"
                    : "--checkpoint and --scratch exclude each other: start from a checkpoint or from scratch");
        }
        if (randaug && randAugment != null) {
            throw new InvalidInputException("--randaug (the reference's setting) and --rand-augment SPEC exclude each"
                    + " other");
        }
        if (randaug && !java.util.List.of("imageclassification", "vqa", "nlvr2", "retrieval", "captioning",
                "mlm_image_text").contains(task)) {
            throw new InvalidInputException("--randaug augments pictures; the " + task + " task has none to augment");
        }
        if (!task.equals("imageclassification") && (randAugment != null || erasing > 0 || mixup > 0 || cutmix > 0)) {
            throw new InvalidInputException("--rand-augment, --random-erasing, --mixup and --cutmix belong to the image"
                    + " classification recipe; the " + task + " task cannot use them");
        }
        if (checkpoint != null && !Files.isRegularFile(checkpoint)) {
            throw new InvalidInputException("checkpoint file not found: " + checkpoint + " (--checkpoint)");
        }
        if (!Files.isDirectory(data)) {
            throw new InvalidInputException("dataset folder not found: " + data + " (--data)");
        }
        if (spm != null && !Files.isRegularFile(spm)) {
            throw new InvalidInputException("tokenizer file not found: " + spm + " (--spm)");
        }
        Checks.positive(batch, "--batch");
        Checks.positive(accumulation, "--accumulation");
        if (steps < 1) {
            throw new InvalidInputException("--steps must be at least 1, got " + steps);
        }
        dev.beit3.api.EncoderConfig fresh = scratch == null ? null : ScratchSpec.parse(scratch, heads, spm);
        int h = fresh != null ? fresh.heads() : heads != null ? heads : dimOf(checkpoint) / 64;
        if (h < 1) {
            throw new InvalidInputException("cannot infer the attention heads of " + checkpoint + "; pass --heads H");
        }
        long warm = warmup != null ? warmup : steps / 10;
        double mp = maskProb != null ? maskProb : task.equals("captioning") ? 0.6 : 0.15;
        FineTune.Options o = new FineTune.Options(task, data, checkpoint, fresh, spm, output, resume, steps, batch,
                accumulation, lr, minLr, warm, weightDecay, beta2, layerDecay, headLrWeight, labelSmoothing, clipGrad,
                freezeEncoder, augment ? Augmentation.forTask(task, flip) : Augmentation.none(),
                new FineTune.Regularization(randAugment != null
                        ? dev.beit3.train.RandAugment.parse(randAugment, dev.beit3.train.RandAugment.IMAGENET_FILL)
                        : !randaug ? null : task.equals("imageclassification") ? dev.beit3.train.RandAugment.imagenet()
                        : dev.beit3.train.VlRandomAugment.reference(),
                        mixup, cutmix, switchProb, erasing), h, textLen, mp, 0,
                visualVocab, visualTokenizer, saveEvery, seed);
        PrintStream bar = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                err.write(b);
            }

            @Override
            public void flush() {
                err.flush();
            }
        }, true, java.nio.charset.StandardCharsets.UTF_8);
        FineTune.Result r = FineTune.run(o, bar);
        out.printf(Locale.ROOT, "trained %s: steps %d..%d, loss %.4f -> %.4f, %.1f s, %.1f samples/s%n", task,
                r.firstStep(), r.firstStep() + r.steps(), r.firstLoss(), r.lastLoss(), r.seconds(), r.samplesPerSecond());
        out.println("wrote " + output + " and " + Trainer.optimizerStateFile(output).getFileName());
        out.flush();
        return CliErrors.OK;
    }

    /** The width D, read from the checkpoint's key/shape index only (no tensor bytes). */
    private static int dimOf(Path ckpt) throws java.io.IOException {
        dev.beit3.core.checkpoint.CheckpointLayout l = dev.beit3.core.checkpoint.CheckpointLayout.read(ckpt);
        if (!l.has("beit3.text_embed.weight")) {
            throw new InvalidInputException(ckpt + " is not a BEiT-3 checkpoint (no beit3.text_embed.weight)");
        }
        return l.dim();
    }
}
