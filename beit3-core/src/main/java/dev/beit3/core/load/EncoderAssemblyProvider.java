package dev.beit3.core.load;

import dev.beit3.api.Api;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.ProviderException;
import dev.beit3.core.encoder.FamilyProviders;

/**
 * Makes the {@link EncoderAssembly} of a model family other than BEiT-3 (whose assembly is built in): a service
 * provider that the family's module lists in {@code META-INF/services/dev.beit3.core.load.EncoderAssemblyProvider},
 * so that a facade asks for a family by value and never names the family module's classes.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
public interface EncoderAssemblyProvider {
    /**
     * The family this provider assembles.
     *
     * @return the family
     */
    ModelFamily family();

    /**
     * A fresh assembly for one load.
     *
     * @param heads attention heads H, or 0 to infer them from the checkpoint
     * @param imageSize the image side S, or 0 to read it off the checkpoint
     * @return the assembly
     */
    EncoderAssembly create(int heads, int imageSize);

    /**
     * The assembly of a family, from the providers {@link java.util.ServiceLoader} finds ({@link
     * FamilyProviders#lookup}).
     *
     * @param family the family
     * @param heads attention heads H, or 0 to infer
     * @param imageSize the image side, or 0 to read it off the checkpoint
     * @return a fresh assembly
     * @throws ProviderException when no provider on the class path assembles the family
     */
    static EncoderAssembly forFamily(ModelFamily family, int heads, int imageSize) {
        return FamilyProviders.lookup(EncoderAssemblyProvider.class, EncoderAssemblyProvider::family, family,
                "encoder assembly").create(heads, imageSize);
    }
}
