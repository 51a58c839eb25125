package dev.beit3.cli;

import dev.beit3.api.EncoderConfig;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.Tokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;

/** Parses {@code --scratch SPEC}: the dimensions of a model trained from scratch. */
final class ScratchSpec {
    private ScratchSpec() {}

    /**
     * The configuration of {@code spec}: {@code base}, {@code large}, or {@code key=value} pairs over base.
     *
     * @param spec the option value
     * @param heads {@code --heads}, or null (then the spec's {@code heads}, else width/64)
     * @param spm the tokenizer, whose size is the default vocabulary, or null
     * @return the configuration (BEiT-3 family, final LayerNorm on)
     * @throws IOException if the tokenizer cannot be read
     */
    static EncoderConfig parse(String spec, Integer heads, Path spm) throws IOException {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        EncoderConfig base = s.equals("large") ? EncoderConfig.beit3Large(224, true) : EncoderConfig.beit3Base(224, true);
        int image = base.imageSize();
        int patch = base.patchSize();
        int dim = base.dim();
        Integer h = null;
        int layers = base.layers();
        int ffn = base.ffnDim();
        Integer vocab = null;
        int positions = base.maxTextPositions();
        if (!s.equals("base") && !s.equals("large")) {
            for (String part : s.split(",")) {
                String[] kv = part.split("=", 2);
                if (kv.length != 2 || kv[1].isBlank()) {
                    throw bad(spec, "'" + part + "' is not key=value");
                }
                int v;
                try {
                    v = Integer.parseInt(kv[1].trim());
                } catch (NumberFormatException e) {
                    throw bad(spec, "'" + kv[1] + "' is not a whole number");
                }
                switch (kv[0].trim()) {
                    case "image" -> image = v;
                    case "patch" -> patch = v;
                    case "dim" -> dim = v;
                    case "heads" -> h = v;
                    case "layers" -> layers = v;
                    case "ffn" -> ffn = v;
                    case "vocab" -> vocab = v;
                    case "positions" -> positions = v;
                    default -> throw bad(spec, "unknown key '" + kv[0].trim() + "'");
                }
            }
        }
        if (heads != null && h != null && !heads.equals(h)) {
            throw new InvalidInputException("--heads " + heads + " contradicts heads=" + h + " in --scratch");
        }
        int nHeads = heads != null ? heads : h != null ? h : s.equals("large") ? 16 : Math.max(1, dim / 64);
        if (vocab == null) {
            if (spm != null) {
                try (Tokenizer tok = Preprocessors.tokenizer(spm)) {
                    vocab = tok.vocabularySize();
                }
            } else {
                vocab = EncoderConfig.BEIT3_VOCAB;
            }
        }
        try {
            return new EncoderConfig(base.family(), dim, nHeads, layers, ffn, patch, image, vocab, positions,
                    base.layerNormEps(), true, layers);
        } catch (IllegalArgumentException e) {
            throw bad(spec, e.getMessage());
        }
    }

    private static InvalidInputException bad(String spec, String why) {
        return new InvalidInputException("--scratch " + spec + ": " + why + " (use base, large, or e.g."
                + " image=64,patch=16,dim=96,heads=4,layers=4,ffn=384)");
    }
}
