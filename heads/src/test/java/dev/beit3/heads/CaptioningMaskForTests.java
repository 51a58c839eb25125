package dev.beit3.heads;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/** Gives tests in this package access to the captioning mask of the head. */
final class CaptioningMaskForTests {
    private CaptioningMaskForTests() {}

    static NDArray mask(int nv, int t, NDManager m) {
        return CaptioningMask.full(nv, t, m);
    }
}
