package dev.beit3.heads;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.HeadInput;
import dev.beit3.api.HeadProvider;
import dev.beit3.api.HeadSpec;
import dev.beit3.api.InputLayout;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.TaskHead;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.vlmo.VlmoLayout;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The VLMo heads of a checkpoint, built through ServiceLoader from every VLMo head provider whose
 * signature keys the checkpoint holds, and the head checks of {@link VlmoParityTest}.
 */
final class VlmoHeadsForTests {
    private final Map<String, TaskHead> heads = new HashMap<>();

    VlmoHeadsForTests(VlmoLayout layout, CheckpointWeights ws) {
        for (HeadProvider p : ServiceLoader.load(HeadProvider.class).stream().map(ServiceLoader.Provider::get).toList()) {
            if (p.family() == ModelFamily.VLMO && ws.keys().containsAll(p.signatureKeys())) {
                heads.put(p.id(), p.create(new HeadSpec(layout.encoderConfig(), p.preset(), Map.of()), ws));
            }
        }
    }

    private TaskHead head(String id) {
        TaskHead h = heads.get(id);
        assertThat(h).as("head %s built for this checkpoint (heads: %s)", id, heads.keySet()).isNotNull();
        return h;
    }

    /** Head outputs of the image, text, vl and VQA cases. */
    void single(ParityCase c, MultiwayEncoder enc, EncoderInput in, NDManager call) {
        HeadInput hi = new HeadInput(in.image(), null, in.textIds(), in.textPaddingMask(), Map.of());
        if (in.layout() != InputLayout.FUSED) {
            if (!c.has("cls_feats")) {
                return;
            }
            NDList out = head("vlmo-itc").forward(enc, hi, call);
            int k = in.layout() == InputLayout.VISION ? 0 : 1;
            c.check("cls_feats", out.get(k).toFloatArray());
            if (c.has("cls_vlffn_feats")) {
                c.check("cls_vlffn_feats", out.get(k + 2).toFloatArray());
            }
            return;
        }
        if (c.has("itm_logits")) {
            NDList out = head("vlmo-itm").forward(enc, hi, call);
            c.check("itm_logits", out.get(0).toFloatArray());
            c.check("cls_feats", out.get(1).toFloatArray());
        }
        if (c.has("mlm_logits")) {
            c.check("mlm_logits", head("vlmo-mlm").forward(enc, hi, call).get(0).toFloatArray());
        }
        if (c.has("logits")) {
            NDList out = head("vlmo-vqa").forward(enc, hi, call);
            c.check("logits", out.get(0).toFloatArray());
            c.check("cls_feats", out.get(1).toFloatArray());
        }
    }

    /** The NLVR2 case: two passes with image token types 1 and 2. */
    void nlvr2(ParityCase c, MultiwayEncoder enc, NDManager call) {
        NDList out = head("vlmo-nlvr2").forward(enc, new HeadInput(c.input("image_0", call), c.input("image_1", call),
                c.input("text_ids", call), VlmoParityTest.padding(c, call), Map.of()), call);
        c.check("logits", out.get(0).toFloatArray());
        c.check("cls_feats", out.get(1).toFloatArray());
    }

    /** The retrieval case: ITC / ITC-VL over all images and texts, ITM on every pair, re-ranked scores. */
    void retrieval(ParityCase c, MultiwayEncoder enc, NDManager call) {
        NDArray images = c.input("image", call);
        NDArray ids = c.input("text_ids", call);
        NDArray pad = VlmoParityTest.padding(c, call);
        NDList itc = head("vlmo-itc").forward(enc, new HeadInput(images, null, ids, pad, Map.of()), call);
        c.check("image_cls_feats", itc.get(0).toFloatArray());
        c.check("text_cls_feats", itc.get(1).toFloatArray());
        c.check("image_cls_vlffn_feats", itc.get(2).toFloatArray());
        c.check("text_cls_vlffn_feats", itc.get(3).toFloatArray());
        c.check("scores", itc.get(4).toFloatArray());
        c.check("itc_logits_per_image", itc.get(5).toFloatArray());
        c.check("itc_vl_logits_per_image", itc.get(6).toFloatArray());
        long ni = images.getShape().get(0);
        long nt = ids.getShape().get(0);
        NDList pairs = new NDList();
        for (long i = 0; i < ni; i++) {
            NDArray img = images.get("{}:{}", i, i + 1).repeat(0, nt); // (Nt, 3, S, S)
            pairs.add(head("vlmo-itm").forward(enc, new HeadInput(img, null, ids, pad, Map.of()), call).get(0)
                    .expandDims(0)); // (1, Nt, 2)
        }
        NDArray itm = NDArrays.concat(pairs, 0); // (Ni, Nt, 2)
        c.check("itm_pair_logits", itm.toFloatArray());
        c.check("rerank_scores_i2t", itm.get(":, :, 1").add(itc.get(4)).toFloatArray());
    }
}
