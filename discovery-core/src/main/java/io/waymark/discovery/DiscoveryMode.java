package io.waymark.discovery;

/** How a {@link ConsulDiscovery} asks Consul. */
public enum DiscoveryMode {
    /** Blocking queries on the agent's HTTP API ({@code /v1/health/service}). The default. */
    HTTP,
    /**
     * The agent's DNS interface (SRV, with A/AAAA fallback), polled. Note that Consul DNS
     * also answers with instances whose checks are in {@code warning} unless the agent
     * sets {@code dns_config.only_passing}.
     */
    DNS
}
