package io.waymark.discovery;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;

/**
 * Every {@link ConsulDiscoveryBuilder} setting by a string key, for configuration that arrives
 * as text: a JDBC URL's {@code consul.*} parameters, a data source's setters, Spring's
 * {@code waymark.consul.*} properties. {@link ConsulDiscoveryBuilder#property(String, String)}
 * applies one; it is the only parser of these values, so every front door accepts the same
 * forms and gives the same errors.
 *
 * <p>Keys are matched ignoring case, {@code '-'} and {@code '_'} ({@code caCert},
 * {@code ca-cert} and {@code CA_CERT} are one key), after an optional {@code consul.} or
 * {@code waymark.consul.} prefix. An error names the key as it was given and the expected form,
 * and never shows the value of a {@link #secret()} one.
 *
 * <p>Values: durations as {@code 500ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 1d} or
 * ISO-8601 ({@code PT10S}), a plain number being milliseconds; booleans {@code true}/{@code false}
 * (also {@code 1}/{@code 0}, {@code t}/{@code f}, as Consul reads them); files as paths.
 *
 * <p><b>Threading:</b> immutable.
 */
public enum ConsulProperty {

    /** Agents' HTTP API addresses. */
    AGENT("host[:port], http://host[:port], https://host[:port] or unix:///path; several comma-separated",
            ConsulEnvironment.HTTP_ADDR, "Consul agents' HTTP API, tried in order; default 127.0.0.1:8500", false,
            (b, k, v) -> {
                for (String a : list(k, v, "an agent address")) {
                    b.agents.add(AgentAddress.parse(k, a));
                }
            }),
    /** Agents given without a scheme use https. */
    HTTPS("true or false", ConsulEnvironment.HTTP_SSL,
            "agents given without a scheme are reached over https; default false", false,
            (b, k, v) -> b.https = bool(k, v)),
    /** The ACL token. */
    TOKEN("ACL token (visible ASCII)", ConsulEnvironment.HTTP_TOKEN,
            "ACL token sent as X-Consul-Token; default none (CONSUL_HTTP_TOKEN_FILE wins over CONSUL_HTTP_TOKEN)",
            true, (b, k, v) -> b.tokenSource(ConsulToken.fixed(k, v))),
    /** A file holding the ACL token, re-read when it changes. */
    TOKEN_FILE("path of a file holding the token", ConsulEnvironment.HTTP_TOKEN_FILE,
            "ACL token read from this file, and read again when the file changes (rotation)", false,
            (b, k, v) -> b.tokenFile(k, path(k, v))),
    /** CA certificates to trust. */
    CA_CERT("path of a PEM file of CA certificates", ConsulEnvironment.CACERT,
            "trust only these CAs for https agents; default the JVM's trust store", false,
            (b, k, v) -> b.tls.caCert = new Tls.Named<>(path(k, v), k)),
    /** A directory of CA certificates to trust. */
    CA_PATH("path of a directory of PEM files", ConsulEnvironment.CAPATH,
            "trust only the CAs of every file in this directory (caCert wins when both come from the environment)",
            false, (b, k, v) -> b.tls.caPath = new Tls.Named<>(path(k, v), k)),
    /** A trust store file. */
    TRUST_STORE("path of a PKCS #12 or JKS file", null, "trust only the certificates of this key store", false,
            (b, k, v) -> b.tls.trustStoreFile = new Tls.Named<>(path(k, v), k)),
    /** The trust store's password. */
    TRUST_STORE_PASSWORD("password", null, "password of trustStore; default none", true,
            (b, k, v) -> b.tls.trustStorePassword = v),
    /** The client certificate (PEM). */
    CLIENT_CERT("path of a PEM file: the certificate, then its chain", ConsulEnvironment.CLIENT_CERT,
            "client certificate presented to agents that verify_incoming; needs clientKey", false,
            (b, k, v) -> b.tls.clientCert = new Tls.Named<>(path(k, v), k)),
    /** The client certificate's private key (PEM). */
    CLIENT_KEY("path of an unencrypted PEM private key: PKCS #8, SEC 1 EC (as consul tls writes it) or PKCS #1 RSA",
            ConsulEnvironment.CLIENT_KEY, "private key of clientCert", false,
            (b, k, v) -> b.tls.clientKey = new Tls.Named<>(path(k, v), k)),
    /** A key store holding the client certificate and key. */
    KEY_STORE("path of a PKCS #12 or JKS file", null, "client certificate and key from this key store", false,
            (b, k, v) -> b.tls.keyStoreFile = new Tls.Named<>(path(k, v), k)),
    /** The key store's password (also the key's). */
    KEY_STORE_PASSWORD("password", null, "password of keyStore and of its key; default none", true,
            (b, k, v) -> b.tls.keyStorePassword = v),
    /** The name agents' certificates are checked against. */
    TLS_SERVER_NAME("host name", ConsulEnvironment.TLS_SERVER_NAME,
            "check agents' certificates against this name (and send it as SNI) instead of the address "
                    + "connected to, e.g. server.dc1.consul", false,
            (b, k, v) -> b.tls.serverName = new Tls.Named<>(serverName(k, v), k)),
    /** Whether the agents' certificates must name the agent. */
    VERIFY_HOSTNAME("true or false", null,
            "check that the agent's certificate names the agent (or tlsServerName); default true", false,
            (b, k, v) -> b.tls.verifyHostname = bool(k, v)),
    /** Whether the agents' certificates are verified at all. */
    TLS_VERIFY("true or false", ConsulEnvironment.HTTP_SSL_VERIFY,
            "false accepts any certificate, as CONSUL_HTTP_SSL_VERIFY=false does (insecure, logged); default true",
            false, (b, k, v) -> b.tls.verify = new Tls.Named<>(bool(k, v), k)),
    /** Consul Enterprise namespace. */
    NAMESPACE("namespace name", ConsulEnvironment.NAMESPACE,
            "Consul Enterprise namespace, sent as ?ns= on every request; default none", false,
            (b, k, v) -> b.namespace = scopeName(k, v)),
    /** Consul Enterprise admin partition. */
    PARTITION("partition name", ConsulEnvironment.PARTITION,
            "Consul Enterprise admin partition, sent as ?partition= on every request; default none", false,
            (b, k, v) -> b.partition = scopeName(k, v)),
    /** HTTP or DNS. */
    MODE("http or dns", null, "how names are resolved; default http", false,
            (b, k, v) -> b.mode(choice(k, v, DiscoveryMode.class))),
    /** DNS agents. */
    DNS_AGENT("host[:port]; several comma-separated", null,
            "agents' DNS interface, mode dns; default each agent's host, port 8600", false,
            (b, k, v) -> {
                for (String a : list(k, v, "a DNS agent address")) {
                    b.dnsAgents.add(AgentAddress.parseDns(k, a));
                }
            }),
    /** Read consistency. */
    CONSISTENCY("default, stale or cached", null, "read consistency of blocking queries; default default",
            false, (b, k, v) -> b.consistency(choice(k, v, Consistency.class))),
    /** Serve instances in warning too. */
    INCLUDE_WARNING("true or false", null, "also use instances whose checks warn; default false", false,
            (b, k, v) -> b.includeWarning(bool(k, v))),
    /** First-lookup timeout. */
    RESOLVE_TIMEOUT("duration", null, "how long the first lookup of a name may block; default 10s", false,
            (b, k, v) -> renamed(k, "resolveTimeout", () -> b.resolveTimeout(duration(k, v)))),
    /** Connect and read timeout of requests that do not block. */
    REQUEST_TIMEOUT("duration", null, "connect timeout, read timeout of requests that do not block; default 5s", false,
            (b, k, v) -> renamed(k, "requestTimeout", () -> b.requestTimeout(duration(k, v)))),
    /** Blocking-query wait. */
    BLOCKING_WAIT("duration, 1s..10m", null, "blocking-query wait; default 5m", false,
            (b, k, v) -> renamed(k, "blockingWait", () -> b.blockingWait(duration(k, v)))),
    /** Poll interval of names that cannot block. */
    POLL_INTERVAL("duration", null, "poll interval of prepared queries and DNS answers with TTL 0; default 1s", false,
            (b, k, v) -> renamed(k, "pollInterval", () -> b.pollInterval(duration(k, v)))),
    /** Idle watches stop after this. */
    IDLE_WATCH_TIMEOUT("duration", null, "stop watches nobody used for this long; default 10m", false,
            (b, k, v) -> renamed(k, "idleWatchTimeout", () -> b.idleWatchTimeout(duration(k, v)))),
    /** Cap on watched names. */
    MAX_WATCHES("integer 1..100000", null, "at most this many names watched at once; default 1000", false,
            (b, k, v) -> renamed(k, "maxWatches", () -> b.maxWatches(integer(k, v)))),
    /** Agent probe interval. */
    AGENT_PROBE_INTERVAL("duration, 0 (off) or at least 100ms", null,
            "how often agents with requests in flight are probed; default 2s", false,
            (b, k, v) -> renamed(k, "agentProbeInterval", () -> b.agentProbeInterval(duration(k, v)))),
    /** Staleness bound of consistency stale. */
    MAX_STALENESS("duration", null, "with consistency stale, re-ask the leader for older answers; default 10s", false,
            (b, k, v) -> renamed(k, "maxStaleness", () -> b.maxStaleness(duration(k, v)))),
    /** Consul's DNS domain. */
    DOMAIN("DNS domain", null, "the domain names may end with; default consul", false,
            (b, k, v) -> renamed(k, "domain", () -> b.domain(v.strip())));

    private static final Pattern DURATION = Pattern.compile("(\\d{1,15})\\s*(ms|s|m|h|d)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern SCOPE_NAME = Pattern.compile("[a-zA-Z0-9]([a-zA-Z0-9-]{0,62}[a-zA-Z0-9])?");
    private static final String[] PREFIXES = {"waymark.consul.", "consul."};

    /** Applies a value to a builder; {@code key} is the key as given, for messages. */
    @FunctionalInterface
    interface Setter {
        void set(ConsulDiscoveryBuilder b, String key, String value);
    }

    private final String key;
    private final String form;
    private final @Nullable String environmentVariable;
    private final String description;
    private final boolean secret;
    private final Setter setter;

    ConsulProperty(String form, @Nullable String environmentVariable, String description, boolean secret, Setter setter) {
        this.key = camel(name());
        this.form = form;
        this.environmentVariable = environmentVariable;
        this.description = description;
        this.secret = secret;
        this.setter = setter;
    }

    private static String camel(String constant) {
        StringBuilder sb = new StringBuilder();
        boolean upper = false;
        for (char c : constant.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                sb.append(upper ? c : Character.toLowerCase(c));
                upper = false;
            }
        }
        return sb.toString();
    }

    /** The key, camelCase: {@code caCert}; JDBC URLs write it {@code consul.caCert}. */
    public String key() {
        return key;
    }

    /** The key, kebab-case: {@code ca-cert}; Spring writes it {@code waymark.consul.ca-cert}. */
    public String kebabKey() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** What the value must look like, e.g. {@code "path of a PEM file of CA certificates"}. */
    public String form() {
        return form;
    }

    /** The Consul environment variable read when neither this key nor its builder method is set. */
    public Optional<String> environmentVariable() {
        return Optional.ofNullable(environmentVariable);
    }

    /** What it does, and its default. */
    public String description() {
        return description;
    }

    /** Whether the value is a secret (a token, a password): never to be logged, shown or put in a message. */
    public boolean secret() {
        return secret;
    }

    /**
     * The property of {@code key}, matched ignoring case, {@code '-'}, {@code '_'} and a
     * {@code consul.} or {@code waymark.consul.} prefix.
     */
    public static Optional<ConsulProperty> find(String key) {
        String k = normalize(key);
        for (ConsulProperty p : values()) {
            if (p.name().replace("_", "").equals(k)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * The property of {@code key}, as {@link #find}.
     *
     * @throws IllegalArgumentException naming the key and listing every key when none matches
     */
    public static ConsulProperty of(String key) {
        return find(key).orElseThrow(() -> new IllegalArgumentException("unknown Consul setting "
                + Checks.quote(key) + ": expected one of " + Arrays.stream(values()).map(ConsulProperty::key)
                        .collect(Collectors.joining(", "))));
    }

    private static String normalize(String key) {
        String k = key.strip().toLowerCase(Locale.ROOT);
        for (String prefix : PREFIXES) {
            if (k.startsWith(prefix)) {
                k = k.substring(prefix.length());
                break;
            }
        }
        return k.replace("-", "").replace("_", "").toUpperCase(Locale.ROOT);
    }

    /** Applies {@code value}; errors name {@code key} as given. */
    void apply(ConsulDiscoveryBuilder b, String key, String value) {
        setter.set(b, key.strip(), value);
    }

    // ---- the one parser of each kind of value; messages name the setting and the expected form ----

    static Path path(String setting, String value) {
        String v = value.strip();
        Checks.requireArgument(!v.isEmpty(), setting + " must be a file path, but is empty");
        try {
            return Path.of(v);
        } catch (InvalidPathException e) {
            throw new IllegalArgumentException(setting + " must be a file path: " + Checks.quote(value) + " ("
                    + e.getReason() + ")");
        }
    }

    /** Go's {@code strconv.ParseBool}, which Consul uses: 1, t, true, 0, f, false in any case. */
    static boolean bool(String setting, String value) {
        switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "1":
            case "t":
            case "true":
                return true;
            case "0":
            case "f":
            case "false":
                return false;
            default:
                throw new IllegalArgumentException(setting + " must be true or false: " + Checks.quote(value));
        }
    }

    static Duration duration(String setting, String value) {
        String v = value.strip();
        String expected = setting + " must be a duration like 500ms, 10s, 5m, 1h or PT10S (a plain number is "
                + "milliseconds): " + Checks.quote(value);
        if (v.regionMatches(true, 0, "P", 0, 1)) {
            try {
                return Duration.parse(v);
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(expected);
            }
        }
        Matcher m = DURATION.matcher(v);
        Checks.requireArgument(m.matches(), expected);
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "ms" : m.group(2).toLowerCase(Locale.ROOT);
        switch (unit) {
            case "s":
                return Duration.ofSeconds(n);
            case "m":
                return Duration.ofMinutes(n);
            case "h":
                return Duration.ofHours(n);
            case "d":
                return Duration.ofDays(n);
            default:
                return Duration.ofMillis(n);
        }
    }

    static int integer(String setting, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(setting + " must be an integer: " + Checks.quote(value));
        }
    }

    /**
     * A TLS server name: a host name (or address) as certificates carry it; a port is dropped,
     * as the consul CLI drops one from {@code CONSUL_TLS_SERVER_NAME}.
     */
    static String serverName(String setting, String value) {
        String v = value.strip();
        if (v.startsWith("[")) {
            int close = v.indexOf(']');
            v = close > 0 ? v.substring(1, close) : v;
        } else if (v.indexOf(':') == v.lastIndexOf(':') && v.indexOf(':') > 0) {
            v = v.substring(0, v.indexOf(':'));
        }
        try {
            return AgentAddress.parse(setting, v.indexOf(':') >= 0 ? "[" + v + "]" : v).host();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + " must be a host name as the agents' certificates carry it "
                    + "(letters, digits, '.', '-'), e.g. server.dc1.consul: " + Checks.quote(value));
        }
    }

    /** A Consul Enterprise namespace or partition name (Consul's own rule). */
    static String scopeName(String setting, String value) {
        String v = value.strip();
        Checks.requireArgument(SCOPE_NAME.matcher(v).matches(), setting + " must be a Consul namespace or partition "
                + "name (letters, digits and '-', at most 64, not starting or ending with '-'): " + Checks.quote(value));
        return v;
    }

    private static <E extends Enum<E>> E choice(String setting, String value, Class<E> type) {
        String v = value.strip().toUpperCase(Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException(setting + " must be one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")) + ": "
                + Checks.quote(value));
    }

    private static String[] list(String setting, String value, String what) {
        String[] parts = Arrays.stream(value.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                .toArray(String[]::new);
        Checks.requireArgument(parts.length > 0, setting + " must be " + what + " (or several, comma-separated), but "
                + "is empty");
        return parts;
    }

    /** The builder method's message, naming the key as given instead of the method. */
    private static void renamed(String setting, String method, Runnable set) {
        try {
            set.run();
        } catch (IllegalArgumentException e) {
            String m = String.valueOf(e.getMessage());
            if (m.startsWith(setting)) {
                // the value's parser, which names the key already
                throw e;
            }
            throw new IllegalArgumentException(m.startsWith(method) ? setting + m.substring(method.length())
                    : setting + ": " + m, e);
        }
    }
}
