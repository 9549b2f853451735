package io.waymark.jdbc.internal;

import io.waymark.discovery.AgentAddress;
import io.waymark.discovery.DiscoveryMode;
import io.waymark.jdbc.internal.ConsulParameters.Parameter;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * A parsed {@code jdbc:consul:<mysql|mariadb>://[user[:password]@]<service>[:port][/database][?parameters]} URL.
 *
 * <p>Parameters named {@code consul.*} (names percent-decoded first) configure discovery and are
 * consumed here, read through {@link ConsulParameters}; every other parameter is handed to the
 * delegate driver exactly as written (raw, in order), so the delegate sees what it would see on a
 * plain URL. Properties passed to {@code connect} work the same way; a {@code consul.*} parameter
 * in the URL wins over the same one in the properties. Consul's own defaults come from the
 * environment as the {@code consul} CLI takes them ({@code CONSUL_HTTP_ADDR},
 * {@code CONSUL_HTTP_TOKEN}), resolved here once, so that everything talking to Consul for this
 * URL uses the same agents and token.
 *
 * <p>Immutable. {@link #toString()} masks passwords and tokens.
 */
public final class ConsulUrl {

    public static final String PREFIX = "jdbc:consul:";

    static final int DEFAULT_PORT = 3306;
    static final String DEFAULT_AGENT = "127.0.0.1:" + AgentAddress.DEFAULT_HTTP_PORT;
    /** How much of the (masked) URL a message echoes. */
    private static final int URL_ECHO = 300;

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

    private ConsulUrl(String url, Subprotocol subprotocol, UrlSyntax.HostPart host, String database,
            List<String> delegateQuery, Properties delegateProperties, Map<Parameter<?>, List<String>> given,
            DiscoveryKey discoveryKey) throws SQLException {
        this.url = url;
        this.subprotocol = subprotocol;
        this.service = host.service();
        this.defaultPort = host.port();
        this.database = database;
        this.delegateQuery = List.copyOf(delegateQuery);
        this.delegateProperties = delegateProperties;
        this.readService = ConsulParameters.READ_SERVICE.read(given);
        this.failoverTimeout = orElse(ConsulParameters.FAILOVER_TIMEOUT.read(given),
                ConsulParameters.DEFAULT_FAILOVER_TIMEOUT);
        this.roleCheck = orElse(ConsulParameters.ROLE_CHECK.read(given), true);
        this.retryReadOnlyWrites = orElse(ConsulParameters.RETRY_READ_ONLY_WRITES.read(given), true)
                && !multiQueries(delegateQuery, delegateProperties);
        this.probeKnownNodes = orElse(ConsulParameters.PROBE_KNOWN_NODES.read(given), true);
        this.discoveryKey = discoveryKey;
    }

    /**
     * The {@code consul.*} parameters with what each expects, for {@code Driver.getPropertyInfo};
     * values given in {@code info} are shown, secrets masked.
     */
    public static DriverPropertyInfo[] propertyInfo(Properties info) {
        DriverPropertyInfo[] result = new DriverPropertyInfo[ConsulParameters.ALL.size()];
        int i = 0;
        for (Parameter<?> p : ConsulParameters.ALL) {
            String value = info == null ? null : info.getProperty(p.name());
            DriverPropertyInfo d = new DriverPropertyInfo(p.name(), value == null ? null : Secrets.maskValue(p.name(), value));
            d.description = p.description();
            d.required = false;
            result[i++] = d;
        }
        return result;
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
            throw new SQLException("url must not be null; expected " + UrlSyntax.SHAPE, "08001");
        }
        String masked = Secrets.maskUrl(url);
        if (masked.length() > URL_ECHO) {
            masked = masked.substring(0, URL_ECHO) + "... (" + url.length() + " characters)";
        }
        if (!accepts(url)) {
            throw UrlSyntax.error("not a jdbc:consul: URL: " + masked + "; expected " + UrlSyntax.SHAPE);
        }
        String rest = url.substring(PREFIX.length());
        int sep = rest.indexOf("://");
        if (sep < 0) {
            throw UrlSyntax.error("malformed URL " + masked + ": expected " + UrlSyntax.SHAPE);
        }
        String word = rest.substring(0, sep);
        Subprotocol subprotocol = Subprotocol.of(word);
        if (subprotocol == null) {
            throw UrlSyntax.error("unknown subprotocol '" + Secrets.clip(word) + "' in " + masked
                    + ": expected mysql or mariadb");
        }
        UrlSyntax.Parts parts = UrlSyntax.parts(rest.substring(sep + 3), masked);

        Properties delegateProperties = new Properties();
        Map<Parameter<?>, List<String>> fromInfo = new LinkedHashMap<>();
        if (info != null) {
            for (String key : info.stringPropertyNames()) {
                Parameter<?> p = ConsulParameters.of(key, masked);
                if (p == null) {
                    delegateProperties.setProperty(key, info.getProperty(key));
                } else {
                    fromInfo.computeIfAbsent(p, k -> new ArrayList<>()).add(info.getProperty(key));
                }
            }
        }
        if (parts.userInfo() != null) {
            // user[:password]@service, as Connector/J takes it: handed over as properties
            String userInfo = parts.userInfo();
            int colon = userInfo.indexOf(':');
            String user = UrlSyntax.decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "the user in the host part",
                    masked);
            if (!user.isEmpty()) {
                delegateProperties.setProperty("user", user);
            }
            if (colon >= 0) {
                delegateProperties.setProperty("password",
                        UrlSyntax.decode(userInfo.substring(colon + 1), "the password in the host part", masked));
            }
        }
        UrlSyntax.HostPart host = UrlSyntax.hostPart(parts.authority(), DEFAULT_PORT, masked);

        List<String> delegateQuery = new ArrayList<>();
        Map<Parameter<?>, List<String>> fromUrl = new LinkedHashMap<>();
        for (String segment : parts.query().split("&", -1)) {
            if (segment.isEmpty()) {
                continue;
            }
            int eq = segment.indexOf('=');
            String name = UrlSyntax.decode(eq < 0 ? segment : segment.substring(0, eq), "a parameter name", masked);
            Parameter<?> p = ConsulParameters.of(name, masked);
            if (p == null) {
                delegateQuery.add(segment);
                continue;
            }
            String value = eq < 0 ? "" : UrlSyntax.decode(segment.substring(eq + 1), p.name(), masked);
            List<String> values = fromUrl.computeIfAbsent(p, k -> new ArrayList<>());
            if (!values.isEmpty() && !p.repeatable()) {
                throw UrlSyntax.error(p.name() + " is given more than once in " + masked + "; expected it once");
            }
            values.add(value);
        }
        Map<Parameter<?>, List<String>> given = new LinkedHashMap<>(fromInfo);
        given.putAll(fromUrl);
        return new ConsulUrl(url, subprotocol, host, parts.database(), delegateQuery, delegateProperties, given,
                discoveryKey(given, env));
    }

    /** What makes the discovery client: agents and token default to Consul's environment variables. */
    private static DiscoveryKey discoveryKey(Map<Parameter<?>, List<String>> given, Function<String, String> env)
            throws SQLException {
        List<String> agents = ConsulParameters.AGENT.read(given);
        if (agents == null) {
            String fromEnv = env.apply("CONSUL_HTTP_ADDR");
            agents = List.of(fromEnv == null || fromEnv.isBlank() ? DEFAULT_AGENT
                    : ConsulParameters.address("the environment variable CONSUL_HTTP_ADDR", fromEnv, true));
        }
        String token = ConsulParameters.TOKEN.read(given);
        if (token == null) {
            String fromEnv = env.apply("CONSUL_HTTP_TOKEN");
            token = fromEnv == null || fromEnv.isBlank() ? null : fromEnv;
        }
        DiscoveryMode mode = orElse(ConsulParameters.MODE.read(given), DiscoveryMode.HTTP);
        String dnsAgent = ConsulParameters.DNS_AGENT.read(given);
        if (dnsAgent != null && mode != DiscoveryMode.DNS) {
            throw UrlSyntax.error(ConsulParameters.DNS_AGENT.name() + " is only used with " + ConsulParameters.MODE.name()
                    + "=dns, but the mode is http");
        }
        return new DiscoveryKey(agents, token, mode, dnsAgent, ConsulParameters.RESOLVE_TIMEOUT.read(given),
                orElse(ConsulParameters.INCLUDE_WARNING.read(given), false));
    }

    private static <T> T orElse(T value, T dflt) {
        return value != null ? value : dflt;
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

    /**
     * Whether the URL's delegate parameters or the properties give {@code name} a value, however
     * its case and percent-encoding are written.
     */
    boolean delegateSets(String name) {
        return !delegateValues(name, delegateQuery, delegateProperties).isEmpty();
    }

    /** Every value the URL's delegate parameters and the properties give {@code name}. */
    private static List<String> delegateValues(String name, List<String> delegateQuery, Properties delegateProperties) {
        List<String> values = new ArrayList<>();
        for (String segment : delegateQuery) {
            int eq = segment.indexOf('=');
            if (eq > 0 && Secrets.decodeLeniently(segment.substring(0, eq)).trim().equalsIgnoreCase(name)) {
                values.add(segment.substring(eq + 1));
            }
        }
        for (String key : delegateProperties.stringPropertyNames()) {
            if (key.equalsIgnoreCase(name)) {
                values.add(delegateProperties.getProperty(key));
            }
        }
        return values;
    }

    /** Whether the delegate runs multi-statement strings ({@code allowMultiQueries}, however the name is written). */
    private static boolean multiQueries(List<String> delegateQuery, Properties delegateProperties) {
        return delegateValues("allowMultiQueries", delegateQuery, delegateProperties).stream()
                .anyMatch(v -> !v.trim().equalsIgnoreCase("false"));
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
}
