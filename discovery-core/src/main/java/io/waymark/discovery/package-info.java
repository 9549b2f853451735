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
 *
 * <p>An agent that stops answering without closing its connections (a paused or hung
 * process, a host gone without a TCP reset) would hold a blocking query until its read
 * timeout, minutes. While requests wait on an agent, it is therefore probed
 * ({@code GET /v1/agent/services}, every
 * {@link io.waymark.discovery.ConsulDiscoveryBuilder#agentProbeInterval agentProbeInterval},
 * default 2 s, one probe per agent); after 2 failed probes in a row its requests are
 * cancelled, its names are served stale and the watches move to the next agent, within
 * about 6 s with the defaults.
 */
package io.waymark.discovery;
