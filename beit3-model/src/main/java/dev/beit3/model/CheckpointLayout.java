package dev.beit3.model;

import dev.beit3.api.CheckpointException;
import dev.beit3.api.HeadProvider;
import dev.beit3.core.checkpoint.Checkpoint;
import dev.beit3.core.checkpoint.TensorData;
import dev.beit3.core.plugin.ProviderRegistry;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The BEiT-3 dimensions read off a checkpoint's tensor shapes (architecture doc b.3): D and V from
 * the text embedding, F from layer 0's FFN, P from the patch convolution, S = P·√(rows − 3) from the
 * vision positions, L from the layer indices, the final norm from its keys.
 */
record CheckpointLayout(Checkpoint checkpoint, int dim, int layers, int ffnDim, int patchSize, int imageSize,
        int vocabSize, boolean finalLayerNorm) {
    private static final Pattern LAYER = Pattern.compile("^beit3\\.encoder\\.layers\\.(\\d+)\\.");

    static CheckpointLayout of(Checkpoint c) {
        Map<String, TensorData> t = c.tensors();
        if (!t.containsKey("beit3.text_embed.weight")) {
            boolean vlmo = t.keySet().stream().anyMatch(k -> k.startsWith("transformer.blocks."));
            throw new CheckpointException(c.source() + " is not a BEiT-3 checkpoint: it has no key"
                    + " beit3.text_embed.weight" + (vlmo ? " (its keys transformer.blocks.* are VLMo's; load it with Vlmo.load(path))"
                    : "; first keys: " + t.keySet().stream().limit(5).toList()));
        }
        long[] emb = shape(c, "beit3.text_embed.weight");
        long[] fc1 = shape(c, "beit3.encoder.layers.0.ffn.A.fc1.weight");
        long[] proj = shape(c, "beit3.vision_embed.proj.weight");
        long[] pos = shape(c, "beit3.encoder.embed_positions.A.weight");
        int layers = 0;
        for (String k : t.keySet()) {
            Matcher m = LAYER.matcher(k);
            if (m.find()) {
                layers = Math.max(layers, Integer.parseInt(m.group(1)) + 1);
            }
        }
        int patch = (int) proj[2];
        long grid = Math.round(Math.sqrt(pos[0] - 3));
        if (grid * grid != pos[0] - 3) {
            throw new CheckpointException("beit3.encoder.embed_positions.A.weight has " + pos[0]
                    + " rows; expected 3 + a square number of patches");
        }
        return new CheckpointLayout(c, (int) emb[1], layers, (int) fc1[0], patch, (int) (grid * patch), (int) emb[0],
                t.containsKey("beit3.encoder.layer_norm.A.weight"));
    }

    private static long[] shape(Checkpoint c, String key) {
        long[] d = c.shape(key).orElse(null);
        if (d == null) {
            throw new CheckpointException("checkpoint " + c.source() + " has no key " + key
                    + " (every BEiT-3 checkpoint has it); is the file complete?");
        }
        return d;
    }

    /** D/64 heads as in the released base (12) and large (16) models. */
    int defaultHeads() {
        if (dim % 64 != 0) {
            throw new CheckpointException("cannot infer the number of attention heads of a model with width " + dim
                    + " (released models use D/64); set it with Beit3.builder().attentionHeads(h)");
        }
        return dim / 64;
    }

    /** The registered BEiT-3 heads whose signature keys all occur in the checkpoint. */
    java.util.List<String> supportedHeads(ProviderRegistry reg) {
        return reg.heads().values().stream().filter(h -> h.family() == dev.beit3.api.ModelFamily.BEIT3)
                .filter(h -> !h.signatureKeys().isEmpty()
                        && checkpoint.tensors().keySet().containsAll(h.signatureKeys()))
                .map(HeadProvider::id).toList();
    }

    /** Fails when a head's signature keys are missing, naming them and the heads the checkpoint supports. */
    void requireHead(HeadProvider h, ProviderRegistry reg) {
        java.util.List<String> missing = h.signatureKeys().stream()
                .filter(k -> !checkpoint.tensors().containsKey(k)).sorted().toList();
        if (!missing.isEmpty()) {
            throw new CheckpointException("checkpoint " + checkpoint.source().getFileName() + " has no weights for the "
                    + h.id() + " head: missing " + missing + "; heads this checkpoint supports: "
                    + supportedHeads(reg) + " (a pretrained backbone supports none)");
        }
    }

    /** The registered head whose signature keys all occur, preferring the most specific. */
    String detectHead(ProviderRegistry reg) {
        HeadProvider best = null;
        for (HeadProvider h : reg.heads().values()) {
            if (h.family() == dev.beit3.api.ModelFamily.BEIT3 && !h.signatureKeys().isEmpty()
                    && checkpoint.tensors().keySet().containsAll(h.signatureKeys())
                    && (best == null || h.signatureKeys().size() > best.signatureKeys().size())) {
                best = h;
            }
        }
        if (best == null) {
            throw new CheckpointException("no registered head recognises the keys of " + checkpoint.source()
                    + " (a pretrained backbone has no task head); name one with head(id); heads: "
                    + reg.heads().keySet());
        }
        return best.id();
    }
}
