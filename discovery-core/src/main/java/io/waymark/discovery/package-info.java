/**
 * Waymark discovery: resolve, cache and watch Consul names.
 *
 * <p>The public API is {@link io.waymark.discovery.ConsulDiscovery} (built by
 * {@link io.waymark.discovery.ConsulDiscoveryBuilder}), the values
 * {@link io.waymark.discovery.Endpoints}, {@link io.waymark.discovery.Endpoint} and
 * {@link io.waymark.discovery.ServiceQuery}, {@link io.waymark.discovery.EndpointListener},
 * {@link io.waymark.discovery.Watch}, the enums and
 * {@link io.waymark.discovery.DiscoveryException}. Every other class of this package is
 * package-private implementation, free to change; no type of consul-client, OkHttp or
 * dnsjava appears in the public API.
 *
 * <p>HTTP mode keeps one blocking query in flight per watched name, so each watched name
 * holds one HTTP connection to the agent while it waits: Consul accepts at most
 * {@code limits.http_max_conns_per_client} (default 200) connections per client address,
 * so raise that limit on agents through which more names are watched.
 */
package io.waymark.discovery;
