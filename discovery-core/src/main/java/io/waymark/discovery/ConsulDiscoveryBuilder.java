package io.waymark.discovery;

import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.X509TrustManager;
import org.jspecify.annotations.Nullable;

/**
 * Builds a {@link ConsulDiscovery}. Each setter checks its value at once; conflicting
 * settings are rejected by {@link #build()}.
 *
 * <p>The connection to Consul (agents, ACL token, TLS, Enterprise namespace and partition)
 * takes its defaults from Consul's environment variables, as the consul CLI does, setting by
 * setting ({@code CONSUL_HTTP_ADDR}, {@code CONSUL_CACERT}, {@code CONSUL_HTTP_TOKEN_FILE},
 * ...); an explicit setting always wins. See {@link ConsulProperty} for every setting by its
 * string key ({@link #property(String, String)}) and its variable. Files (PEM, key stores, the
 * token file) are read by {@link #build()}, whose errors name the setting (or variable) and
 * the file, never key material or a token.
 *
 * <p>Defaults: agent {@code CONSUL_HTTP_ADDR}, else {@code 127.0.0.1:8500}; no token; TLS with
 * the JVM's trust store, no client certificate, host names verified; {@link DiscoveryMode#HTTP};
 * {@link Consistency#DEFAULT}; passing instances only; resolve timeout 10 s; request
 * timeout 5 s; blocking wait 5 min; poll interval 1 s; idle watches stop after 10 min;
 * at most 1,000 watched names; agents with requests in flight probed every 2 s;
 * retry backoff 100 ms doubling to 10 s with jitter; each watch loop at most 5 requests
 * per second (burst 5); domain {@code consul}; named daemon threads.
 *
 * <p>Durations have no upper bound: one too long to count in nanoseconds (about 292 years)
 * is taken as that long, and a request timeout above 24 days as 24 days.
 *
 * <p><b>Threading:</b> a builder is not thread-safe; the {@link ConsulDiscovery} it
 * builds is.
 */
public final class ConsulDiscoveryBuilder {

    // package-private: Settings copies them (the builder hands itself over, as Caffeine's does)
    final List<AgentAddress> agents = new ArrayList<>();
    final List<AgentAddress> dnsAgents = new ArrayList<>();
    /** Last of token(String), token(Supplier), tokenFile: one token source. */
    @Nullable ConsulToken token;
    Tls.@Nullable Named<Path> tokenFile;
    @Nullable Boolean https;
    final Tls tls = new Tls();
    @Nullable String namespace;
    @Nullable String partition;
    DiscoveryMode mode = DiscoveryMode.HTTP;
    Consistency consistency = Consistency.DEFAULT;
    boolean includeWarning;
    Duration resolveTimeout = Duration.ofSeconds(10);
    Duration requestTimeout = Duration.ofSeconds(5);
    Duration blockingWait = Duration.ofMinutes(5);
    Duration pollInterval = Duration.ofSeconds(1);
    Duration idleWatchTimeout = Duration.ofMinutes(10);
    int maxWatches = 1_000;
    Duration agentProbeInterval = Duration.ofSeconds(2);
    boolean agentProbeIntervalSet;
    @Nullable Duration maxStaleness;
    Duration backoffInitial = Duration.ofMillis(100);
    Duration backoffMax = Duration.ofSeconds(10);
    double watchRequestsPerSecond = 5;
    int watchBurst = 5;
    String domain = ServiceQuery.DEFAULT_DOMAIN;
    @Nullable Executor listenerExecutor;
    @Nullable ScheduledExecutorService scheduler;
    @Nullable ExecutorService httpExecutor;
    Clock clock = Clock.systemUTC();
    Function<String, String> environment = System::getenv;

    ConsulDiscoveryBuilder() {
    }

    /**
     * An agent's HTTP address: {@code host[:port]}, {@code http://host[:port]},
     * {@code https://host[:port]} (port 8500 unless given) or {@code unix:///path/to/socket};
     * repeatable: the agents are tried in order, and a watch moves to the next one when its
     * agent fails. Default {@code CONSUL_HTTP_ADDR}, else {@code 127.0.0.1:8500}.
     */
    public ConsulDiscoveryBuilder agent(String hostPort) {
        agents.add(AgentAddress.parse("agent", hostPort));
        return this;
    }

    /**
     * The agent's DNS address {@code host:port} for {@link DiscoveryMode#DNS}; repeatable;
     * default: each agent's host, port 8600.
     */
    public ConsulDiscoveryBuilder dnsAgent(String hostPort) {
        dnsAgents.add(AgentAddress.parseDns("dnsAgent", hostPort));
        return this;
    }

    /**
     * ACL token, sent in the {@code X-Consul-Token} header; default {@code CONSUL_HTTP_TOKEN_FILE},
     * else {@code CONSUL_HTTP_TOKEN}, else none. A leading BOM and surrounding whitespace are
     * removed (as a token file may carry them); what remains must be visible ASCII. Never
     * logged, never in a URL, {@code toString()} or exception message. Replaces an earlier
     * token, token supplier or token file.
     *
     * @throws IllegalArgumentException when the token is blank or has another character
     *     (the message does not show the value)
     */
    public ConsulDiscoveryBuilder token(String token) {
        return tokenSource(ConsulToken.fixed("token", token));
    }

    /**
     * ACL token read at each request, for rotation; a null or blank answer sends no token.
     * Each answer is cleaned as {@link #token(String)} cleans; an answer with another
     * character fails that request (a {@link DiscoveryException} for a first lookup, a stale
     * name otherwise) with a message that does not show it. When the agent refuses a token
     * (403) and the supplier then answers another one, the request is sent again with it at
     * once. Replaces an earlier token, token supplier or token file.
     */
    public ConsulDiscoveryBuilder token(Supplier<String> token) {
        return tokenSource(new ConsulToken(Objects.requireNonNull(token, "token"), "token supplier"));
    }

    /**
     * ACL token kept in a file, for rotation ({@code CONSUL_HTTP_TOKEN_FILE}): read by
     * {@link #build()} (an error then when it is missing, unreadable or empty), then read again
     * when its modification time, size or identity change (one {@code stat} per request, not a
     * read), and at once when the agent refuses the token (403), in which case the refused
     * request is sent again with the new token. Write a new token (atomically, by rename, or in
     * place) before deleting the old one in Consul: no watch fails, goes stale or publishes an
     * empty list. A later read that fails (the file missing for a moment) keeps the last token.
     * Replaces an earlier token or token supplier.
     */
    public ConsulDiscoveryBuilder tokenFile(Path file) {
        return tokenFile("tokenFile", Objects.requireNonNull(file, "tokenFile"));
    }

    ConsulDiscoveryBuilder tokenFile(String setting, Path file) {
        this.token = null;
        this.tokenFile = new Tls.Named<>(file, setting);
        return this;
    }

    ConsulDiscoveryBuilder tokenSource(ConsulToken t) {
        this.tokenFile = null;
        this.token = t;
        return this;
    }

    /**
     * Agents given without a scheme ({@code host:port}) are reached over https
     * ({@code CONSUL_HTTP_SSL}); default false. An explicit {@code http://} stays plain.
     */
    public ConsulDiscoveryBuilder https(boolean https) {
        this.https = https;
        return this;
    }

    /**
     * Trust only the CA certificates of this PEM file for {@code https} agents
     * ({@code CONSUL_CACERT}); default the JVM's trust store. One source of trust: this,
     * {@link #caPath}, a trust store or a trust manager.
     */
    public ConsulDiscoveryBuilder caCert(Path pemFile) {
        tls.caCert = new Tls.Named<>(Objects.requireNonNull(pemFile, "caCert"), "caCert");
        return this;
    }

    /**
     * Trust only the CA certificates of the PEM files in this directory ({@code CONSUL_CAPATH}):
     * every regular file in it (and its subdirectories) must hold PEM certificates, as for the
     * consul CLI.
     */
    public ConsulDiscoveryBuilder caPath(Path directory) {
        tls.caPath = new Tls.Named<>(Objects.requireNonNull(directory, "caPath"), "caPath");
        return this;
    }

    /** Trust only the certificates of this key store file (PKCS #12 or JKS); {@code password} may be null. */
    public ConsulDiscoveryBuilder trustStore(Path file, String password) {
        tls.trustStoreFile = new Tls.Named<>(Objects.requireNonNull(file, "trustStore"), "trustStore");
        tls.trustStorePassword = password;
        return this;
    }

    /** Trust these certificates for {@code https} agents. */
    public ConsulDiscoveryBuilder trustStore(KeyStore trustStore) {
        tls.trustStore = Objects.requireNonNull(trustStore, "trustStore");
        return this;
    }

    /** Trust decisions for {@code https} agents. */
    public ConsulDiscoveryBuilder trustManager(X509TrustManager trustManager) {
        tls.trustManager = Objects.requireNonNull(trustManager, "trustManager");
        return this;
    }

    /**
     * The client certificate presented to agents ({@code CONSUL_CLIENT_CERT}; agents with
     * {@code verify_incoming} require one): a PEM file, the certificate first, then its chain.
     * Needs {@link #clientKey}.
     */
    public ConsulDiscoveryBuilder clientCert(Path pemFile) {
        tls.clientCert = new Tls.Named<>(Objects.requireNonNull(pemFile, "clientCert"), "clientCert");
        return this;
    }

    /**
     * The client certificate's private key ({@code CONSUL_CLIENT_KEY}): an unencrypted PEM file
     * in PKCS #8 ({@code BEGIN PRIVATE KEY}), SEC 1 ({@code BEGIN EC PRIVATE KEY}, as
     * {@code consul tls cert create} writes it) or PKCS #1 ({@code BEGIN RSA PRIVATE KEY}) form.
     * {@link #build()} checks that it belongs to the certificate.
     */
    public ConsulDiscoveryBuilder clientKey(Path pemFile) {
        tls.clientKey = new Tls.Named<>(Objects.requireNonNull(pemFile, "clientKey"), "clientKey");
        return this;
    }

    /** The client certificate and key from a key store file (PKCS #12 or JKS); its password is the key's too. */
    public ConsulDiscoveryBuilder keyStore(Path file, String password) {
        tls.keyStoreFile = new Tls.Named<>(Objects.requireNonNull(file, "keyStore"), "keyStore");
        tls.keyStorePassword = password;
        return this;
    }

    /** The client certificate and key from a key store; {@code password} is the key's (may be null). */
    public ConsulDiscoveryBuilder keyStore(KeyStore keyStore, String password) {
        tls.keyStore = Objects.requireNonNull(keyStore, "keyStore");
        tls.keyStorePassword = password;
        return this;
    }

    /**
     * Check agents' certificates against this name, and send it as SNI, instead of the host
     * connected to ({@code CONSUL_TLS_SERVER_NAME}): e.g. {@code server.dc1.consul} when agents
     * are reached by IP address. A port is ignored.
     */
    public ConsulDiscoveryBuilder tlsServerName(String name) {
        tls.serverName = new Tls.Named<>(ConsulProperty.serverName("tlsServerName",
                Objects.requireNonNull(name, "tlsServerName")), "tlsServerName");
        return this;
    }

    /** Whether an agent's certificate must name the agent (or {@link #tlsServerName}); default true. */
    public ConsulDiscoveryBuilder verifyHostname(boolean verify) {
        tls.verifyHostname = verify;
        return this;
    }

    /**
     * False accepts any certificate from {@code https} agents, as
     * {@code CONSUL_HTTP_SSL_VERIFY=false} does: insecure, for tests only; {@link #build()} logs a
     * warning. Default true.
     */
    public ConsulDiscoveryBuilder tlsVerify(boolean verify) {
        tls.verify = new Tls.Named<>(verify, "tlsVerify");
        return this;
    }

    /** Consul Enterprise namespace, sent as {@code ?ns=} on every request ({@code CONSUL_NAMESPACE}). */
    public ConsulDiscoveryBuilder namespace(String namespace) {
        this.namespace = ConsulProperty.scopeName("namespace", Objects.requireNonNull(namespace, "namespace"));
        return this;
    }

    /** Consul Enterprise admin partition, sent as {@code ?partition=} on every request ({@code CONSUL_PARTITION}). */
    public ConsulDiscoveryBuilder partition(String partition) {
        this.partition = ConsulProperty.scopeName("partition", Objects.requireNonNull(partition, "partition"));
        return this;
    }

    /**
     * The environment variables read for defaults, instead of the process's
     * ({@link System#getenv()}); {@code Map.of()} ignores the environment.
     */
    public ConsulDiscoveryBuilder environment(Map<String, String> variables) {
        Map<String, String> copy = Map.copyOf(Objects.requireNonNull(variables, "environment"));
        this.environment = copy::get;
        return this;
    }

    /**
     * Sets one setting by its string key: see {@link ConsulProperty} for the keys (e.g.
     * {@code caCert}, {@code token-file}, {@code consul.tlsServerName}), the forms of their
     * values and their environment variables. For configuration that arrives as text (JDBC URL
     * parameters, data source setters, Spring properties); the same setting's method may be
     * called instead.
     *
     * @throws IllegalArgumentException for an unknown key, or a value of the wrong form: the
     *     message names the key as given and the expected form, and never shows a secret
     */
    public ConsulDiscoveryBuilder property(String key, String value) {
        ConsulProperty p = ConsulProperty.of(Objects.requireNonNull(key, "key"));
        Objects.requireNonNull(value, key);
        p.apply(this, key, value);
        return this;
    }

    public ConsulDiscoveryBuilder mode(DiscoveryMode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    /** Read consistency of HTTP blocking queries; default {@link Consistency#DEFAULT}. */
    public ConsulDiscoveryBuilder consistency(Consistency consistency) {
        this.consistency = Objects.requireNonNull(consistency, "consistency");
        return this;
    }

    /**
     * With {@link Consistency#STALE}: answers whose server lost contact with the leader
     * longer ago than this ({@code X-Consul-LastContact}) are asked again of the leader.
     * Default 10 s.
     */
    public ConsulDiscoveryBuilder maxStaleness(Duration maxStaleness) {
        this.maxStaleness = Checks.positive("maxStaleness", maxStaleness);
        return this;
    }

    /** Also serve instances whose checks are in warning (default: passing only). */
    public ConsulDiscoveryBuilder includeWarning(boolean includeWarning) {
        this.includeWarning = includeWarning;
        return this;
    }

    /**
     * How long the first {@code resolve} of a name may block; default 10 s. It gives up
     * sooner when every configured agent has failed once.
     */
    public ConsulDiscoveryBuilder resolveTimeout(Duration timeout) {
        this.resolveTimeout = Checks.positive("resolveTimeout", timeout);
        return this;
    }

    /**
     * Connect timeout, and read timeout of requests that do not block (first lookups,
     * refreshes, DNS queries); default 5 s. A hung agent is left after this long by such
     * requests; blocking requests on it are cut short by the {@link #agentProbeInterval agent
     * probe}, whose timeout this also bounds.
     */
    public ConsulDiscoveryBuilder requestTimeout(Duration timeout) {
        this.requestTimeout = Checks.positive("requestTimeout", timeout);
        return this;
    }

    /**
     * Blocking-query wait, 1 s..10 min; default 5 min. The read timeout of a blocking
     * request is {@code wait + wait/16} (Consul's jitter) plus the request timeout; an agent
     * that stops answering meanwhile is noticed sooner by the {@link #agentProbeInterval
     * agent probe}.
     */
    public ConsulDiscoveryBuilder blockingWait(Duration wait) {
        this.blockingWait = Checks.inRange("blockingWait", Checks.positive("blockingWait", wait),
                Duration.ofSeconds(1), Duration.ofMinutes(10), "1s..10m");
        return this;
    }

    /** DNS poll interval when the record TTL is 0 (Consul's default); the same as {@link #pollInterval}. */
    public ConsulDiscoveryBuilder dnsPollInterval(Duration interval) {
        return pollInterval(interval);
    }

    /**
     * How often names that cannot be watched by blocking queries are polled: DNS answers
     * with TTL 0 and prepared queries ({@code name.query.consul}) in HTTP mode; default 1 s.
     */
    public ConsulDiscoveryBuilder pollInterval(Duration interval) {
        this.pollInterval = Checks.positive("pollInterval", interval);
        return this;
    }

    /** Stop watches that nobody resolved, refreshed or watched for this long; default 10 min. */
    public ConsulDiscoveryBuilder idleWatchTimeout(Duration timeout) {
        this.idleWatchTimeout = Checks.positive("idleWatchTimeout", timeout);
        return this;
    }

    /**
     * At most this many names are watched at once (1..100,000); default 1,000. Each watched
     * name keeps one request in flight, which holds one thread and one connection or HTTP/2
     * stream (see the {@linkplain io.waymark.discovery package} notes); at most
     * {@code maxWatches + 64} threads carry requests. At the cap, the least recently used
     * watch without a listener gives way, or a new name is answered by a one-shot request
     * (package notes).
     */
    public ConsulDiscoveryBuilder maxWatches(int maxWatches) {
        Checks.requireArgument(maxWatches >= 1 && maxWatches <= 100_000,
                "maxWatches must be in 1..100000: " + maxWatches);
        this.maxWatches = maxWatches;
        return this;
    }

    /**
     * How often an agent is probed while requests wait on it (HTTP mode), so that one that
     * stopped answering is left before a blocking request's read timeout, minutes (see the
     * {@linkplain io.waymark.discovery package} notes); default 2 s, {@link Duration#ZERO} off.
     * A probe gives up after the interval, but after at least 1 s and at most the
     * {@link #requestTimeout request timeout}. With the defaults a frozen agent is left within
     * about 6 s.
     *
     * @param interval zero (off), or at least 100 ms
     */
    public ConsulDiscoveryBuilder agentProbeInterval(Duration interval) {
        this.agentProbeInterval = Checks.zeroOrAtLeast("agentProbeInterval", interval, Duration.ofMillis(100),
                "0 (off) or at least 100ms");
        this.agentProbeIntervalSet = true;
        return this;
    }

    /** Retry backoff after errors: {@code initial}, doubling up to {@code max}, jittered. */
    public ConsulDiscoveryBuilder retryBackoff(Duration initial, Duration max) {
        Checks.positive("retryBackoff initial", initial);
        Checks.positive("retryBackoff max", max);
        Checks.requireArgument(max.compareTo(initial) >= 0, "retryBackoff max must be >= initial: " + max + " < " + initial);
        this.backoffInitial = initial;
        this.backoffMax = max;
        return this;
    }

    /**
     * Token bucket of each watch loop: at most {@code requestsPerSecond} requests per
     * second on average (at least 0.001, one per 1000 s), {@code burst} at once; default 5
     * per second, burst 5.
     */
    public ConsulDiscoveryBuilder watchRateLimit(double requestsPerSecond, int burst) {
        Checks.requireArgument(requestsPerSecond >= 0.001 && !Double.isInfinite(requestsPerSecond),
                "watchRateLimit requestsPerSecond must be at least 0.001 (one request per 1000 s) and finite: "
                        + requestsPerSecond);
        Checks.requireArgument(burst >= 1, "watchRateLimit burst must be >= 1: " + burst);
        this.watchRequestsPerSecond = requestsPerSecond;
        this.watchBurst = burst;
        return this;
    }

    /** The DNS domain names may end with (Consul's {@code domain}); default {@code consul}. */
    public ConsulDiscoveryBuilder domain(String domain) {
        // validates
        this.domain = ServiceQuery.parse("x", Objects.requireNonNull(domain, "domain")).domain();
        return this;
    }

    /** Where listeners run; default named daemon threads. Not shut down by {@code close()}. */
    public ConsulDiscoveryBuilder listenerExecutor(Executor executor) {
        this.listenerExecutor = Objects.requireNonNull(executor, "listenerExecutor");
        return this;
    }

    /**
     * Timer for backoff, rate limit, polling and idle expiry; default one named daemon
     * thread. Not shut down by {@code close()} (its tasks are cancelled).
     */
    public ConsulDiscoveryBuilder scheduler(ScheduledExecutorService scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        return this;
    }

    /**
     * Threads that carry HTTP requests (one per request in flight, that is one per watched
     * name while it blocks) and DNS queries; default a cached pool of named daemon threads.
     * Not shut down by {@code close()} when given here.
     */
    public ConsulDiscoveryBuilder httpExecutor(ExecutorService executor) {
        this.httpExecutor = Objects.requireNonNull(executor, "httpExecutor");
        return this;
    }

    /** The clock of {@link Endpoints#confirmedAt()}; default UTC system clock. */
    public ConsulDiscoveryBuilder clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Reads the files (PEM, key stores, token file) and the environment, and starts nothing
     * yet: watches start on first use.
     *
     * @throws IllegalStateException on conflicting settings (TLS settings without an https
     *     agent, two sources of trust, a client certificate without its key), a file that cannot
     *     be used (missing, unreadable, not PEM, an encrypted key, a key not of the certificate),
     *     or an environment variable that cannot be used; the message names the setting or
     *     variable and the file, never key material or a token
     */
    public ConsulDiscovery build() {
        // Settings rejects the conflicts, then reads the environment and the files
        return new DefaultConsulDiscovery(new Settings(this));
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "ConsulDiscoveryBuilder{agents=" + agents + ", mode=" + mode + ", token="
                + (tokenFile != null ? tokenFile.setting + " " + tokenFile.value : token == null ? "unset" : "<hidden>")
                + (tls.settings().isEmpty() ? "" : ", tls=" + tls.settings()) + "}";
    }
}
