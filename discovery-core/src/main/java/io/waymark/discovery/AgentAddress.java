package io.waymark.discovery;

import java.util.Locale;

/** A parsed agent address: scheme, host, port. Immutable. */
final class AgentAddress {

    final boolean https;
    final String host;
    final int port;

    AgentAddress(boolean https, String host, int port) {
        this.https = https;
        this.host = host;
        this.port = port;
    }

    /**
     * Parses {@code host:port}, {@code http://host:port}, {@code https://host:port} or
     * {@code [v6]:port}; a missing port is {@code defaultPort}.
     */
    static AgentAddress parse(String what, String value, int defaultPort, boolean allowScheme) {
        if (value == null) {
            throw new NullPointerException(what);
        }
        String v = value.trim();
        boolean https = false;
        String lower = v.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://") || lower.startsWith("http://")) {
            if (!allowScheme) {
                throw new IllegalArgumentException(what + " must be host:port, without a scheme: '" + value + "'");
            }
            https = lower.startsWith("https://");
            v = v.substring(https ? 8 : 7);
            if (v.endsWith("/")) {
                v = v.substring(0, v.length() - 1);
            }
        }
        if (v.isEmpty()) {
            throw new IllegalArgumentException(what + " must be host:port: '" + value + "'");
        }
        String host;
        String portText = null;
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(what + " has an unclosed '[': '" + value + "'");
            }
            host = v.substring(1, close);
            String after = v.substring(close + 1);
            if (!after.isEmpty()) {
                if (!after.startsWith(":")) {
                    throw new IllegalArgumentException(what + " must be [v6]:port: '" + value + "'");
                }
                portText = after.substring(1);
            }
        } else {
            int colon = v.lastIndexOf(':');
            if (colon >= 0 && v.indexOf(':') != colon) {
                throw new IllegalArgumentException(what + " must put an IPv6 address in brackets: '" + value + "'");
            }
            host = colon >= 0 ? v.substring(0, colon) : v;
            portText = colon >= 0 ? v.substring(colon + 1) : null;
        }
        if (host.isEmpty() || host.contains("/") || host.contains(" ")) {
            throw new IllegalArgumentException(what + " must be host:port, the host is missing or invalid: '"
                    + value + "'");
        }
        int port = defaultPort;
        if (portText != null) {
            try {
                port = Integer.parseInt(portText);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(what + " port must be a number in 1..65535: '" + value + "'");
            }
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " port must be in 1..65535: " + port + " in '" + value + "'");
        }
        return new AgentAddress(https, host, port);
    }

    String hostPort() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    @Override
    public String toString() {
        return (https ? "https://" : "") + hostPort();
    }
}
