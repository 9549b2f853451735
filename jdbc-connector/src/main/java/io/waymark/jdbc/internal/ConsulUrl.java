package io.waymark.jdbc.internal;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.ConsulDiscoveryBuilder;
import io.waymark.discovery.ConsulProperty;
import io.waymark.jdbc.internal.ConsulParameters.Discovery;
import io.waymark.jdbc.internal.ConsulParameters.Name;
import io.waymark.jdbc.internal.ConsulParameters.Parameter;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * A parsed {@code jdbc:consul:<mysql|mariadb>://[user[:password]@]<service>[:port][/database][?parameters]} URL.
 *
 * <p>Parameters named {@code consul.*} (names percent-decoded first) are consumed here, read
 * through {@link ConsulParameters}: discovery's settings ({@code consul.<key>} of every
 * {@link ConsulProperty}, checked by discovery's own parser) and this driver's own. Every other
 * parameter is handed to the delegate driver exactly as written (raw, in order), so the delegate
 * sees what it would see on a plain URL. Properties passed to {@code connect} work the same way;
 * a {@code consul.*} parameter in the URL wins over the same one in the properties. Consul's
 * environment variables (read for what the settings leave unset, as the {@code consul} CLI reads
 * them) are taken here once, into the {@link DiscoveryKey}, so that everything talking to Consul
 * for this URL uses the same agents, TLS settings and token.
 *
 * <p>Immutable. {@link #toString()} masks passwords and tokens.
 */
public final class ConsulUrl {

    public static final String PREFIX = "jdbc:consul:";

    static final int DEFAULT_PORT = 3306;
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
            List<String> delegateQuery, Properties delegateProperties, Map<Name, List<String>> given,
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
        List<DriverPropertyInfo> result = new ArrayList<>();
        for (ConsulProperty p : ConsulProperty.values()) {
            Discovery d = new Discovery(p);
            result.add(propertyInfo(d.name(), d.description(), p.secret(), info));
        }
        for (Parameter<?> p : ConsulParameters.ALL) {
            result.add(propertyInfo(p.name(), p.description(), false, info));
        }
        return result.toArray(new DriverPropertyInfo[0]);
    }

    private static DriverPropertyInfo propertyInfo(String name, String description, boolean secret, Properties info) {
        String value = info == null ? null : info.getProperty(name);
        DriverPropertyInfo d = new DriverPropertyInfo(name, value == null ? null
                : secret ? Secrets.MASK : Secrets.maskValue(name, value));
        d.description = description;
        d.required = false;
        return d;
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
        Map<Name, List<String>> fromInfo = new LinkedHashMap<>();
        if (info != null) {
            for (String key : info.stringPropertyNames()) {
                Name p = ConsulParameters.of(key, masked);
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
        Map<Name, List<String>> fromUrl = new LinkedHashMap<>();
        for (String segment : parts.query().split("&", -1)) {
            if (segment.isEmpty()) {
                continue;
            }
            int eq = segment.indexOf('=');
            String name = UrlSyntax.decode(eq < 0 ? segment : segment.substring(0, eq), "a parameter name", masked);
            Name p = ConsulParameters.of(name, masked);
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
        Map<Name, List<String>> given = new LinkedHashMap<>(fromInfo);
        given.putAll(fromUrl);
        return new ConsulUrl(url, subprotocol, host, parts.database(), delegateQuery, delegateProperties, given,
                discoveryKey(given, env));
    }

    /**
     * What makes the discovery client: the discovery settings given, each checked by discovery's
     * own parser now (so that a bad value fails here, naming its parameter), and the Consul
     * environment variables, read once.
     */
    private static DiscoveryKey discoveryKey(Map<Name, List<String>> given, Function<String, String> env)
            throws SQLException {
        Map<ConsulProperty, String> settings = new EnumMap<>(ConsulProperty.class);
        ConsulDiscoveryBuilder check = ConsulDiscovery.builder();
        for (Map.Entry<Name, List<String>> e : given.entrySet()) {
            if (!(e.getKey() instanceof Discovery d)) {
                continue;
            }
            List<String> values = e.getValue();
            String value = d.repeatable() ? String.join(",", values) : values.get(values.size() - 1);
            if (d.property() == ConsulProperty.AGENT || d.property() == ConsulProperty.DNS_AGENT) {
                value = ConsulParameters.addresses(d.name(), value, d.property() == ConsulProperty.AGENT);
            }
            try {
                check.property(d.name(), value);
            } catch (IllegalArgumentException ex) {
                // discovery's messages name the parameter and never show a secret value
                throw UrlSyntax.error(ex.getMessage());
            }
            settings.put(d.property(), d.property().secret() ? value : value.strip());
        }
        return new DiscoveryKey(settings, DiscoveryKey.environment(env));
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
