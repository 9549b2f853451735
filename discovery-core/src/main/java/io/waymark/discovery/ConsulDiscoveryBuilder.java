package io.waymark.discovery;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Builds a {@link ConsulDiscovery}. Each setter checks its value at once; conflicting
 * settings are rejected by {@link #build()}.
 *
 * <p>SKELETON: the discovery-core implementation fills this in (validation, defaults,
 * build). The method set below is the contract other modules code against.
 */
public final class ConsulDiscoveryBuilder {

    ConsulDiscoveryBuilder() {
    }

    /** An agent's HTTP address {@code host:port} (or {@code https://host:port}); repeatable, tried in order. */
    public ConsulDiscoveryBuilder agent(String hostPort) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** The agent's DNS address {@code host:port} for {@link DiscoveryMode#DNS}; default: each agent's host, port 8600. */
    public ConsulDiscoveryBuilder dnsAgent(String hostPort) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** ACL token; default {@code CONSUL_HTTP_TOKEN}. Never logged. */
    public ConsulDiscoveryBuilder token(String token) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** ACL token read at each request, for rotation. */
    public ConsulDiscoveryBuilder token(Supplier<String> token) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public ConsulDiscoveryBuilder mode(DiscoveryMode mode) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public ConsulDiscoveryBuilder consistency(Consistency consistency) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Also serve instances whose checks are in warning (default: passing only). */
    public ConsulDiscoveryBuilder includeWarning(boolean includeWarning) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** How long the first {@code resolve} of a name may block. */
    public ConsulDiscoveryBuilder resolveTimeout(Duration timeout) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Blocking-query wait; default 5 min. */
    public ConsulDiscoveryBuilder blockingWait(Duration wait) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** DNS poll interval when the record TTL is 0. */
    public ConsulDiscoveryBuilder dnsPollInterval(Duration interval) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Stop watches nobody has used for this long. */
    public ConsulDiscoveryBuilder idleWatchTimeout(Duration timeout) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** Where listeners run; default a named daemon thread. */
    public ConsulDiscoveryBuilder listenerExecutor(Executor executor) {
        throw new UnsupportedOperationException("not implemented yet");
    }

    public ConsulDiscovery build() {
        throw new UnsupportedOperationException("not implemented yet");
    }
}
