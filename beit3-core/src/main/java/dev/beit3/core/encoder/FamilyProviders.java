package dev.beit3.core.encoder;

import dev.beit3.api.Api;
import dev.beit3.api.FamilyProvider;
import dev.beit3.api.ModelFamily;
import dev.beit3.api.ProviderException;
import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.WeakHashMap;

/**
 * Finds the {@link FamilyProvider} of a {@link ModelFamily} with {@link ServiceLoader} (the thread context class
 * loader, or this class's), once per class loader.
 */
@Api(status = Api.Status.INTERNAL)
public final class FamilyProviders {
    private static final Map<ClassLoader, Map<ModelFamily, FamilyProvider>> FOUND = new WeakHashMap<>();

    private FamilyProviders() {}

    /**
     * The provider of a family.
     *
     * @param family the family
     * @return its provider
     * @throws ProviderException when no provider on the class path serves the family, or two do
     */
    public static FamilyProvider of(ModelFamily family) {
        FamilyProvider p = all().get(family);
        if (p == null) {
            throw new ProviderException("no family provider for the " + family.displayName() + " family ('"
                    + family.id() + "'); is the plugin jar of that family (e.g. beit3-vlmo for VLMo) on the class"
                    + " path? Providers found: " + all().keySet());
        }
        return p;
    }

    private static Map<ModelFamily, FamilyProvider> all() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        ClassLoader loader = context != null ? context : FamilyProviders.class.getClassLoader();
        synchronized (FOUND) {
            return FOUND.computeIfAbsent(loader, FamilyProviders::scan);
        }
    }

    private static Map<ModelFamily, FamilyProvider> scan(ClassLoader loader) {
        Map<ModelFamily, FamilyProvider> byFamily = new HashMap<>();
        for (FamilyProvider p : ServiceLoader.load(FamilyProvider.class, loader)) {
            FamilyProvider old = byFamily.putIfAbsent(p.family(), p);
            if (old != null && !old.getClass().equals(p.getClass())) {
                throw new ProviderException("two family providers serve " + p.family().displayName() + ": "
                        + old.getClass().getName() + " and " + p.getClass().getName()
                        + "; remove one of the jars from the class path");
            }
        }
        return Map.copyOf(byFamily);
    }
}
