/**
 * Plugin discovery and wiring: how beit3-java finds its experts, heads and embeddings.
 *
 * <ul>
 *   <li>{@link dev.beit3.core.plugin.ProviderRegistry}: the immutable table of providers by id, built by
 *       {@link java.util.ServiceLoader} discovery ({@link dev.beit3.core.plugin.ProviderRegistry#discover()}) or
 *       by a plain-Java {@link dev.beit3.core.plugin.ProviderRegistry.Builder}; a provider that fails to load
 *       is reported in {@link dev.beit3.core.plugin.ProviderRegistry#problems()}, not fatal;
 *   <li>{@link dev.beit3.core.plugin.ProviderRegistry#ofBound ProviderRegistry.ofBound}: the registry of a
 *       dependency-injection container's bound maps; the Guice module that builds it ({@code
 *       dev.beit3.guice.Beit3CoreModule}, with {@code PluginBinder}) is in the {@code beit3-guice} module, so
 *       this package has no Guice dependency.
 * </ul>
 *
 * <p>Resolution rules, shared by both paths: a provider class is identified by its id; the same class seen
 * twice under one id is one provider; two different classes claiming one id are an error unless one of them
 * is an explicit override (the builder's {@code replace*}, a {@code PluginBinder}
 * binding over a discovered default, or Guice's {@code Modules.override}). Nothing here is global: every
 * registry and every injector holds its own provider instances.
 */
package dev.beit3.core.plugin;
