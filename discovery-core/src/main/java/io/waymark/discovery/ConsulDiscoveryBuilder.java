package io.waymark.discovery;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Builds a {@link ConsulDiscovery}. Each setter checks its value at once; conflicting
 * settings are rejected by {@link #build()}.
 *
 * <p>Defaults: agent {@code CONSUL_HTTP_ADDR}, else {@code 127.0.0.1:8500}; token
 * {@code CONSUL_HTTP_TOKEN}, else none; {@link DiscoveryMode#HTTP};
 * {@link Consistency#DEFAULT}; passing instances only; resolve timeout 10 s; request
 * timeout 5 s; blocking wait 5 min; poll interval 1 s; idle watches stop after 10 min;
 * agents with requests in flight probed every 2 s;
 * retry backoff 100 ms doubling to 10 s with jitter; each watch loop at most 5 requests
 * per second (burst 5); domain {@code consul}; named daemon threads.
 *
 * <p><b>Threading:</b> a builder is not thread-safe; the {@link ConsulDiscovery} it
 * builds is.
 */
public final class ConsulDiscoveryBuilder {

    static final int DEFAULT_HTTP_PORT = 8500;
    static final int DEFAULT_DNS_PORT = 8600;
    static final Duration MAX_BLOCKING_WAIT = Duration.ofMinutes(10);
    static final Duration MIN_AGENT_PROBE_INTERVAL = Duration.ofMillis(100);

    private final List<AgentAddress> agents = new ArrayList<>();
    private final List<AgentAddress> dnsAgents = new ArrayList<>();
    private Supplier<String> token;
    private DiscoveryMode mode = DiscoveryMode.HTTP;
    private Consistency consistency = Consistency.DEFAULT;
    private boolean includeWarning;
    private Duration resolveTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(5);
    private Duration blockingWait = Duration.ofMinutes(5);
    private Duration pollInterval = Duration.ofSeconds(1);
    private Duration idleWatchTimeout = Duration.ofMinutes(10);
    private Duration agentProbeInterval = Duration.ofSeconds(2);
    private boolean agentProbeIntervalSet;
    private Duration maxStaleness;
    private Duration backoffInitial = Duration.ofMillis(100);
    private Duration backoffMax = Duration.ofSeconds(10);
    private double watchRequestsPerSecond = 5;
    private int watchBurst = 5;
    private String domain = ServiceQuery.DEFAULT_DOMAIN;
    private Executor listenerExecutor;
    private ScheduledExecutorService scheduler;
    private ExecutorService httpExecutor;
    private Clock clock = Clock.systemUTC();
    private X509TrustManager trustManager;
    Function<String, String> environment = System::getenv;

    ConsulDiscoveryBuilder() {
    }

    /**
     * An agent's HTTP address {@code host:port} (or {@code http://host:port},
     * {@code https://host:port}); repeatable: the agents are tried in order, and a watch
     * moves to the next one when its agent fails.
     */
    public ConsulDiscoveryBuilder agent(String hostPort) {
        agents.add(AgentAddress.parse("agent", hostPort, DEFAULT_HTTP_PORT, true));
        return this;
    }

    /**
     * The agent's DNS address {@code host:port} for {@link DiscoveryMode#DNS}; repeatable;
     * default: each agent's host, port 8600.
     */
    public ConsulDiscoveryBuilder dnsAgent(String hostPort) {
        dnsAgents.add(AgentAddress.parse("dnsAgent", hostPort, DEFAULT_DNS_PORT, false));
        return this;
    }

    /**
     * ACL token, sent in the {@code X-Consul-Token} header; default {@code CONSUL_HTTP_TOKEN}.
     * Never logged, never in a URL, {@code toString()} or exception message.
     */
    public ConsulDiscoveryBuilder token(String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank()) {
            throw new IllegalArgumentException("token must not be blank");
        }
        this.token = () -> token;
        return this;
    }

    /** ACL token read at each request, for rotation; a null or blank answer sends no token. */
    public ConsulDiscoveryBuilder token(Supplier<String> token) {
        this.token = Objects.requireNonNull(token, "token");
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
        this.maxStaleness = positive("maxStaleness", maxStaleness);
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
        this.resolveTimeout = positive("resolveTimeout", timeout);
        return this;
    }

    /**
     * Connect timeout, and read timeout of requests that do not block (first lookups,
     * refreshes, DNS queries); default 5 s. A hung agent is left after this long by such
     * requests; blocking requests on it are cut short by the {@link #agentProbeInterval agent
     * probe}, whose timeout this also bounds.
     */
    public ConsulDiscoveryBuilder requestTimeout(Duration timeout) {
        this.requestTimeout = positive("requestTimeout", timeout);
        return this;
    }

    /**
     * Blocking-query wait, 1 s..10 min; default 5 min. The read timeout of a blocking
     * request is {@code wait + wait/16} (Consul's jitter) plus the request timeout; an agent
     * that stops answering meanwhile is noticed sooner by the {@link #agentProbeInterval
     * agent probe}.
     */
    public ConsulDiscoveryBuilder blockingWait(Duration wait) {
        positive("blockingWait", wait);
        if (wait.compareTo(Duration.ofSeconds(1)) < 0 || wait.compareTo(MAX_BLOCKING_WAIT) > 0) {
            throw new IllegalArgumentException("blockingWait must be in 1s..10m: " + wait);
        }
        this.blockingWait = wait;
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
        this.pollInterval = positive("pollInterval", interval);
        return this;
    }

    /** Stop watches that nobody resolved, refreshed or watched for this long; default 10 min. */
    public ConsulDiscoveryBuilder idleWatchTimeout(Duration timeout) {
        this.idleWatchTimeout = positive("idleWatchTimeout", timeout);
        return this;
    }

    /**
     * How often an agent is probed while requests wait on it (HTTP mode); default 2 s,
     * {@link Duration#ZERO} turns probing off. A blocking request to an agent that stopped
     * answering without closing its connections (a paused or hung process, a host gone
     * without a TCP reset) would otherwise only fail after its read timeout, minutes.
     *
     * <p>While requests are in flight on an agent, one probe per agent (however many
     * names are watched) sends {@code GET /v1/agent/services}, which the agent answers from
     * its own state without asking the servers; any HTTP answer counts, and no token is sent
     * (an agent enforcing ACLs answers an empty list, not an error). A probe
     * gives up after the interval, but after at least 1 s and at most the
     * {@link #requestTimeout request timeout}; a failed probe is repeated at once. After 2
     * failed probes in a row the agent is down: its requests in flight are cancelled, the
     * names served through it are marked {@link Endpoints#stale() stale}, watches move to
     * the next configured agent that is not down and retry with the usual backoff. A down
     * agent keeps being probed; once it answers it is eligible again when the rotation
     * comes round to it. With the defaults a frozen agent is left within about 6 s.
     *
     * @param interval zero (off), or at least 100 ms
     */
    public ConsulDiscoveryBuilder agentProbeInterval(Duration interval) {
        Objects.requireNonNull(interval, "agentProbeInterval");
        if (!interval.isZero() && interval.compareTo(MIN_AGENT_PROBE_INTERVAL) < 0) {
            throw new IllegalArgumentException("agentProbeInterval must be 0 (off) or at least 100ms: " + interval);
        }
        this.agentProbeInterval = interval;
        this.agentProbeIntervalSet = true;
        return this;
    }

    /** Retry backoff after errors: {@code initial}, doubling up to {@code max}, jittered. */
    public ConsulDiscoveryBuilder retryBackoff(Duration initial, Duration max) {
        positive("retryBackoff initial", initial);
        positive("retryBackoff max", max);
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("retryBackoff max must be >= initial: " + max + " < " + initial);
        }
        this.backoffInitial = initial;
        this.backoffMax = max;
        return this;
    }

    /**
     * Token bucket of each watch loop: at most {@code requestsPerSecond} requests per
     * second on average, {@code burst} at once; default 5 per second, burst 5.
     */
    public ConsulDiscoveryBuilder watchRateLimit(double requestsPerSecond, int burst) {
        if (!(requestsPerSecond > 0) || Double.isInfinite(requestsPerSecond)) {
            throw new IllegalArgumentException("watchRateLimit requestsPerSecond must be > 0: " + requestsPerSecond);
        }
        if (burst < 1) {
            throw new IllegalArgumentException("watchRateLimit burst must be >= 1: " + burst);
        }
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

    /** Trust these certificates for {@code https://} agents (default: the JVM's trust store). */
    public ConsulDiscoveryBuilder trustStore(KeyStore trustStore) {
        Objects.requireNonNull(trustStore, "trustStore");
        try {
            TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            f.init(trustStore);
            for (TrustManager tm : f.getTrustManagers()) {
                if (tm instanceof X509TrustManager) {
                    this.trustManager = (X509TrustManager) tm;
                    return this;
                }
            }
            throw new IllegalArgumentException("trustStore yields no X509TrustManager");
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("trustStore cannot be used: " + e.getMessage(), e);
        }
    }

    /** Trust decisions for {@code https://} agents. */
    public ConsulDiscoveryBuilder trustManager(X509TrustManager trustManager) {
        this.trustManager = Objects.requireNonNull(trustManager, "trustManager");
        return this;
    }

    /**
     * Builds and starts nothing yet: watches start on first use.
     *
     * @throws IllegalStateException on conflicting settings
     */
    public ConsulDiscovery build() {
        List<AgentAddress> http = new ArrayList<>(agents);
        if (http.isEmpty()) {
            String env = environment.apply("CONSUL_HTTP_ADDR");
            if (env != null && !env.isBlank()) {
                http.add(AgentAddress.parse("CONSUL_HTTP_ADDR", env, DEFAULT_HTTP_PORT, true));
            } else {
                http.add(new AgentAddress(false, "127.0.0.1", DEFAULT_HTTP_PORT));
            }
        }
        Supplier<String> tok = token;
        if (tok == null) {
            String env = environment.apply("CONSUL_HTTP_TOKEN");
            if (env != null && !env.isBlank()) {
                tok = () -> env;
            }
        }
        if (mode == DiscoveryMode.DNS && consistency != Consistency.DEFAULT) {
            throw new IllegalStateException("consistency " + consistency + " applies to mode HTTP only; mode is DNS");
        }
        if (mode == DiscoveryMode.HTTP && !dnsAgents.isEmpty()) {
            throw new IllegalStateException("dnsAgent " + dnsAgents + " applies to mode DNS only; mode is HTTP");
        }
        if (agentProbeIntervalSet && mode == DiscoveryMode.DNS) {
            throw new IllegalStateException("agentProbeInterval applies to mode HTTP only; mode is DNS");
        }
        if (maxStaleness != null && consistency != Consistency.STALE) {
            throw new IllegalStateException("maxStaleness applies to consistency STALE only; consistency is "
                    + consistency);
        }
        if (trustManager != null && mode == DiscoveryMode.HTTP && http.stream().noneMatch(a -> a.https)) {
            throw new IllegalStateException("a trust store is set but no agent uses https: " + http);
        }
        List<AgentAddress> dns = new ArrayList<>(dnsAgents);
        if (dns.isEmpty()) {
            for (AgentAddress a : http) {
                dns.add(new AgentAddress(false, a.host, DEFAULT_DNS_PORT));
            }
        }
        Settings s = new Settings(List.copyOf(http), List.copyOf(dns), tok, mode, consistency, includeWarning,
                resolveTimeout, requestTimeout, blockingWait, pollInterval, idleWatchTimeout, agentProbeInterval,
                maxStaleness == null ? Duration.ofSeconds(10) : maxStaleness, backoffInitial, backoffMax,
                watchRequestsPerSecond, watchBurst, domain, listenerExecutor, scheduler, httpExecutor, clock,
                trustManager);
        return new DefaultConsulDiscovery(s);
    }

    private static Duration positive(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(what + " must be positive: " + d);
        }
        return d;
    }

    /** Never shows the token. */
    @Override
    public String toString() {
        return "ConsulDiscoveryBuilder{agents=" + agents + ", mode=" + mode + ", token="
                + (token == null ? "unset" : "<hidden>") + "}";
    }
}
