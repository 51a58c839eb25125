package dev.beit3.api;

/** A part of the joint sequence that a route sends to one expert. */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public enum Segment {
    /** The image tokens (cls + patches), wherever they sit in the sequence. */
    VISION_PART,
    /** The text tokens. */
    LANGUAGE_PART,
    /** Every token of the sequence. */
    ALL
}
