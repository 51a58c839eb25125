package dev.beit3.expert.vision.image;

import dev.beit3.api.Api;

/** The two evaluation transforms of the reference ({@code datasets.build_transform(is_train=False)}). */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public enum TransformKind {
    /** VQA, NLVR2, retrieval, captioning: resize to S×S (aspect ratio not kept), mean/std 0.5. */
    VL_EVAL,
    /**
     * Image classification: shorter side to S, centre crop S×S, ImageNet mean/std; for S ≤ 32 no resize or crop at
     * all (the reference's CIFAR path).
     */
    IMAGENET_EVAL
}
