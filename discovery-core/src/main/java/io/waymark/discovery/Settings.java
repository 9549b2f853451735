package io.waymark.discovery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.X509TrustManager;

/**
 * The builder's settings, with the defaults that depend on the environment resolved, and
 * frozen: the builder hands itself over (as Caffeine's does), so that no code calls a
 * constructor with one argument per setting. Its toString never shows the token.
 */
final class Settings {

    /** Consistency STALE re-asks the leader when an answer is older than this, unless set. */
    static final Duration DEFAULT_MAX_STALENESS = Duration.ofSeconds(10);

    final List<AgentAddress> agents;
    final List<AgentAddress> dnsAgents;
    /** Null: no token. */
    final ConsulToken token;
    final DiscoveryMode mode;
    final Consistency consistency;
    final boolean includeWarning;
    final Duration resolveTimeout;
    final Duration requestTimeout;
    final Duration blockingWait;
    final Duration pollInterval;
    final Duration idleWatchTimeout;
    final int maxWatches;
    /** Zero: off. */
    final Duration agentProbeInterval;
    final Duration maxStaleness;
    final Duration backoffInitial;
    final Duration backoffMax;
    final double watchRequestsPerSecond;
    final int watchBurst;
    final String domain;
    final Executor listenerExecutor;
    final ScheduledExecutorService scheduler;
    final ExecutorService httpExecutor;
    final Clock clock;
    final X509TrustManager trustManager;

    /**
     * @throws IllegalStateException when {@code CONSUL_HTTP_ADDR} or {@code CONSUL_HTTP_TOKEN}
     *     is needed and cannot be used (the message never shows the token)
     */
    Settings(ConsulDiscoveryBuilder b) {
        List<AgentAddress> http = new ArrayList<>(b.agents);
        if (http.isEmpty()) {
            String env = b.environment.apply("CONSUL_HTTP_ADDR");
            http.add(env == null || env.isBlank() ? AgentAddress.of("127.0.0.1", AgentAddress.DEFAULT_HTTP_PORT)
                    : fromEnvironment(() -> AgentAddress.parse("CONSUL_HTTP_ADDR", env)));
        }
        this.agents = List.copyOf(http);
        List<AgentAddress> dns = new ArrayList<>(b.dnsAgents);
        if (dns.isEmpty()) {
            for (AgentAddress a : agents) {
                dns.add(AgentAddress.of(a.host(), AgentAddress.DEFAULT_DNS_PORT));
            }
        }
        this.dnsAgents = List.copyOf(dns);
        this.token = b.token != null ? b.token : environmentToken(b);
        this.mode = b.mode;
        this.consistency = b.consistency;
        this.includeWarning = b.includeWarning;
        this.resolveTimeout = b.resolveTimeout;
        this.requestTimeout = b.requestTimeout;
        this.blockingWait = b.blockingWait;
        this.pollInterval = b.pollInterval;
        this.idleWatchTimeout = b.idleWatchTimeout;
        this.maxWatches = b.maxWatches;
        this.agentProbeInterval = b.agentProbeInterval;
        this.maxStaleness = b.maxStaleness == null ? DEFAULT_MAX_STALENESS : b.maxStaleness;
        this.backoffInitial = b.backoffInitial;
        this.backoffMax = b.backoffMax;
        this.watchRequestsPerSecond = b.watchRequestsPerSecond;
        this.watchBurst = b.watchBurst;
        this.domain = b.domain;
        this.listenerExecutor = b.listenerExecutor;
        this.scheduler = b.scheduler;
        this.httpExecutor = b.httpExecutor;
        this.clock = b.clock;
        this.trustManager = b.trustManager;
    }

    private static ConsulToken environmentToken(ConsulDiscoveryBuilder b) {
        String env = b.environment.apply("CONSUL_HTTP_TOKEN");
        String clean = fromEnvironment(() -> ConsulToken.clean("the environment variable CONSUL_HTTP_TOKEN", env));
        return clean == null ? null : new ConsulToken(() -> clean, "CONSUL_HTTP_TOKEN");
    }

    /** A bad environment variable is a state the caller did not pass in as an argument. */
    private static <T> T fromEnvironment(java.util.function.Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "mode=" + mode + ", agents=" + (mode == DiscoveryMode.DNS ? dnsAgents : agents)
                + ", consistency=" + consistency + ", maxWatches=" + maxWatches + ", token="
                + (token == null ? "none" : "<hidden>");
    }
}
