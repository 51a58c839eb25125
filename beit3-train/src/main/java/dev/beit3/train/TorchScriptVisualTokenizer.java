package dev.beit3.train;

import ai.djl.Model;
import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import dev.beit3.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A {@link VisualTokenizer} from a TorchScript file, run by DJL's PyTorch engine: the way to use a
 * Python-trained tokenizer (BEiT v2's VQ-KD, a DALL-E dVAE, any codebook) in a Java pretraining run.
 * Export it once with {@code torch.jit.trace}/{@code torch.jit.script} as a module whose {@code forward}
 * takes the model's preprocessed images (B, 3, S, S) and returns one integer id per patch, (B, N) with
 * patch k = row·G + col; fold any re-normalisation the tokenizer needs into the exported module.
 *
 * <p>The module runs without gradient recording; its output is checked (shape, integer type, ids in
 * [0, K)) so a wrong export fails with a message instead of training on garbage. Close it to free the
 * native module.
 */
public final class TorchScriptVisualTokenizer implements VisualTokenizer, AutoCloseable {
    private final Model model;
    private final int vocabularySize;
    private final Path file;

    private TorchScriptVisualTokenizer(Model model, int vocabularySize, Path file) {
        this.model = model;
        this.vocabularySize = vocabularySize;
        this.file = file;
    }

    /**
     * Loads a TorchScript tokenizer (offline, CPU).
     *
     * @param file the {@code .pt} file saved by {@code torch.jit.save}
     * @param vocabularySize the codebook size K (ids must lie in [0, K))
     * @return the tokenizer
     * @throws IOException when the file cannot be read
     * @throws InvalidInputException when the file is missing or is not a TorchScript module
     */
    public static TorchScriptVisualTokenizer load(Path file, int vocabularySize) throws IOException {
        if (vocabularySize < 1) {
            throw new InvalidInputException("the visual codebook size must be ≥ 1, got " + vocabularySize);
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("visual tokenizer file not found: " + file);
        }
        Model m = Model.newInstance("visual-tokenizer", "PyTorch");
        try {
            m.load(file);
        } catch (MalformedModelException | RuntimeException e) {
            m.close();
            throw new InvalidInputException(file + " is not a TorchScript module (save one with torch.jit.save): "
                    + e.getMessage(), e);
        }
        return new TorchScriptVisualTokenizer(m, vocabularySize, file);
    }

    @Override
    public int vocabularySize() {
        return vocabularySize;
    }

    @Override
    public NDArray tokenize(NDArray images, NDManager scope) {
        Block block = model.getBlock();
        boolean grad = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
        NDList out;
        try (NDManager call = scope.newSubManager()) {
            NDArray in = images.stopGradient(); // (B, 3, S, S)
            in.attach(call);
            out = block.forward(new ParameterStore(call, false), new NDList(in), false);
            NDArray ids = out.singletonOrThrow();
            check(ids, images);
            NDArray result = ids.toType(DataType.INT64, true); // (B, N)
            result.attach(scope);
            return result;
        } finally {
            JniUtils.setGradMode(grad);
        }
    }

    private void check(NDArray ids, NDArray images) {
        long b = images.getShape().get(0);
        if (ids.getShape().dimension() != 2 || ids.getShape().get(0) != b) {
            throw new InvalidInputException(file + " returned shape " + ids.getShape() + " for " + b
                    + " images; a visual tokenizer returns (B, N): one id per patch");
        }
        DataType t = ids.getDataType();
        if (t != DataType.INT64 && t != DataType.INT32 && t != DataType.UINT8 && t != DataType.INT8) {
            throw new InvalidInputException(file + " returned " + t + " values; a visual tokenizer returns integer"
                    + " ids (e.g. argmin over the codebook)");
        }
        dev.beit3.core.nn.Ops.requireIdsBelow(ids, vocabularySize, bad -> file + " returned id " + bad
                + " but the codebook has " + vocabularySize + " entries (--visual-vocab)");
    }

    /** Frees the native module. */
    @Override
    public void close() {
        model.close();
    }

    @Override
    public String toString() {
        return "TorchScriptVisualTokenizer[" + file + ", K=" + vocabularySize + "]";
    }
}
