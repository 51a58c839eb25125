package dev.beit3.expert.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import dev.beit3.api.CheckpointException;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.Modality;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.Bicubic;
import java.util.Optional;

/**
 * Patch embedding + cls token (+ mask token) and the vision position rows 2…Nv+1.
 *
 * <p>Shapes: B batch, S image side, P patch, G = S/P, N = G², Nv = N + 1, D width.
 */
final class VisionEmbedding implements TokenEmbedding {
    private static final String POS = "beit3.encoder.embed_positions.A.weight";
    private final NDArray projWeight; // (D, 3, P, P)
    private final NDArray projBias; // (D)
    private final NDArray cls; // (1, 1, D)
    private final NDArray maskToken; // (1, 1, D) or null
    private final NDArray positions; // (Nv, D): rows 2… of the table
    private final int patch;
    private final String provenance;

    VisionEmbedding(EncoderConfig c, WeightSource ws) {
        int d = c.dim();
        patch = c.patchSize();
        String purpose = "vision embedding";
        projWeight = ws.require("beit3.vision_embed.proj.weight", new Shape(d, 3, patch, patch), purpose);
        projBias = ws.require("beit3.vision_embed.proj.bias", new Shape(d), purpose);
        cls = ws.require("beit3.vision_embed.cls_token", new Shape(1, 1, d), purpose);
        maskToken = ws.optional("beit3.vision_embed.mask_token", new Shape(1, 1, d), purpose).orElse(null);
        int n = c.numPatches();
        Optional<Shape> stored = ws.shape(POS);
        long rows = stored.map(s -> s.get(0)).orElse((long) n + 3);
        NDArray table;
        if (stored.isPresent() && rows != n + 3 && stored.get().dimension() == 2 && stored.get().get(1) == d) {
            long g2 = rows - 3;
            int g = (int) Math.round(Math.sqrt(g2));
            if ((long) g * g != g2) {
                throw new CheckpointException(POS + " has " + rows + " rows; expected 3 + a square number of patches");
            }
            NDArray raw = ws.require(POS, new Shape(rows, d), purpose + " (positions, interpolated)");
            float[] all = raw.toFloatArray();
            int gn = c.gridSize();
            float[] grid = java.util.Arrays.copyOfRange(all, 3 * d, all.length);
            float[] resized = Bicubic.resizeGrid(grid, g, gn, d);
            float[] merged = new float[(3 + gn * gn) * d];
            System.arraycopy(all, 0, merged, 0, 3 * d);
            System.arraycopy(resized, 0, merged, 3 * d, resized.length);
            table = ws.manager().create(merged, new Shape(3 + (long) gn * gn, d));
            provenance = "vision positions interpolated " + g + "×" + g + " → " + gn + "×" + gn
                    + " (PyTorch bicubic, A = -0.75, align_corners=False, first 3 rows kept)";
        } else {
            table = ws.require(POS, new Shape(n + 3, d), purpose + " (positions)");
            provenance = "";
        }
        positions = table.get("2:");
    }

    @Override
    public Modality modality() {
        return Modality.VISION;
    }

    @Override
    public NDArray embed(EncoderInput input) {
        NDArray img = input.image(); // (B, 3, S, S)
        long b = img.getShape().get(0);
        NDArray x = Conv2d.conv2d(img, projWeight, projBias, new Shape(patch, patch)).singletonOrThrow(); // (B, D, G, G)
        long d = x.getShape().get(1);
        x = x.reshape(b, d, -1).transpose(0, 2, 1); // (B, N, D), patch k = row·G + col
        NDArray masked = input.visionMaskedPositions();
        if (masked != null) {
            if (maskToken == null) {
                throw new InvalidInputException("masked-image input needs beit3.vision_embed.mask_token, which this"
                        + " checkpoint lacks");
            }
            if (!masked.getShape().equals(new Shape(b, x.getShape().get(1)))) {
                throw new InvalidInputException("vision mask has shape " + masked.getShape() + "; expected (" + b
                        + ", " + x.getShape().get(1) + ")");
            }
            NDArray w = masked.toType(DataType.FLOAT32, false).expandDims(2); // (B, N, 1)
            x = x.mul(w.neg().add(1f)).add(w.mul(maskToken)); // x·(1−w) + mask·w
        }
        NDArray c = x.getManager().zeros(new Shape(b, 1, d)).add(cls); // (B, 1, D)
        return NDArrays.concat(new NDList(c, x), 1); // (B, Nv, D)
    }

    @Override
    public NDArray addPositions(NDArray tokens) {
        return tokens.add(positions); // (B, Nv, D) + (Nv, D)
    }

    @Override
    public String provenance() {
        return provenance;
    }
}
