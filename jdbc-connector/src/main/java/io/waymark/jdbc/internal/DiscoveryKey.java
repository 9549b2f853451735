package io.waymark.jdbc.internal;

import io.waymark.discovery.DiscoveryMode;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Everything that makes two discovery clients different: URLs with equal keys share one
 * {@link io.waymark.discovery.ConsulDiscovery}.
 */
public final class DiscoveryKey {

    private final List<String> agents;
    private final String token;
    private final DiscoveryMode mode;
    private final String dnsAgent;
    private final Duration resolveTimeout;
    private final boolean includeWarning;

    DiscoveryKey(List<String> agents, String token, DiscoveryMode mode, String dnsAgent, Duration resolveTimeout,
            boolean includeWarning) {
        this.agents = List.copyOf(agents);
        this.token = token;
        this.mode = Objects.requireNonNull(mode, "mode");
        this.dnsAgent = dnsAgent;
        this.resolveTimeout = resolveTimeout;
        this.includeWarning = includeWarning;
    }

    public List<String> agents() {
        return agents;
    }

    /** The ACL token, or null for the discovery client's default. Never put it in a message. */
    public String token() {
        return token;
    }

    public DiscoveryMode mode() {
        return mode;
    }

    /** The DNS agent ({@code host:port}), or null for the default. */
    public String dnsAgent() {
        return dnsAgent;
    }

    /** The first-lookup timeout, or null for the discovery client's default. */
    public Duration resolveTimeout() {
        return resolveTimeout;
    }

    public boolean includeWarning() {
        return includeWarning;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof DiscoveryKey)) {
            return false;
        }
        DiscoveryKey k = (DiscoveryKey) o;
        return includeWarning == k.includeWarning && agents.equals(k.agents) && Objects.equals(token, k.token)
                && mode == k.mode && Objects.equals(dnsAgent, k.dnsAgent)
                && Objects.equals(resolveTimeout, k.resolveTimeout);
    }

    @Override
    public int hashCode() {
        return Objects.hash(agents, token, mode, dnsAgent, resolveTimeout, includeWarning);
    }

    @Override
    public String toString() {
        return "agents=" + agents + (token == null ? "" : ", token=" + Secrets.MASK) + ", mode="
                + mode.name().toLowerCase(Locale.ROOT)
                + (dnsAgent == null ? "" : ", dnsAgent=" + dnsAgent)
                + (resolveTimeout == null ? "" : ", resolveTimeout=" + resolveTimeout.toMillis() + "ms")
                + (includeWarning ? ", includeWarning=true" : "");
    }
}
