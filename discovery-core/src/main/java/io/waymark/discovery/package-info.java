/**
 * Waymark discovery: resolve, cache and watch Consul names.
 *
 * <p>The public API is {@link io.waymark.discovery.ConsulDiscovery} (built by
 * {@link io.waymark.discovery.ConsulDiscoveryBuilder}), the values
 * {@link io.waymark.discovery.Endpoints}, {@link io.waymark.discovery.Endpoint},
 * {@link io.waymark.discovery.DiscoveryStats}, the one parser of each grammar callers share
 * ({@link io.waymark.discovery.ServiceQuery} for Consul names,
 * {@link io.waymark.discovery.AgentAddress} for agent addresses),
 * {@link io.waymark.discovery.EndpointListener}, {@link io.waymark.discovery.Watch}, the enums
 * and {@link io.waymark.discovery.DiscoveryException}. Every other class of this package is
 * package-private implementation, free to change; no type of OkHttp, Jackson or dnsjava
 * appears in the public API.
 *
 * <p>HTTP mode keeps one blocking query in flight per watched name, so each watched name
 * holds one thread while it waits, and over plain HTTP (HTTP/1.1) one connection to the
 * agent: Consul accepts at most {@code limits.http_max_conns_per_client} (default 200)
 * connections per client address, so raise that limit on agents through which more names
 * are watched over plain HTTP. Over https Consul's agents speak HTTP/2: each watched name
 * takes one stream, an agent allows 250 per connection, and 1,000 names take 4 connections.
 * At most
 * {@link io.waymark.discovery.ConsulDiscoveryBuilder#maxWatches maxWatches} names (default
 * 1,000) are watched at once; the requests in flight, and so the threads that carry them, are
 * bounded by {@code maxWatches + 64} (plus one probe per agent). At the cap, a new name takes
 * the place of the least recently used watch that has no listener and has answered (to the
 * precision of the idle sweep, a quarter of
 * {@link io.waymark.discovery.ConsulDiscoveryBuilder#idleWatchTimeout idleWatchTimeout}); that
 * watch stops and its name is looked up again on its next use. When every watch has a
 * listener (or still waits for its first answer), a new name's {@code resolve},
 * {@code refresh} and {@code registered} are answered by a one-shot request that is not kept,
 * and {@code watch} fails with an {@link java.lang.IllegalStateException}.
 *
 * <p>Security: agents are reached over https with the trust, client certificate and server
 * name of the builder or of Consul's environment variables ({@code CONSUL_CACERT},
 * {@code CONSUL_CLIENT_CERT}, ... as the consul CLI reads them; see
 * {@link io.waymark.discovery.ConsulProperty} for every setting by its string key). The ACL
 * token comes from the builder, a supplier, a token file (re-read when it changes) or the
 * environment; a request refused (403) after the token was rotated is sent again with the
 * new one.
 *
 * <p>An agent that stops answering without closing its connections (a paused or hung
 * process, a host gone without a TCP reset) would hold a blocking query until its read
 * timeout, minutes. While requests wait on an agent, it is therefore probed
 * ({@code GET /v1/agent/services}, every
 * {@link io.waymark.discovery.ConsulDiscoveryBuilder#agentProbeInterval agentProbeInterval},
 * default 2 s, one probe per agent however many names are watched). A probe sends
 * {@code GET /v1/agent/services}, which the agent answers from its own state without asking
 * the servers; any HTTP answer counts, and no token is sent (an agent enforcing ACLs answers
 * an empty list, not an error); a failed probe is repeated at once. After 2 failed probes in
 * a row the agent is down: its requests in flight are cancelled, the names served through it
 * are marked {@link io.waymark.discovery.Endpoints#stale() stale}, and the watches move to
 * the next configured agent that is not down and retry with the usual backoff, within about
 * 6 s with the defaults. A down agent keeps being probed; once it answers it is eligible
 * again when the rotation comes round to it. Agents that answer over HTTP/2 (Consul's https agents) are
 * not sent probe requests, which would each take a stream and, once blocking queries take
 * every stream of the connections, a connection of their own: their connections send HTTP/2
 * PING frames at the same pace instead. A connection whose PING is not answered by the next
 * one fails with its requests, and the watches move on as above, after the handshake of the
 * one new connection OkHttp tries has timed out (the request timeout): about 9 s with the
 * defaults.
 *
 * <p>ACLs: a 403 (token missing, unknown, expired, or lacking a permission) is an ACL error,
 * not an outage of the agent: the watches stay on their agent, known names are served stale
 * and a first lookup fails with a {@link io.waymark.discovery.DiscoveryException} naming the
 * permission. Consul answers a token that may not read a service with an empty list rather
 * than a 403; an empty answer for a name that had instances is therefore checked with the
 * agent ({@code /v1/internal/acl/authorize}) and, when the token may not read the service,
 * withheld: the last endpoints stay, marked stale, with a WARN log and a count in
 * {@link io.waymark.discovery.DiscoveryStats#aclEmptySuspicions()}.
 */
@NullMarked
package io.waymark.discovery;

import org.jspecify.annotations.NullMarked;
