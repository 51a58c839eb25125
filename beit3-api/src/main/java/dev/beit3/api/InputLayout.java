package dev.beit3.api;

/** What a sequence fed to the encoder holds; routing plans are given per layout. */
@Api(status = Api.Status.STABLE, since = "0.1.0")
public enum InputLayout {
    /** Image tokens only (cls + patches). */
    VISION,
    /** Text tokens only. */
    LANGUAGE,
    /** Image and text tokens in one sequence (BEiT-3: image first; VLMo: text first). */
    FUSED
}
