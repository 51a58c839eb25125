package dev.beit3.spark;

import dev.beit3.api.InvalidInputException;
import dev.beit3.model.Beit3;
import dev.beit3.model.ModelPackage;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What identifies one loaded model on an executor: the key of the executor's model cache. Either a model
 * package (a folder with {@code models.json}) and a task, or a checkpoint with its tokenizer. Paths must be
 * readable on every executor (a shared mount, or files shipped with {@code --files}/{@code --archives}).
 *
 * @param modelPackage folder with {@code models.json}, or empty
 * @param task the package's task (used with {@code modelPackage})
 * @param checkpoint the checkpoint file, or empty (used without {@code modelPackage})
 * @param tokenizer the SentencePiece file, or empty (needed for text)
 * @param head the head id; empty: the task's (package) or detected from the checkpoint
 * @param attentionHeads attention heads, 0 for the package's or the checkpoint's default
 * @param maxTextLength text segment length, 0 for the package's or the preset's
 */
record ModelSpec(String modelPackage, String task, String checkpoint, String tokenizer, String head,
        int attentionHeads, int maxTextLength) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The largest batch a partition may pass to the model in one call. */
    static final int MAX_BATCH = 1 << 16;

    ModelSpec {
        modelPackage = blankToEmpty(modelPackage);
        task = blankToEmpty(task);
        checkpoint = blankToEmpty(checkpoint);
        tokenizer = blankToEmpty(tokenizer);
        head = blankToEmpty(head);
        if (modelPackage.isEmpty() == checkpoint.isEmpty()) {
            throw new InvalidInputException(modelPackage.isEmpty()
                    ? "no model given: set either modelPackage (a folder with models.json) or checkpoint"
                    : "both modelPackage (" + modelPackage + ") and checkpoint (" + checkpoint
                            + ") are set; set one of them");
        }
        if (!modelPackage.isEmpty() && task.isEmpty()) {
            throw new InvalidInputException("modelPackage " + modelPackage + " needs a task, e.g. retrieval");
        }
        if (attentionHeads < 0 || maxTextLength < 0) {
            throw new InvalidInputException("attentionHeads and maxTextLength must be ≥ 0 (0 = default), got "
                    + attentionHeads + " and " + maxTextLength);
        }
    }

    private static String blankToEmpty(String s) {
        return s == null ? "" : s.strip();
    }

    /**
     * Loads the model this spec names (on an executor). Its batch size is unbounded: callers pass one batch per
     * call, which the facade runs in one native memory scope.
     *
     * @return the model
     */
    Beit3 load() {
        Beit3.Builder b;
        if (!modelPackage.isEmpty()) {
            Path dir = Path.of(modelPackage);
            if (!Files.isDirectory(dir)) {
                throw new InvalidInputException("model package folder " + dir.toAbsolutePath() + " does not exist"
                        + " on this executor; put it on a mount every executor sees or ship it with --archives");
            }
            b = ModelPackage.open(dir).builder(task);
            if (!tokenizer.isEmpty()) {
                b.tokenizer(Path.of(tokenizer));
            }
        } else {
            Path ckpt = Path.of(checkpoint);
            if (!Files.isRegularFile(ckpt)) {
                throw new InvalidInputException("checkpoint " + ckpt.toAbsolutePath() + " does not exist on this"
                        + " executor; put it on a mount every executor sees or ship it with --files");
            }
            b = Beit3.builder().checkpoint(ckpt);
            if (!tokenizer.isEmpty()) {
                b.tokenizer(Path.of(tokenizer));
            }
        }
        if (!head.isEmpty()) {
            b.head(head);
        }
        if (attentionHeads > 0) {
            b.attentionHeads(attentionHeads);
        }
        if (maxTextLength > 0) {
            b.maxTextLength(maxTextLength);
        }
        // the partition function makes the batches; the facade must not split them again
        return b.batchSize(MAX_BATCH).build();
    }

    /** @return a short description for messages */
    String describe() {
        return (modelPackage.isEmpty() ? "checkpoint " + checkpoint : "model package " + modelPackage + " task " + task)
                + (head.isEmpty() ? "" : " head " + head);
    }
}
