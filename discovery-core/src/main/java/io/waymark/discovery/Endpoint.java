package io.waymark.discovery;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One instance of a service: where to connect, and what Consul knows of it.
 * Immutable; equality covers every field, so a changed tag is a change.
 */
public final class Endpoint {

    private final String host;
    private final int port;
    private final String node;
    private final List<String> tags;
    private final Map<String, String> meta;

    private Endpoint(String host, int port, String node, List<String> tags, Map<String, String> meta) {
        this.host = host;
        this.port = port;
        this.node = node;
        this.tags = tags;
        this.meta = meta;
    }

    /**
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
                meta == null ? Map.of() : Map.copyOf(meta));
    }

    public static Endpoint of(String host, int port) {
        return of(host, port, "", List.of(), Map.of());
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

    /** {@code host:port}, with brackets around an IPv6 literal. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
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
        return port == e.port && host.equals(e.host) && node.equals(e.node)
                && tags.equals(e.tags) && meta.equals(e.meta);
    }

    @Override
    public int hashCode() {
        return Objects.hash(host, port, node, tags, meta);
    }

    @Override
    public String toString() {
        return node.isEmpty() ? address() : address() + "@" + node;
    }
}
