package dev.beit3.heads;

import ai.djl.ndarray.NDManager;
import dev.beit3.api.EncoderInput;
import dev.beit3.core.checkpoint.CheckpointWeights;
import dev.beit3.core.encoder.MultiwayEncoder;
import dev.beit3.core.vlmo.VlmoLayout;

/** Placeholder until the VLMo heads exist: head outputs are checked by the head providers. */
final class VlmoHeadsForTests {
    VlmoHeadsForTests(VlmoLayout layout, CheckpointWeights ws) {}

    void nlvr2(ParityCase c, MultiwayEncoder enc, NDManager call) {}

    void retrieval(ParityCase c, MultiwayEncoder enc, NDManager call) {}

    void single(ParityCase c, MultiwayEncoder enc, EncoderInput in, NDManager call) {}
}
