package dev.beit3.guice;

import com.google.inject.BindingAnnotation;
import dev.beit3.api.Api;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Guice binding annotation naming the provider that serves one id, e.g. {@code @ProviderId("beit3-vision")
 * ExpertProvider}. {@link PluginBinder} binds every provider under such a key, and the {@code MapBinder}
 * entry of the id links to it; that one key per id is what lets {@code Modules.override} replace a provider
 * and lets two modules contribute the same provider without a duplicate-key error. Inject it to get one
 * provider directly; get keys from {@link PluginBinder#expertKey(String)} and its siblings.
 */
@Api(status = Api.Status.EXPERIMENTAL, since = "0.1.0")
@BindingAnnotation
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD})
public @interface ProviderId {
    /**
     * The provider id.
     *
     * @return the id, e.g. {@code "beit3-vision"}
     */
    String value();
}
