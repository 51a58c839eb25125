package dev.beit3.core.encoder;

import dev.beit3.api.Api;
import dev.beit3.api.FamilyProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.ProviderException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;

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
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader loader = context != null ? context : FamilyProviders.class.getClassLoader();
        FamilyProvider found = null;
        List<String> served = new ArrayList<>();
        for (FamilyProvider p : ServiceLoader.load(FamilyProvider.class, loader)) {
            served.add(p.family().id());
            if (!p.family().equals(family)) {
                continue;
            }
            if (found != null && !found.getClass().equals(p.getClass())) {
                throw new ProviderException("two family providers serve " + family.displayName() + ": "
                        + found.getClass().getName() + " and " + p.getClass().getName()
                        + "; remove one of the jars from the class path");
            }
            found = p;
        }
        if (found == null) {
            throw new ProviderException("no family provider for the " + family.displayName() + " family ('"
                    + family.id() + "'); is the plugin jar of that family (e.g. beit3-vlmo for VLMo) on the class"
                    + " path? Families served: " + served);
        }
        return found;
    }
}
