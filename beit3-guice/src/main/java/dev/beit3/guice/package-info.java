/**
 * The Guice wiring of beit3-java, for applications that assemble their objects with Guice; beit3-core and the
 * plugin jars do not depend on Guice.
 *
 * <ul>
 *   <li>{@link dev.beit3.guice.Beit3CoreModule}: binds every provider that {@link java.util.ServiceLoader}
 *       discovers into {@code MapBinder}s and provides the injector's {@link
 *       dev.beit3.core.plugin.ProviderRegistry};
 *   <li>{@link dev.beit3.guice.PluginBinder}: the helpers a user's own Guice module uses to add or replace a
 *       provider;
 *   <li>{@link dev.beit3.guice.ProviderId}: the binding annotation of one provider.
 * </ul>
 *
 * <p>The resolution rules are those of {@link dev.beit3.core.plugin}: an explicit binding replaces a
 * discovered provider of the same id, two explicit bindings of different classes for one id are an error
 * unless one comes through {@code Modules.override}.
 */
package dev.beit3.guice;
