package dev.beit3.expert.vision.image;

import dev.beit3.api.Api;
import dev.beit3.api.ImagePreprocessor;
import dev.beit3.api.ImagePreprocessorProvider;

/**
 * The reference's image preprocessing as a discoverable provider ({@value ImagePreprocessorProvider#DEFAULT_ID}):
 * {@link ImageDecoder}'s PIL decoding rules and {@link ImageTransform}'s evaluation transforms.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class ReferenceImagePreprocessorProvider implements ImagePreprocessorProvider {
    private static final ImagePreprocessor PREPROCESSOR = new ReferenceImagePreprocessor();

    /** Creates the provider (ServiceLoader needs a public no-arg constructor). */
    public ReferenceImagePreprocessorProvider() {}

    @Override
    public String id() {
        return DEFAULT_ID;
    }

    @Override
    public String description() {
        return "reference image preprocessing (PIL decoding rules, bicubic resize, vl_eval / imagenet_eval)";
    }

    @Override
    public ImagePreprocessor preprocessor() {
        return PREPROCESSOR;
    }
}
