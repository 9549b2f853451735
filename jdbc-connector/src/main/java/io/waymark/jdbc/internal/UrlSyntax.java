package io.waymark.jdbc.internal;

import io.waymark.discovery.ServiceQuery;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The pieces of the {@code jdbc:consul:} grammar: the parts of the URL, percent-decoding, and the
 * value types of the {@code consul.*} parameters. Every failure is an {@link SQLException}
 * (SQLState {@code 08001}) naming the part and the expected form; what it echoes of the input is
 * clipped ({@link Secrets#clip}) and never a secret.
 *
 * <p><b>Threading:</b> stateless.
 */
final class UrlSyntax {

    static final String SHAPE =
            "jdbc:consul:<mysql|mariadb>://<consul service name>[:port][/database][?parameters]";
    /** How a password with URL-special characters must be written in the host part. */
    static final String ENCODE_HINT = "percent-encode '/', '?', '#' and '@' inside a user:password@ (%2F, %3F, %23, %40)";

    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(?:\\.\\d{1,3}){3}");
    private static final int MAX_NAME = 253;

    private UrlSyntax() {
    }

    /** The URL after {@code jdbc:consul:<word>://}, cut into its parts (still encoded). */
    record Parts(String userInfo, String authority, String database, String query) {
    }

    /** The host part: the primary's Consul name and the port for instances given without one. */
    record HostPart(String service, int port) {
    }

    static SQLException error(String message) {
        return new SQLException(message, "08001");
    }

    /**
     * Cuts what follows {@code ://}: the authority ends at the first {@code /} or {@code ?}, its
     * user information at its last {@code @}; a {@code #} (a fragment, which these URLs do not
     * have) is refused rather than joined to the database or a value.
     */
    static Parts parts(String afterScheme, String maskedUrl) throws SQLException {
        if (afterScheme.indexOf('#') >= 0) {
            throw error("'#' starts a URL fragment, which " + maskedUrl + " must not have: remove it, or write a '#'"
                    + " inside a value as %23 (" + ENCODE_HINT + ")");
        }
        String rest = afterScheme;
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String authority = rest;
        String database = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            authority = rest.substring(0, slash);
            database = rest.substring(slash + 1);
        }
        String userInfo = null;
        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
        }
        if (database.indexOf('/') >= 0 || database.indexOf('@') >= 0
                || (q >= 0 && Secrets.lastAtOutsideParameters(afterScheme, q) >= 0)) {
            // an unencoded '/' or '?' in a password cut the URL elsewhere
            throw error("malformed URL " + maskedUrl + ": expected " + SHAPE + " with one database name; "
                    + ENCODE_HINT);
        }
        return new Parts(userInfo, authority, database, query);
    }

    /**
     * The primary's Consul name from the host part ({@code name[:port]}), which must be a name, not
     * a server address.
     *
     * @return the name and the port ({@code defaultPort} when none is given)
     */
    static HostPart hostPart(String authority, int defaultPort, String maskedUrl) throws SQLException {
        String what = "the host part of " + maskedUrl;
        if (authority.isEmpty()) {
            throw error(what + " must be the primary's Consul service name (e.g. w-master-mysql-3306.service.consul),"
                    + " but it is empty");
        }
        String host = authority;
        String portText = null;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            host = close < 0 ? authority : authority.substring(0, close + 1);
        } else if (authority.indexOf(':') >= 0) {
            host = authority.substring(0, authority.lastIndexOf(':'));
            portText = authority.substring(authority.lastIndexOf(':') + 1);
        }
        if (host.startsWith("[") || IPV4.matcher(host).matches()) {
            throw error(what + " must be the primary's Consul service name, not a server address ("
                    + Secrets.clip(host) + "): jdbc:consul: finds the servers through Consul; for one fixed server use"
                    + " jdbc:mysql:// or jdbc:mariadb://");
        }
        if (host.indexOf(',') >= 0) {
            throw error(what + " must be exactly one Consul service name");
        }
        int port = portText == null ? defaultPort : port(portText, "the port in " + what);
        consulName(host, what + " (the primary's Consul service name)");
        return new HostPart(host, port);
    }

    /** Any form discovery-core takes (name, tag.name.service[.dc].consul, _name._tag..., name.query.consul). */
    static String consulName(String name, String what) throws SQLException {
        if (name.isEmpty()) {
            throw error(what + " must be a Consul service name, but it is empty");
        }
        if (name.length() > MAX_NAME) {
            throw error(what + " must be a Consul service name of at most " + MAX_NAME + " characters: '"
                    + Secrets.clip(name) + "'");
        }
        try {
            ServiceQuery.parse(name);
        } catch (IllegalArgumentException e) {
            throw error(what + " must be a Consul service name (as in w-master-mysql-3306.service.consul): "
                    + e.getMessage());
        }
        return name;
    }

    private static boolean isPort(String text) {
        return !text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9');
    }

    /** A port in 1..65535; a non-number is not echoed (it may be the piece of a password). */
    static int port(String text, String what) throws SQLException {
        if (!isPort(text)) {
            throw error(what + " must be a number in 1..65535" + (text.isEmpty() ? " (it is empty)" : "") + "; if it"
                    + " carries a user:password@, " + ENCODE_HINT);
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw error(what + " must be in 1..65535: " + port);
        }
        return port;
    }

    /** Refuses a {@code user:password@} in an agent address, without showing it. */
    static void noCredentials(String value, String what) throws SQLException {
        if (value.indexOf('@') >= 0) {
            throw error(what + " must not carry credentials (user:password@host): Consul takes an ACL token, set"
                    + " consul.token (or CONSUL_HTTP_TOKEN) instead");
        }
    }

    /** {@code 500ms}, {@code 2s}, {@code 1m}, {@code 1h}, a plain number of milliseconds, or ISO-8601 ({@code PT0.5S}). */
    static Duration duration(String value, String key, boolean zeroAllowed) throws SQLException {
        String v = value.trim();
        String expected = " must be a duration like 500ms, 2s or 1m (a plain number is milliseconds)";
        Duration d;
        Matcher m = DURATION.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "ms" : m.group(2).toLowerCase(Locale.ROOT);
            d = switch (unit) {
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofMillis(n);
            };
        } else if (v.regionMatches(true, 0, "PT", 0, 2)) {
            try {
                d = Duration.parse(v);
            } catch (DateTimeParseException e) {
                throw error(key + expected + ": '" + Secrets.clip(value) + "'");
            }
        } else {
            throw error(key + expected + ": '" + Secrets.clip(value) + "'");
        }
        if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
            throw error(key + " must be " + (zeroAllowed ? "zero or positive" : "positive") + ": '" + value + "'");
        }
        return d;
    }

    static boolean bool(String value, String key) throws SQLException {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw error(key + " must be true or false: '" + Secrets.clip(value) + "'");
        }
    }

    /** Strict percent-decoding ('+' stays '+', as in JDBC URLs); the message never shows the value. */
    static String decode(String raw, String what, String maskedUrl) throws SQLException {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
                int lo = hi >= 0 ? Character.digit(raw.charAt(i + 2), 16) : -1;
                if (lo < 0) {
                    throw error("bad percent-encoding in " + what + " of " + maskedUrl
                            + ": expected % followed by two hex digits");
                }
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                // the whole run up to the next '%' at once, so that surrogate pairs stay together
                int next = raw.indexOf('%', i);
                int end = next < 0 ? raw.length() : next;
                byte[] bytes = raw.substring(i, end).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
                i = end - 1;
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
