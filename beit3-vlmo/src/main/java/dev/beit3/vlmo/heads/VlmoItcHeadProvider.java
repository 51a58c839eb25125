package dev.beit3.vlmo.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.Api;
import dev.beit3.api.Encoder;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.EncoderOutput;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.InvalidInputException;
import dev.beit3.api.TaskHead;
import dev.beit3.api.TaskPreset;
import dev.beit3.api.WeightSource;
import dev.beit3.core.nn.LinearWeights;
import dev.beit3.core.spi.DeclaredHeadProvider;
import java.util.Set;

/**
 * VLMo image-text contrast (ITC and ITC-VL, {@code objectives.compute_itc} / {@code
 * compute_irtr_recall}): an image-only pass gives {@code image_cls_feats = l2(itc_image_proj(norm(x)[:,
 * 0]))}, a text-only pass {@code text_cls_feats = l2(itc_text_proj(...))}; their VL branches give the
 * {@code _vlffn_} features through {@code itc_vl_*_proj}. {@code scores = image · textᵀ}, {@code
 * itc_logits_per_image = exp(logit_scale)·scores}, {@code itc_vl_logits_per_image = exp(logit_vl_scale)·
 * image_vl · text_vlᵀ}. Outputs that lack their input (or their projection / the VL branch) are empty
 * arrays ((0, E) or (0, 0)).
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoItcHeadProvider extends DeclaredHeadProvider {
    /** The head id. */
    public static final String ID = "vlmo-itc";
    /** Preset: pretrained VLMo retrieval at 224 px, 40 text tokens. */
    public static final TaskPreset PRESET = new TaskPreset(ID, 224, 40, true, true, true);

    /** Creates the provider. */
    public VlmoItcHeadProvider() {
        super(ID, ModelFamily.VLMO, PRESET, Set.of("itc_image_proj.fc.weight", "itc_text_proj.fc.weight"),
                "VLMo ITC / ITC-VL: L2-normalised image and text features (and their VL-branch versions), scores");
    }

    @Override
    public TaskHead create(HeadSpec spec, WeightSource ws) {
        long d = spec.encoder().dim();
        long e = VlmoHeadSupport.outFeatures(ws, "itc_image_proj.fc.weight", ID);
        String p = "VLMo ITC head";
        LinearWeights img = LinearWeights.load(ws, "itc_image_proj.fc", e, d, false, p);
        LinearWeights txt = LinearWeights.load(ws, "itc_text_proj.fc", e, d, false, p);
        LinearWeights vlImg = ws.contains("itc_vl_image_proj.fc.weight")
                ? LinearWeights.load(ws, "itc_vl_image_proj.fc", e, d, false, p) : null;
        LinearWeights vlTxt = ws.contains("itc_vl_text_proj.fc.weight")
                ? LinearWeights.load(ws, "itc_vl_text_proj.fc", e, d, false, p) : null;
        NDArray scale = ws.optional("logit_scale", new Shape(), p).orElse(null);
        NDArray vlScale = ws.optional("logit_vl_scale", new Shape(), p).orElse(null);
        return new Head(img, txt, vlImg, vlTxt, scale, vlScale, e);
    }

    private static final class Head extends VlmoHead {
        private final LinearWeights image;
        private final LinearWeights text;
        private final LinearWeights vlImage;
        private final LinearWeights vlText;
        private final NDArray logitScale;
        private final NDArray logitVlScale;
        private final long dim;

        Head(LinearWeights image, LinearWeights text, LinearWeights vlImage, LinearWeights vlText,
                NDArray logitScale, NDArray logitVlScale, long dim) {
            super(ID, "image_cls_feats", "text_cls_feats", "image_cls_vlffn_feats", "text_cls_vlffn_feats",
                    "scores", "itc_logits_per_image", "itc_vl_logits_per_image");
            this.image = image;
            this.text = text;
            this.vlImage = vlImage;
            this.vlText = vlText;
            this.logitScale = logitScale;
            this.logitVlScale = logitVlScale;
            this.dim = dim;
        }

        @Override
        NDList run(Encoder encoder, HeadInput input, NDManager scope) {
            if (input.images() == null && input.textIds() == null) {
                throw new InvalidInputException("the " + ID + " head needs images, texts, or both");
            }
            NDArray[] i = input.images() == null ? empty(scope)
                    : features(encoder, EncoderInput.vision(input.images()), image, vlImage, scope);
            NDArray[] t = input.textIds() == null ? empty(scope)
                    : features(encoder, EncoderInput.text(input.textIds(), input.textPaddingMask()), text, vlText, scope);
            boolean both = input.images() != null && input.textIds() != null;
            NDArray scores = both ? i[0].matMul(t[0].transpose()) : scope.zeros(new Shape(0, 0)); // (Ni, Nt)
            NDArray logits = both && logitScale != null ? scores.mul(logitScale.exp()) : scope.zeros(new Shape(0, 0));
            NDArray vlLogits = both && logitVlScale != null && i[1].getShape().get(0) > 0 && t[1].getShape().get(0) > 0
                    ? i[1].matMul(t[1].transpose()).mul(logitVlScale.exp()) : scope.zeros(new Shape(0, 0));
            return new NDList(i[0], t[0], i[1], t[1], scores, logits, vlLogits);
        }

        private NDArray[] empty(NDManager scope) {
            return new NDArray[] {scope.zeros(new Shape(0, dim)), scope.zeros(new Shape(0, dim))};
        }

        private NDArray[] features(Encoder encoder, EncoderInput in, LinearWeights proj, LinearWeights vlProj,
                NDManager scope) {
            boolean vl = vlProj != null;
            EncoderOutput out = encoder.encode(in.withAllHiddenStates(vl), scope);
            NDArray cls = VlmoHeadSupport.l2(proj.apply(out.output().get(":, 0"))); // (B, E)
            NDArray vlOut = vl ? VlmoHeadSupport.vlBranch(encoder, out, scope) : null; // (B, Tm, D)
            NDArray vlCls = vlOut == null ? scope.zeros(new Shape(0, dim))
                    : VlmoHeadSupport.l2(vlProj.apply(vlOut.get(":, 0"))); // (B, E)
            return new NDArray[] {cls, vlCls};
        }
    }
}
