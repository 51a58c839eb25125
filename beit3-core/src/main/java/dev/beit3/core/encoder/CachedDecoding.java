package dev.beit3.core.encoder;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import dev.beit3.api.DecodingSession;
import dev.beit3.api.EncoderInput;
import dev.beit3.api.EncoderOutput;

/**
 * The {@link DecodingSession} of a {@link MultiwayEncoder}: a {@link KeyValueCache} and the text length that
 * decides the positions of the next tokens; each call runs {@link MultiwayEncoder}'s incremental pass.
 */
final class CachedDecoding implements DecodingSession {
    private final MultiwayEncoder encoder;
    private final KeyValueCache cache;
    private int textLength;
    private boolean started;

    CachedDecoding(MultiwayEncoder encoder, NDManager owner) {
        this.encoder = encoder;
        this.cache = new KeyValueCache(encoder.config().layers(), owner);
    }

    @Override
    public EncoderOutput start(EncoderInput prompt, NDManager scope) {
        if (started) {
            throw new IllegalStateException("this decoding has already started; feed new tokens with step(...)");
        }
        started = true;
        return advance(prompt, scope);
    }

    @Override
    public EncoderOutput step(NDArray textIds, NDArray attentionMask, NDManager scope) {
        if (!started) {
            throw new IllegalStateException("start the decoding with the image and the prompt first (start(...))");
        }
        return advance(EncoderInput.text(textIds, null).withAttentionMask(attentionMask), scope);
    }

    private EncoderOutput advance(EncoderInput in, NDManager scope) {
        EncoderOutput out = encoder.encodeIncrement(in, cache, textLength, scope);
        if (in.textIds() != null) {
            textLength += (int) in.textIds().getShape().get(1);
        }
        return out;
    }

    @Override
    public long length() {
        return cache.length();
    }

    @Override
    public int textLength() {
        return textLength;
    }

    @Override
    public void dropLast(int n) {
        if (n < 0 || n > textLength) {
            throw new IllegalArgumentException("cannot drop " + n + " tokens: the decoding holds " + textLength
                    + " text tokens");
        }
        if (n > 0) {
            cache.dropLast(n);
            textLength -= n;
        }
    }

    @Override
    public void reorder(long[] rows) {
        cache.reorder(rows);
    }

    @Override
    public void close() {
        cache.close();
    }
}
