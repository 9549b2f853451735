package io.waymark.jdbc.internal;

import io.waymark.discovery.DiscoveryMode;
import io.waymark.discovery.ServiceQuery;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed {@code jdbc:consul:<mysql|mariadb>://<service>[:port][/database][?parameters]} URL.
 *
 * <p>Parameters named {@code consul.*} configure discovery and are consumed here; every other
 * parameter is handed to the delegate driver exactly as written (raw, in order), so the
 * delegate sees what it would see on a plain URL. Properties passed to {@code connect} work the
 * same way; a {@code consul.*} parameter in the URL wins over the same one in the properties.
 *
 * <p>Immutable. {@link #toString()} masks passwords and tokens.
 */
public final class ConsulUrl {

    public static final String PREFIX = "jdbc:consul:";

    public static final String AGENT = "consul.agent";
    public static final String TOKEN = "consul.token";
    public static final String READ_SERVICE = "consul.readService";
    public static final String MODE = "consul.mode";
    public static final String DNS_AGENT = "consul.dnsAgent";
    public static final String RESOLVE_TIMEOUT = "consul.resolveTimeout";
    public static final String FAILOVER_TIMEOUT = "consul.failoverTimeout";
    public static final String ROLE_CHECK = "consul.roleCheck";
    public static final String INCLUDE_WARNING = "consul.includeWarning";
    public static final String RETRY_READ_ONLY_WRITES = "consul.retryReadOnlyWrites";
    public static final String PROBE_KNOWN_NODES = "consul.probeKnownNodes";

    /** Every {@code consul.*} parameter, with what it expects (for messages and {@code getPropertyInfo}). */
    public static final Map<String, String> PARAMETERS;

    static {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(AGENT, "Consul agent HTTP address host:port or https://host:port; repeatable or comma-separated;"
                + " default CONSUL_HTTP_ADDR, else 127.0.0.1:8500");
        p.put(TOKEN, "Consul ACL token; default CONSUL_HTTP_TOKEN");
        p.put(READ_SERVICE, "Consul name of the replicas that setReadOnly(true) moves to; default none (reads stay on the primary)");
        p.put(MODE, "http or dns; default http");
        p.put(DNS_AGENT, "Consul agent DNS address host:port, with consul.mode=dns; default each agent's host, port 8600");
        p.put(RESOLVE_TIMEOUT, "how long the first lookup of a name may block (e.g. 500ms, 2s); default the discovery client's");
        p.put(FAILOVER_TIMEOUT, "how long connect() keeps looking for a writable primary (e.g. 10s, 0 = one round); default 10s");
        p.put(ROLE_CHECK, "true or false: verify SELECT @@read_only = 0 before handing out a primary connection; default true");
        p.put(INCLUDE_WARNING, "true or false: also use instances whose Consul checks are in warning; default false");
        p.put(RETRY_READ_ONLY_WRITES, "true or false: in auto-commit mode outside transactions, re-run a statement that a"
                + " demoted primary refused as read-only (1290/1836, so not executed) on the new primary, within"
                + " consul.failoverTimeout; default true");
        p.put(PROBE_KNOWN_NODES, "true or false: when the primary refuses a write as read-only or fails, probe every known"
                + " server of both services at once (SELECT @@read_only) and use the one writable server found without"
                + " waiting for Consul; default true");
        PARAMETERS = Collections.unmodifiableMap(p);
    }

    static final int DEFAULT_PORT = 3306;
    static final int DEFAULT_AGENT_PORT = 8500;
    static final String DEFAULT_AGENT = "127.0.0.1:8500";
    static final Duration DEFAULT_FAILOVER_TIMEOUT = Duration.ofSeconds(10);

    private static final String SHAPE =
            "jdbc:consul:<mysql|mariadb>://<consul service name>[:port][/database][?parameters]";
    private static final Pattern HOST_PORT = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9_.-]+)(?::([^:]*))?");
    private static final Pattern DURATION = Pattern.compile("(\\d{1,12})\\s*(ms|s|m|h)?", Pattern.CASE_INSENSITIVE);

    private final String url;
    private final Subprotocol subprotocol;
    private final String service;
    private final int defaultPort;
    private final String database;
    private final List<String> delegateQuery;
    private final Properties delegateProperties;
    private final String readService;
    private final Duration failoverTimeout;
    private final boolean roleCheck;
    private final boolean retryReadOnlyWrites;
    private final boolean probeKnownNodes;
    private final DiscoveryKey discoveryKey;

    private ConsulUrl(String url, Subprotocol subprotocol, String service, int defaultPort, String database,
            List<String> delegateQuery, Properties delegateProperties, String readService, Duration failoverTimeout,
            boolean roleCheck, boolean retryReadOnlyWrites, boolean probeKnownNodes, DiscoveryKey discoveryKey) {
        this.url = url;
        this.subprotocol = subprotocol;
        this.service = service;
        this.defaultPort = defaultPort;
        this.database = database;
        this.delegateQuery = delegateQuery;
        this.delegateProperties = delegateProperties;
        this.readService = readService;
        this.failoverTimeout = failoverTimeout;
        this.roleCheck = roleCheck;
        this.retryReadOnlyWrites = retryReadOnlyWrites && !multiQueries(delegateQuery, delegateProperties);
        this.probeKnownNodes = probeKnownNodes;
        this.discoveryKey = discoveryKey;
    }

    /** True for URLs of this driver (the {@code jdbc:consul:} prefix); says nothing of their validity. */
    public static boolean accepts(String url) {
        return url != null && url.regionMatches(true, 0, PREFIX, 0, PREFIX.length());
    }

    /**
     * @param info connection properties, may be null
     * @throws SQLException naming the offending part and what was expected (secrets masked)
     */
    public static ConsulUrl parse(String url, Properties info) throws SQLException {
        return parse(url, info, System::getenv);
    }

    static ConsulUrl parse(String url, Properties info, Function<String, String> env) throws SQLException {
        if (url == null) {
            throw new SQLException("url must not be null; expected " + SHAPE, "08001");
        }
        String masked = Secrets.maskUrl(url);
        if (!accepts(url)) {
            throw error("not a jdbc:consul: URL: " + masked + "; expected " + SHAPE);
        }
        String rest = url.substring(PREFIX.length());
        int sep = rest.indexOf("://");
        if (sep < 0) {
            throw error("malformed URL " + masked + ": expected " + SHAPE);
        }
        String word = rest.substring(0, sep);
        Subprotocol subprotocol = Subprotocol.of(word);
        if (subprotocol == null) {
            throw error("unknown subprotocol '" + word + "' in " + masked + ": expected mysql or mariadb");
        }
        String afterScheme = rest.substring(sep + 3);
        String query = "";
        int q = afterScheme.indexOf('?');
        if (q >= 0) {
            query = afterScheme.substring(q + 1);
            afterScheme = afterScheme.substring(0, q);
        }
        String authority = afterScheme;
        String database = "";
        int slash = afterScheme.indexOf('/');
        if (slash >= 0) {
            authority = afterScheme.substring(0, slash);
            database = afterScheme.substring(slash + 1);
        }

        Properties delegateProperties = new Properties();
        Map<String, List<String>> consulFromInfo = new LinkedHashMap<>();
        if (info != null) {
            for (String key : info.stringPropertyNames()) {
                String canonical = consulKey(key, masked);
                if (canonical == null) {
                    delegateProperties.setProperty(key, info.getProperty(key));
                } else {
                    consulFromInfo.computeIfAbsent(canonical, k -> new ArrayList<>()).add(info.getProperty(key));
                }
            }
        }

        int at = authority.lastIndexOf('@');
        if (at >= 0) {
            // user[:password]@service, as Connector/J takes it: handed over as properties
            String userInfo = authority.substring(0, at);
            authority = authority.substring(at + 1);
            int colon = userInfo.indexOf(':');
            String user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "user in the host part", masked);
            if (!user.isEmpty()) {
                delegateProperties.setProperty("user", user);
            }
            if (colon >= 0) {
                delegateProperties.setProperty("password",
                        decode(userInfo.substring(colon + 1), "password in the host part", masked));
            }
        }
        if (authority.isEmpty()) {
            throw error("the host part of " + masked
                    + " must be the primary's Consul service name (e.g. w-master-mysql-3306.service.consul), but it is empty");
        }
        if (authority.indexOf(',') >= 0) {
            throw error("the host part of " + masked + " must be exactly one Consul service name, got '" + authority + "'");
        }
        String service = authority;
        int defaultPort = DEFAULT_PORT;
        int colon = authority.lastIndexOf(':');
        if (colon >= 0) {
            service = authority.substring(0, colon);
            defaultPort = port(authority.substring(colon + 1), "the port in the host part of " + masked);
        }
        checkName(service, "the host part of " + masked + " (the primary's Consul service name)");

        List<String> delegateQuery = new ArrayList<>();
        Map<String, List<String>> consulFromUrl = new LinkedHashMap<>();
        for (String segment : query.split("&", -1)) {
            if (segment.isEmpty()) {
                continue;
            }
            int eq = segment.indexOf('=');
            String rawKey = eq < 0 ? segment : segment.substring(0, eq);
            String canonical = consulKey(rawKey, masked);
            if (canonical == null) {
                delegateQuery.add(segment);
                continue;
            }
            String value = eq < 0 ? "" : decode(segment.substring(eq + 1), canonical, masked);
            List<String> values = consulFromUrl.computeIfAbsent(canonical, k -> new ArrayList<>());
            if (!values.isEmpty() && !canonical.equals(AGENT)) {
                throw error(canonical + " is given more than once in " + masked + "; expected it once");
            }
            values.add(value);
        }
        Map<String, List<String>> consul = new LinkedHashMap<>(consulFromInfo);
        consul.putAll(consulFromUrl);

        List<String> agents = new ArrayList<>();
        for (String value : consul.getOrDefault(AGENT, List.of())) {
            for (String part : value.split(",", -1)) {
                agents.add(agent(part.trim(), AGENT));
            }
        }
        if (agents.isEmpty()) {
            String fromEnv = env.apply("CONSUL_HTTP_ADDR");
            agents.add(fromEnv == null || fromEnv.isBlank() ? DEFAULT_AGENT
                    : agent(fromEnv.trim(), "the environment variable CONSUL_HTTP_ADDR"));
        }
        String token = single(consul, TOKEN);
        if (token != null && token.isBlank()) {
            throw error(TOKEN + " must not be empty (leave it out to use CONSUL_HTTP_TOKEN)");
        }
        String readService = single(consul, READ_SERVICE);
        if (readService != null) {
            checkName(readService, READ_SERVICE);
        }
        DiscoveryMode mode = DiscoveryMode.HTTP;
        String modeValue = single(consul, MODE);
        if (modeValue != null) {
            switch (modeValue.trim().toLowerCase(Locale.ROOT)) {
                case "http":
                    mode = DiscoveryMode.HTTP;
                    break;
                case "dns":
                    mode = DiscoveryMode.DNS;
                    break;
                default:
                    throw error(MODE + " must be http or dns: '" + modeValue + "'");
            }
        }
        String dnsAgent = single(consul, DNS_AGENT);
        if (dnsAgent != null) {
            if (mode != DiscoveryMode.DNS) {
                throw error(DNS_AGENT + " is only used with " + MODE + "=dns, but the mode is http");
            }
            dnsAgent = hostPort(dnsAgent.trim(), DNS_AGENT, -1);
        }
        Duration resolveTimeout = duration(consul, RESOLVE_TIMEOUT, false);
        Duration failoverTimeout = duration(consul, FAILOVER_TIMEOUT, true);
        boolean roleCheck = bool(consul, ROLE_CHECK, true);
        boolean includeWarning = bool(consul, INCLUDE_WARNING, false);
        boolean retryReadOnlyWrites = bool(consul, RETRY_READ_ONLY_WRITES, true);
        boolean probeKnownNodes = bool(consul, PROBE_KNOWN_NODES, true);

        DiscoveryKey key = new DiscoveryKey(agents, token, mode, dnsAgent, resolveTimeout, includeWarning);
        return new ConsulUrl(url, subprotocol, service, defaultPort, database, List.copyOf(delegateQuery),
                delegateProperties, readService, failoverTimeout == null ? DEFAULT_FAILOVER_TIMEOUT : failoverTimeout,
                roleCheck, retryReadOnlyWrites, probeKnownNodes, key);
    }

    public Subprotocol subprotocol() {
        return subprotocol;
    }

    /** The primary's Consul name (the host part). */
    public String service() {
        return service;
    }

    /** The port for endpoints Consul gives without one (DNS A records): the URL's port, else 3306. */
    public int defaultPort() {
        return defaultPort;
    }

    /** The database (path) part, possibly empty. */
    public String database() {
        return database;
    }

    /** The replicas' Consul name, or null. */
    public String readService() {
        return readService;
    }

    public Duration failoverTimeout() {
        return failoverTimeout;
    }

    public boolean roleCheck() {
        return roleCheck;
    }

    /**
     * Whether a statement refused as read-only may be re-run on the new primary (auto-commit
     * only). Always false with the delegate's {@code allowMultiQueries=true}: in a multi-statement
     * string the refused statement may follow one that did run.
     */
    public boolean retryReadOnlyWrites() {
        return retryReadOnlyWrites;
    }

    /**
     * Whether a primary that refused a write as read-only or failed makes the connection probe
     * every server it knows of (both services, and the primary's earlier instances) instead of
     * only waiting for Consul to list the new primary.
     */
    public boolean probeKnownNodes() {
        return probeKnownNodes;
    }

    private static boolean multiQueries(List<String> delegateQuery, Properties delegateProperties) {
        for (String segment : delegateQuery) {
            int eq = segment.indexOf('=');
            if (eq > 0 && segment.substring(0, eq).trim().equalsIgnoreCase("allowMultiQueries")
                    && !segment.substring(eq + 1).trim().equalsIgnoreCase("false")) {
                return true;
            }
        }
        for (String name : delegateProperties.stringPropertyNames()) {
            if (name.equalsIgnoreCase("allowMultiQueries")
                    && !delegateProperties.getProperty(name).trim().equalsIgnoreCase("false")) {
                return true;
            }
        }
        return false;
    }

    public DiscoveryKey discoveryKey() {
        return discoveryKey;
    }

    /** The non-{@code consul.*} query segments, raw and in order. */
    public List<String> delegateQuery() {
        return delegateQuery;
    }

    /** A fresh copy of the properties for the delegate (the caller's, without {@code consul.*}). */
    public Properties delegateProperties() {
        Properties copy = new Properties();
        copy.putAll(delegateProperties);
        return copy;
    }

    /**
     * The delegate driver's URL for one server. It may carry a password: never put it in a
     * message without {@link Secrets#maskUrl}.
     */
    public String delegateUrl(String host, int port) {
        StringBuilder sb = new StringBuilder(64).append("jdbc:").append(subprotocol.word()).append("://");
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            sb.append('[').append(host).append(']');
        } else {
            sb.append(host);
        }
        sb.append(':').append(port > 0 ? port : defaultPort).append('/').append(database);
        if (!delegateQuery.isEmpty()) {
            sb.append('?').append(String.join("&", delegateQuery));
        }
        return sb.toString();
    }

    /** The URL as given, secrets masked. */
    @Override
    public String toString() {
        return Secrets.maskUrl(url);
    }

    private static SQLException error(String message) {
        return new SQLException(message, "08001");
    }

    private static String consulKey(String rawKey, String maskedUrl) throws SQLException {
        if (!rawKey.regionMatches(true, 0, "consul.", 0, 7)) {
            return null;
        }
        for (String known : PARAMETERS.keySet()) {
            if (known.equalsIgnoreCase(rawKey)) {
                return known;
            }
        }
        throw error("unknown parameter '" + rawKey + "' in " + maskedUrl + ": expected one of "
                + String.join(", ", PARAMETERS.keySet()));
    }

    private static String single(Map<String, List<String>> consul, String key) {
        List<String> values = consul.get(key);
        return values == null || values.isEmpty() ? null : values.get(values.size() - 1);
    }

    /** Any form discovery-core takes (name, tag.name.service[.dc].consul, _name._tag..., name.query.consul). */
    private static void checkName(String name, String what) throws SQLException {
        if (name.isEmpty()) {
            throw error(what + " must be a Consul service name, but it is empty");
        }
        try {
            ServiceQuery.parse(name);
        } catch (IllegalArgumentException e) {
            throw error(what + " must be a Consul service name (as in w-master-mysql-3306.service.consul): "
                    + e.getMessage());
        }
    }

    private static int port(String text, String what) throws SQLException {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw error(what + " must be a number in 1..65535: '" + text + "'");
        }
        int port = Integer.parseInt(text);
        if (port < 1 || port > 65535) {
            throw error(what + " must be in 1..65535: " + port);
        }
        return port;
    }

    private static String agent(String value, String what) throws SQLException {
        String scheme = "";
        String v = value;
        String lower = value.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://")) {
            scheme = "https://";
            v = value.substring(8);
        } else if (lower.startsWith("http://")) {
            v = value.substring(7);
        }
        if (v.endsWith("/")) {
            v = v.substring(0, v.length() - 1);
        }
        return scheme + hostPort(v, what, DEFAULT_AGENT_PORT);
    }

    /** {@code host[:port]} normalized to {@code host:port}; {@code defaultPort < 0}: the port is required. */
    private static String hostPort(String value, String what, int defaultPort) throws SQLException {
        String expected = defaultPort < 0 ? "host:port" : "host:port or https://host:port";
        if (value.isEmpty()) {
            throw error(what + " must be " + expected + ", but it is empty");
        }
        Matcher m = HOST_PORT.matcher(value);
        if (!m.matches()) {
            throw error(what + " must be " + expected + ": '" + value + "'");
        }
        String host = m.group(1);
        String portText = m.group(2);
        if (portText == null) {
            if (defaultPort < 0) {
                throw error(what + " must be " + expected + " (the port is missing): '" + value + "'");
            }
            return host + ":" + defaultPort;
        }
        return host + ":" + port(portText, "the port of " + what);
    }

    private static Duration duration(Map<String, List<String>> consul, String key, boolean zeroAllowed)
            throws SQLException {
        String value = single(consul, key);
        if (value == null) {
            return null;
        }
        String v = value.trim();
        String expected = " must be a duration like 500ms, 2s or 1m (a plain number is milliseconds)";
        Duration d;
        Matcher m = DURATION.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "ms" : m.group(2).toLowerCase(Locale.ROOT);
            switch (unit) {
                case "s":
                    d = Duration.ofSeconds(n);
                    break;
                case "m":
                    d = Duration.ofMinutes(n);
                    break;
                case "h":
                    d = Duration.ofHours(n);
                    break;
                default:
                    d = Duration.ofMillis(n);
            }
        } else if (v.regionMatches(true, 0, "PT", 0, 2)) {
            try {
                d = Duration.parse(v);
            } catch (DateTimeParseException e) {
                throw error(key + expected + ": '" + value + "'");
            }
        } else {
            throw error(key + expected + ": '" + value + "'");
        }
        if (d.isNegative() || (d.isZero() && !zeroAllowed)) {
            throw error(key + " must be " + (zeroAllowed ? "zero or positive" : "positive") + ": '" + value + "'");
        }
        return d;
    }

    private static boolean bool(Map<String, List<String>> consul, String key, boolean dflt) throws SQLException {
        String value = single(consul, key);
        if (value == null) {
            return dflt;
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "true":
                return true;
            case "false":
                return false;
            default:
                throw error(key + " must be true or false: '" + value + "'");
        }
    }

    /** Strict percent-decoding ('+' stays '+', as in JDBC URLs); the message never shows a secret's value. */
    private static String decode(String raw, String what, String maskedUrl) throws SQLException {
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
