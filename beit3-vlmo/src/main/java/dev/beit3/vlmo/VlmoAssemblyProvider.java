package dev.beit3.vlmo;

import dev.beit3.api.Api;
import dev.beit3.api.ModelFamily;
import dev.beit3.core.load.EncoderAssembly;
import dev.beit3.core.load.EncoderAssemblyProvider;

/** Assembles VLMo encoders for the loader ({@code Vlmo.load} asks for the family, not for this class). */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class VlmoAssemblyProvider implements EncoderAssemblyProvider {
    /** For {@link java.util.ServiceLoader}. */
    public VlmoAssemblyProvider() {}

    @Override
    public ModelFamily family() {
        return ModelFamily.VLMO;
    }

    @Override
    public EncoderAssembly create(int heads, int imageSize) {
        return new VlmoAssembly(heads, imageSize);
    }
}
