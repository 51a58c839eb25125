package dev.beit3.api;

import java.util.Objects;

/**
 * Sends one segment of the sequence to the expert of one provider.
 *
 * @param segment the tokens
 * @param expertId id of the {@link ExpertProvider} that serves them
 */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public record Route(Segment segment, String expertId) {
    /** Validates. */
    public Route {
        Objects.requireNonNull(segment, "segment");
        Objects.requireNonNull(expertId, "expertId");
    }

    @Override
    public String toString() {
        return segment + "→" + expertId;
    }
}
