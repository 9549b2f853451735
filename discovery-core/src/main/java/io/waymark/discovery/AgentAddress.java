package io.waymark.discovery;

import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A Consul agent's address, parsed by the one set of rules every Waymark front door uses
 * (the discovery builder, {@code CONSUL_HTTP_ADDR}, the Redis builder, {@code consul.agent} in
 * a JDBC URL):
 * <ul>
 *   <li>{@code host}, {@code host:port}, {@code [ipv6]} or {@code [ipv6]:port}; surrounding
 *       whitespace is ignored;</li>
 *   <li>HTTP addresses ({@link #parse}) may start with {@code http://} or {@code https://}
 *       (any case) and end with one {@code /}; the port defaults to
 *       {@value #DEFAULT_HTTP_PORT}; or they are {@code unix:///absolute/path}, an agent's
 *       HTTP API on a Unix domain socket ({@code addresses.http = "unix://..."});</li>
 *   <li>DNS addresses ({@link #parseDns}) take no scheme; the port defaults to
 *       {@value #DEFAULT_DNS_PORT};</li>
 *   <li>the host is an IPv4 address, an IPv6 literal in brackets, or an ASCII host name
 *       (letters, digits, {@code '.'}, {@code '-'}, {@code '_'}; an internationalized name in
 *       its {@code xn--} form); the port is 1..65535;</li>
 *   <li>no credentials ({@code user:password@}, use the ACL token), no path, query or
 *       fragment ({@code /}, {@code ?}, {@code #}).</li>
 * </ul>
 * A refused value fails with an {@link IllegalArgumentException} naming the setting, saying
 * what is expected and quoting the value (at most 100 characters, credentials masked).
 *
 * <p><b>Threading:</b> immutable.
 */
public final class AgentAddress {

    /** The port of a Consul agent's HTTP API. */
    public static final int DEFAULT_HTTP_PORT = 8500;
    /** The port of a Consul agent's DNS interface. */
    public static final int DEFAULT_DNS_PORT = 8600;

    /** The host of a Unix domain socket agent, as its requests name it (the Host header). */
    static final String UNIX_HOST = "localhost";

    private final boolean https;
    private final String host;
    private final int port;
    /** Null for TCP. */
    private final @Nullable String socketPath;
    /** Whether the scheme was written: {@code https(true)} upgrades only addresses without one. */
    private final boolean schemeGiven;

    private AgentAddress(boolean https, String host, int port, @Nullable String socketPath, boolean schemeGiven) {
        this.https = https;
        this.host = host;
        this.port = port;
        this.socketPath = socketPath;
        this.schemeGiven = schemeGiven;
    }

    /** An HTTP(S) agent address, port {@value #DEFAULT_HTTP_PORT} unless given. */
    public static AgentAddress parse(String setting, String value) {
        return parse(setting, value, DEFAULT_HTTP_PORT, true);
    }

    /** A DNS agent address {@code host[:port]}, port {@value #DEFAULT_DNS_PORT} unless given. */
    public static AgentAddress parseDns(String setting, String value) {
        return parse(setting, value, DEFAULT_DNS_PORT, false);
    }

    /** {@code host} on {@code port}, plain HTTP (for defaults built in code). */
    static AgentAddress of(String host, int port) {
        return new AgentAddress(false, host, port, null, false);
    }

    /** This address over https when it was given without a scheme ({@code CONSUL_HTTP_SSL}); else itself. */
    AgentAddress withDefaultHttps() {
        return schemeGiven || socketPath != null || https ? this : new AgentAddress(true, host, port, null, false);
    }

    private static AgentAddress parse(String setting, String value, int defaultPort, boolean http) {
        Objects.requireNonNull(value, setting);
        String form = http ? "[http://|https://]host[:port] or unix:///path" : "host[:port]";
        String v = value.strip();
        boolean secure = false;
        String lower = v.toLowerCase(Locale.ROOT);
        boolean scheme = lower.startsWith("https://") || lower.startsWith("http://");
        if (lower.startsWith("unix://")) {
            Checks.requireArgument(http, setting + " must be host[:port], without a scheme: " + quoted(value));
            String path = v.substring(7);
            Checks.requireArgument(path.startsWith("/") && path.length() > 1 && path.indexOf('?') < 0
                    && path.indexOf('#') < 0 && path.chars().noneMatch(c -> c < 0x20),
                    setting + " must be unix:///absolute/path/of/the/socket: " + quoted(value));
            return new AgentAddress(false, UNIX_HOST, DEFAULT_HTTP_PORT, path, true);
        }
        if (scheme) {
            Checks.requireArgument(http, setting + " must be host[:port], without a scheme: " + quoted(value));
            secure = lower.startsWith("https://");
            v = v.substring(secure ? 8 : 7);
            if (v.endsWith("/")) {
                v = v.substring(0, v.length() - 1);
            }
        }
        Checks.requireArgument(v.indexOf('@') < 0, setting + " must not contain credentials (user:password@); "
                + "Consul takes an ACL token instead: " + quoted(value));
        Checks.requireArgument(v.indexOf('/') < 0 && v.indexOf('?') < 0 && v.indexOf('#') < 0,
                setting + " must be " + form + ", without a path, query or fragment: " + quoted(value));
        Checks.requireArgument(!v.isEmpty(), setting + " must be " + form + ": " + quoted(value));
        String host;
        String portText = null;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            Checks.requireArgument(close >= 0, setting + " has an unclosed '[': " + quoted(value));
            host = v.substring(1, close);
            String after = v.substring(close + 1);
            if (!after.isEmpty()) {
                Checks.requireArgument(after.startsWith(":"), setting + " must be [ipv6]:port: " + quoted(value));
                portText = after.substring(1);
            }
            Checks.requireArgument(!host.isEmpty() && host.chars().allMatch(c -> c >= '0' && c <= '9'
                    || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' || c == ':' || c == '.'),
                    setting + " has an invalid IPv6 address: " + quoted(value));
        } else {
            int colon = v.lastIndexOf(':');
            Checks.requireArgument(colon < 0 || v.indexOf(':') == colon,
                    setting + " must put an IPv6 address in brackets: " + quoted(value));
            host = colon >= 0 ? v.substring(0, colon) : v;
            portText = colon >= 0 ? v.substring(colon + 1) : null;
            checkHostName(setting, host, form, value);
        }
        int port = defaultPort;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(setting + " port must be a number in 1..65535: " + quoted(value));
            }
        }
        Checks.requireArgument(port >= 1 && port <= 65535,
                setting + " port must be in 1..65535: " + port + " in " + quoted(value));
        return new AgentAddress(secure, host, port, null, scheme);
    }

    private static void checkHostName(String setting, String host, String form, String value) {
        Checks.requireArgument(!host.isEmpty(), setting + " must be " + form + ", the host is missing: "
                + quoted(value));
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c >= 0x80) {
                throw new IllegalArgumentException(setting + " host must be ASCII (write an internationalized name "
                        + "in its xn-- form), but has " + Checks.describe(c) + ": " + quoted(value));
            }
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-'
                    || c == '_')) {
                throw new IllegalArgumentException(setting + " host may contain letters, digits, '.', '-' and '_', "
                        + "but has " + Checks.describe(c) + ": " + quoted(value));
            }
        }
    }

    /** The value as a message may quote it: credentials masked, shortened. */
    private static String quoted(String value) {
        int at = value.lastIndexOf('@');
        String masked = value;
        if (at >= 0) {
            int scheme = value.indexOf("://");
            int start = scheme >= 0 && scheme < at ? scheme + 3 : 0;
            masked = value.substring(0, start) + "***" + value.substring(at);
        }
        return Checks.quote(masked);
    }

    /** Whether the agent is reached over HTTPS. */
    public boolean https() {
        return https;
    }

    /** The path of the Unix domain socket of a {@code unix://} agent; null for an agent reached over TCP. */
    public @Nullable String socketPath() {
        return socketPath;
    }

    /** The host name or address; an IPv6 address without brackets; {@code localhost} for a {@code unix://} agent. */
    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    /** {@code host:port}, with brackets around an IPv6 address. */
    public String hostPort() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof AgentAddress)) {
            return false;
        }
        AgentAddress a = (AgentAddress) o;
        return https == a.https && port == a.port && host.equalsIgnoreCase(a.host)
                && Objects.equals(socketPath, a.socketPath);
    }

    @Override
    public int hashCode() {
        return Objects.hash(https, host.toLowerCase(Locale.ROOT), port, socketPath);
    }

    /** {@code host:port}, {@code https://host:port} or {@code unix:///path}: a form {@link #parse} reads back. */
    @Override
    public String toString() {
        return socketPath != null ? "unix://" + socketPath : (https ? "https://" : "") + hostPort();
    }
}
