package dev.beit3.core.encoder;

import dev.beit3.api.Api;
import dev.beit3.api.FamilyProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.ProviderException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * Finds the {@link FamilyProvider} of a {@link ModelFamily} with {@link ServiceLoader} (the thread context class
 * loader, or this class's). Called once per encoder assembly; nothing is cached, so a class loader that goes away
 * (a Spark task, a web application) takes its providers with it.
 */
@Api(status = Api.Status.INTERNAL, since = "0.1.0")
public final class FamilyProviders {
    private FamilyProviders() {}

    /**
     * The provider of a family.
     *
     * @param family the family
     * @return its provider
     * @throws ProviderException when no provider on the class path serves the family, or two different ones do
     */
    public static FamilyProvider of(ModelFamily family) {
        return lookup(FamilyProvider.class, FamilyProvider::family, family, "family provider");
    }

    /**
     * The one provider of {@code spi} that serves a family, from {@link ServiceLoader} (the thread's context class
     * loader, else this class's): the lookup behind {@link #of} and the loader's encoder assemblies.
     *
     * @param spi the service interface
     * @param familyOf the family a provider serves
     * @param family the family asked for
     * @param what the provider kind, for the messages (e.g. {@code "family provider"})
     * @param <P> the service type
     * @return the provider
     * @throws ProviderException when none serves the family, or two different classes do
     */
    public static <P> P lookup(Class<P> spi, Function<P, ModelFamily> familyOf, ModelFamily family, String what) {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader loader = context != null ? context : FamilyProviders.class.getClassLoader();
        P found = null;
        List<String> served = new ArrayList<>();
        for (P p : ServiceLoader.load(spi, loader)) {
            ModelFamily f = familyOf.apply(p);
            served.add(f.id());
            if (!f.equals(family)) {
                continue;
            }
            if (found != null && !found.getClass().equals(p.getClass())) {
                throw new ProviderException("two " + what + "s serve " + family.displayName() + ": "
                        + found.getClass().getName() + " and " + p.getClass().getName()
                        + "; remove one of the jars from the class path");
            }
            found = p;
        }
        if (found == null) {
            throw new ProviderException("no " + what + " for the " + family.displayName() + " family ('"
                    + family.id() + "'); is the plugin jar of that family (e.g. beit3-vlmo for VLMo) on the class"
                    + " path? Families served: " + served);
        }
        return found;
    }
}
