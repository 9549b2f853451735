package io.waymark.discovery;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One instance of a service: where to connect, and what Consul knows of it.
 * Immutable; equality covers every field. {@link Endpoints#sameEndpoints} (what decides
 * whether listeners are told) leaves out the health.
 */
public final class Endpoint {

    /**
     * An instance's health as Consul's HTTP API reports it: the worst status of its checks
     * (service and node checks; maintenance mode is a critical check).
     */
    public enum Health {
        PASSING,
        WARNING,
        CRITICAL
    }

    private final String host;
    private final int port;
    private final String node;
    private final List<String> tags;
    private final Map<String, String> meta;
    private final Health health;

    private Endpoint(String host, int port, String node, List<String> tags, Map<String, String> meta,
            Health health) {
        this.host = host;
        this.port = port;
        this.node = node;
        this.tags = tags;
        this.meta = meta;
        this.health = health;
    }

    /**
     * A {@link Health#PASSING} endpoint.
     *
     * @param host address or host name to connect to, not blank
     * @param port in 0..65535 (0: unknown, as from an A record without SRV)
     * @param node Consul node name, empty when unknown
     */
    public static Endpoint of(String host, int port, String node, List<String> tags, Map<String, String> meta) {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host must not be blank: '" + host + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be in 0..65535: " + port);
        }
        return new Endpoint(host, port, node == null ? "" : node,
                tags == null ? List.of() : List.copyOf(tags),
                meta == null ? Map.of() : Map.copyOf(meta), Health.PASSING);
    }

    /** A {@link Health#PASSING} endpoint without node, tags or meta. */
    public static Endpoint of(String host, int port) {
        return of(host, port, "", List.of(), Map.of());
    }

    /** The same endpoint with another health. */
    public Endpoint withHealth(Health health) {
        Objects.requireNonNull(health, "health");
        return health == this.health ? this : new Endpoint(host, port, node, tags, meta, health);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public String node() {
        return node;
    }

    public List<String> tags() {
        return tags;
    }

    public Map<String, String> meta() {
        return meta;
    }

    /**
     * The worst status of the instance's checks when Consul's HTTP API answered; endpoints
     * from DNS answers are {@link Health#PASSING} (Consul DNS lists no critical instance and
     * does not tell warning from passing). Only {@link ConsulDiscovery#registered(String)}
     * answers contain {@link Health#CRITICAL} endpoints.
     */
    public Health health() {
        return health;
    }

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    /** Equal but for the health. */
    boolean sameInstance(Endpoint e) {
        return port == e.port && host.equals(e.host) && node.equals(e.node) && tags.equals(e.tags)
                && meta.equals(e.meta);
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Endpoint)) {
            return false;
        }
        Endpoint e = (Endpoint) o;
        return sameInstance(e) && health == e.health;
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, node, tags, meta, health);
    }

    @Override
    public String toString() {
        String s = node.isEmpty() ? address() : address() + "@" + node;
        return health == Health.PASSING ? s : s + " (" + health.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
