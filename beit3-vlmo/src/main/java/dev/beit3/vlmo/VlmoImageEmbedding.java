package dev.beit3.vlmo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import dev.beit3.api.EncoderConfig;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.Modality;
import dev.beit3.api.TokenEmbedding;
import dev.beit3.api.WeightSource;

/**
 * Patch embedding + cls (+ absolute positions) + image token type. The token type depends on the
 * input's options, so {@link #embed} adds everything and {@link #addPositions} is the identity.
 *
 * <p>Shapes: B batch, S image side, P patch, G = S/P, N = G², D width.
 */
final class VlmoImageEmbedding implements TokenEmbedding {
    private final NDArray projWeight; // (D, 3, P, P)
    private final NDArray projBias; // (D)
    private final NDArray cls; // (1, 1, D)
    private final NDArray positions; // (1, N+1, D), or null with relative position bias
    private final NDArray tokenTypes; // (R, D), R = 2 (3 for NLVR2)
    private final int patch;

    VlmoImageEmbedding(EncoderConfig c, WeightSource ws) {
        String p = "VLMo image embedding";
        int d = c.dim();
        patch = c.patchSize();
        projWeight = ws.require("transformer.patch_embed.proj.weight", new Shape(d, 3, patch, patch), p);
        projBias = ws.require("transformer.patch_embed.proj.bias", new Shape(d), p);
        cls = ws.require("transformer.cls_token", new Shape(1, 1, d), p);
        positions = ws.contains("relative_position_bias_table") ? null
                : ws.require("transformer.pos_embed", new Shape(1, c.numPatches() + 1, d), p + " (absolute positions)");
        long types = ws.shape("token_type_embeddings.weight").map(s -> s.get(0)).orElse(2L);
        tokenTypes = ws.require("token_type_embeddings.weight", new Shape(types, d), p + " (token types)");
    }

    @Override
    public Modality modality() {
        return Modality.VISION;
    }

    @Override
    public NDArray embed(EncoderInput input) {
        String opt = input.options().getOrDefault(VlmoEncoders.IMAGE_TOKEN_TYPE, "1");
        long rows = tokenTypes.getShape().get(0);
        int type;
        try {
            type = Integer.parseInt(opt.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException("option " + VlmoEncoders.IMAGE_TOKEN_TYPE + "=" + opt + " is not an integer");
        }
        if (type < 0 || type >= rows) {
            throw new InvalidInputException("image token type " + type + " outside 0.." + (rows - 1)
                    + " of this checkpoint's token_type_embeddings (type 2 exists only in NLVR2 models)");
        }
        NDArray img = input.image(); // (B, 3, S, S)
        long b = img.getShape().get(0);
        NDArray x = Conv2d.conv2d(img, projWeight, projBias, new Shape(patch, patch)).singletonOrThrow(); // (B, D, G, G)
        long d = x.getShape().get(1);
        x = x.reshape(b, d, -1).transpose(0, 2, 1); // (B, N, D), patch k = row·G + col
        NDArray c = x.getManager().zeros(new Shape(b, 1, d)).add(cls); // (B, 1, D)
        x = NDArrays.concat(new NDList(c, x), 1); // (B, N+1, D)
        if (positions != null) {
            x = x.add(positions); // (B, N+1, D) + (1, N+1, D)
        }
        NDArray row = x.getManager().create(new long[] {type}); // (1)
        return x.add(dev.beit3.core.nn.Ops.lookup(row, tokenTypes)); // (B, N+1, D) + (1, D)
    }

    @Override
    public NDArray addPositions(NDArray tokens) {
        return tokens;
    }
}
