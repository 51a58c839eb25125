package dev.beit3.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import dev.beit3.core.checkpoint.TensorData;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The training loop of the reference ({@code engine_for_finetuning.train_one_epoch}) for one model and
 * one objective: per optimizer step, {@code accumulation} micro-batches each with its own scope
 * (forward, loss / accumulation, backward), optional clipping by the global gradient norm, and one
 * {@link AdamW} step at the scheduled learning rate; parameters the loss did not reach are skipped.
 * With {@code frozenEncoder} only the non-encoder parameters (head, pooler, extra heads) are trained
 * and the encoder weights stay bit-identical (linear probe / head-only training).
 *
 * <p>Native memory stays bounded: every step's leaves, graph, gradients and activations live in
 * sub-managers closed at the end of the step (micro-batch activations at the end of each micro-batch).
 * Deterministic given the data: the forward has no dropout and {@link #random()} is seeded.
 */
public final class Trainer implements AutoCloseable {
    /**
     * Trainer settings.
     *
     * @param schedule the learning rate per optimizer step
     * @param adam β1, β2, ε
     * @param weightDecay decay of decayed parameters
     * @param lrScale per-parameter lr scale (layer decay, head weight, none)
     * @param noWeightDecay names never decayed (e.g. {@link ParameterGroups#BEIT3_NO_WEIGHT_DECAY})
     * @param accumulation micro-batches per optimizer step (the reference's {@code update_freq})
     * @param clipGradNorm bound of the global gradient norm, or ≤ 0 for no clipping (the recipes' default)
     * @param frozenEncoder train only parameters outside {@code beit3.*}
     * @param seed seed of {@link #random()}
     */
    public record Config(LrSchedule schedule, AdamW.Config adam, double weightDecay, ParameterGroups.LrScale lrScale,
            Set<String> noWeightDecay, int accumulation, double clipGradNorm, boolean frozenEncoder, long seed) {
        /** Validates. */
        public Config {
            Objects.requireNonNull(schedule, "schedule");
            Objects.requireNonNull(adam, "adam");
            Objects.requireNonNull(lrScale, "lrScale");
            noWeightDecay = Set.copyOf(noWeightDecay);
            if (accumulation < 1) {
                throw new IllegalArgumentException("accumulation must be ≥ 1, got " + accumulation);
            }
        }
    }

    /**
     * What one optimizer step did.
     *
     * @param step 0-based optimizer step
     * @param loss mean loss over the micro-batches
     * @param gradNorm global gradient norm before clipping
     * @param lr the scheduled learning rate
     * @param samples samples seen in the step
     * @param seconds wall time of the step
     * @param updated parameters that received a gradient (and an update)
     */
    public record StepResult(long step, double loss, double gradNorm, double lr, long samples, double seconds,
            int updated) {
        /**
         * Throughput.
         *
         * @return samples per second
         */
        public double samplesPerSecond() {
            return seconds > 0 ? samples / seconds : 0;
        }
    }

    private final TrainableModel model;
    private final TrainingTask task;
    private final Config config;
    private final Predicate<String> trainable;
    private final AdamW adam;
    private final NDManager root;
    private final Random random;
    private long step;

    /**
     * Creates a trainer (fresh optimizer state).
     *
     * @param model the model (its parameters are updated in place)
     * @param task the objective
     * @param config the settings
     */
    public Trainer(TrainableModel model, TrainingTask task, Config config) {
        this.model = model;
        this.task = task;
        this.config = config;
        if (task.headId() != null && !task.headId().equals(model.headId())) {
            throw new IllegalArgumentException("the " + task.id() + " objective needs the " + task.headId()
                    + " head; the model was loaded with " + model.headId());
        }
        this.trainable = config.frozenEncoder() ? k -> !k.startsWith("beit3.") : k -> true;
        Map<String, ParameterGroups.Setting> settings = ParameterGroups.of(model.parameters(), trainable,
                config.lrScale(), config.weightDecay(), config.noWeightDecay());
        this.adam = new AdamW(model.parameters(), settings, config.adam());
        this.root = model.parameters().manager().newSubManager();
        this.random = new Random(config.seed());
    }

    /**
     * The seeded random source for masking, Mixup and shuffling.
     *
     * @return the generator
     */
    public Random random() {
        return random;
    }

    /**
     * The optimizer.
     *
     * @return the AdamW instance
     */
    public AdamW optimizer() {
        return adam;
    }

    /**
     * The number of optimizer steps taken.
     *
     * @return the global step
     */
    public long globalStep() {
        return step;
    }

    /**
     * One optimizer step over {@code microBatches} (usually {@code accumulation} of them). Each
     * micro-batch's loss is divided by their number before backward, as the reference divides by
     * {@code update_freq}.
     *
     * @param microBatches the batches (copied into the step's scope)
     * @return what the step did
     */
    public StepResult step(List<Batch> microBatches) {
        if (microBatches.isEmpty()) {
            throw new IllegalArgumentException("no batch for the step");
        }
        long t0 = System.nanoTime();
        double lr = config.schedule().at(step);
        double lossSum = 0;
        long samples = 0;
        double norm;
        int updated;
        try (Network net = model.open(root, trainable)) {
            for (Batch b : microBatches) {
                try (Network.MicroBatch mb = net.microBatch();
                        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    Batch local = b.copyTo(net.scope());
                    NDArray loss = task.loss(net, local, step);
                    float value = loss.getFloat();
                    if (!Float.isFinite(value)) {
                        throw new IllegalStateException("loss is " + value + " at step " + step + " (" + task.id() + ")");
                    }
                    lossSum += value;
                    samples += local.size();
                    NDArray scaled = microBatches.size() == 1 ? loss
                            : loss.div(Losses.scalar(loss, microBatches.size()));
                    gc.backward(scaled);
                }
            }
            Map<String, NDArray> grads = net.gradients();
            norm = config.clipGradNorm() > 0 ? Gradients.clipByGlobalNorm(grads, config.clipGradNorm())
                    : Gradients.globalNorm(grads);
            adam.step(grads, lr);
            updated = grads.size();
        }
        StepResult r = new StepResult(step, lossSum / microBatches.size(), norm, lr, samples,
                (System.nanoTime() - t0) / 1e9, updated);
        step++;
        return r;
    }

    /**
     * Runs {@code steps} optimizer steps, taking {@code accumulation} batches per step from {@code data}.
     *
     * @param data batches (a stream; stops early when exhausted)
     * @param steps optimizer steps to run
     * @param progress called after every step (e.g. {@link #progressBar})
     * @return the results
     */
    public List<StepResult> run(Iterator<Batch> data, long steps, Consumer<StepResult> progress) {
        List<StepResult> out = new ArrayList<>();
        for (long s = 0; s < steps; s++) {
            List<Batch> mbs = new ArrayList<>();
            while (mbs.size() < config.accumulation() && data.hasNext()) {
                mbs.add(data.next());
            }
            if (mbs.isEmpty()) {
                break;
            }
            StepResult r = step(mbs);
            out.add(r);
            if (progress != null) {
                progress.accept(r);
            }
        }
        return out;
    }

    /**
     * A one-line progress bar with loss, learning rate and throughput.
     *
     * @param total steps expected
     * @param out where to print (e.g. {@code System.err})
     * @return the listener
     */
    public static Consumer<StepResult> progressBar(long total, PrintStream out) {
        return r -> {
            int width = 30;
            int done = total <= 0 ? width : (int) Math.min(width, (r.step() + 1) * width / total);
            out.printf(Locale.ROOT, "\r[%s%s] %d/%d loss %.4f lr %.2e |g| %.3f %.1f samples/s",
                    "#".repeat(done), ".".repeat(width - done), r.step() + 1, total, r.loss(), r.lr(), r.gradNorm(),
                    r.samplesPerSecond());
            if (r.step() + 1 >= total) {
                out.println();
            }
            out.flush();
        };
    }

    /**
     * Writes the current parameters as a {@code .pth} (official layout) or, for a name ending in
     * {@code .safetensors}, as safetensors.
     *
     * @param file the target
     * @throws IOException on I/O failure
     */
    public void save(Path file) throws IOException {
        Map<String, TensorData> snap = model.parameters().snapshot();
        if (file.getFileName().toString().endsWith(".safetensors")) {
            CheckpointWriter.writeSafetensors(file, snap, Map.of("format", "pt"));
        } else {
            CheckpointWriter.writePth(file, snap);
        }
    }

    /**
     * The side file that holds the optimizer state of a checkpoint written by {@link #save}:
     * {@code <file>.optim.safetensors}.
     *
     * @param checkpoint the model checkpoint
     * @return the side file
     */
    public static Path optimizerStateFile(Path checkpoint) {
        return checkpoint.resolveSibling(checkpoint.getFileName() + ".optim.safetensors");
    }

    /**
     * Writes the resumable training state next to a checkpoint ({@link #optimizerStateFile}): the AdamW
     * moments and per-parameter step counts ({@link AdamW#stateDict()}) and {@code trainer/global_step}.
     * Together with the model weights this is everything {@link #step} depends on, so a run resumed with
     * {@link #resume} continues bit-identically (given the same batches).
     *
     * @param checkpoint the model checkpoint the state belongs to
     * @throws IOException on I/O failure
     */
    public void saveState(Path checkpoint) throws IOException {
        Map<String, TensorData> sd = new java.util.LinkedHashMap<>(adam.stateDict());
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(0, step);
        sd.put("trainer/global_step", new TensorData("trainer/global_step", dev.beit3.core.checkpoint.DType.INT64,
                new long[] {1}, b));
        CheckpointWriter.writeSafetensors(optimizerStateFile(checkpoint), sd,
                Map.of("format", "pt", "content", "beit3-java AdamW state", "task", task.id()));
    }

    /**
     * Restores the optimizer state and the global step written by {@link #saveState} (the model weights
     * are loaded separately, from the checkpoint itself).
     *
     * @param checkpoint the model checkpoint whose side file to read
     * @throws IOException when the side file is missing or unreadable
     */
    public void resume(Path checkpoint) throws IOException {
        Path f = optimizerStateFile(checkpoint);
        if (!java.nio.file.Files.isRegularFile(f)) {
            throw new java.nio.file.NoSuchFileException(f.toString(), null,
                    "no optimizer state next to the checkpoint: was it written by a training run?");
        }
        Map<String, TensorData> sd = dev.beit3.core.checkpoint.Checkpoint.read(f).tensors();
        TensorData gs = sd.get("trainer/global_step");
        if (gs == null) {
            throw new IOException(f + " has no trainer/global_step; not a beit3-java optimizer state file");
        }
        adam.loadStateDict(sd);
        step = gs.toLongs()[0];
    }

    /** Frees the trainer's scope (not the model). */
    @Override
    public void close() {
        root.close();
    }
}
