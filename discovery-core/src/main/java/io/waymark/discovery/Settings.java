package io.waymark.discovery;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Supplier;
import javax.net.ssl.X509TrustManager;

/** The builder's settings, resolved and frozen. Its toString never shows the token. */
final class Settings {

    final List<AgentAddress> agents;
    final List<AgentAddress> dnsAgents;
    final Supplier<String> token;
    final DiscoveryMode mode;
    final Consistency consistency;
    final boolean includeWarning;
    final Duration resolveTimeout;
    final Duration requestTimeout;
    final Duration blockingWait;
    final Duration pollInterval;
    final Duration idleWatchTimeout;
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

    Settings(List<AgentAddress> agents, List<AgentAddress> dnsAgents, Supplier<String> token, DiscoveryMode mode,
            Consistency consistency, boolean includeWarning, Duration resolveTimeout, Duration requestTimeout,
            Duration blockingWait, Duration pollInterval, Duration idleWatchTimeout, Duration agentProbeInterval,
            Duration maxStaleness, Duration backoffInitial, Duration backoffMax, double watchRequestsPerSecond,
            int watchBurst, String domain, Executor listenerExecutor, ScheduledExecutorService scheduler,
            ExecutorService httpExecutor, Clock clock, X509TrustManager trustManager) {
        this.agents = agents;
        this.dnsAgents = dnsAgents;
        this.token = token;
        this.mode = mode;
        this.consistency = consistency;
        this.includeWarning = includeWarning;
        this.resolveTimeout = resolveTimeout;
        this.requestTimeout = requestTimeout;
        this.blockingWait = blockingWait;
        this.pollInterval = pollInterval;
        this.idleWatchTimeout = idleWatchTimeout;
        this.agentProbeInterval = agentProbeInterval;
        this.maxStaleness = maxStaleness;
        this.backoffInitial = backoffInitial;
        this.backoffMax = backoffMax;
        this.watchRequestsPerSecond = watchRequestsPerSecond;
        this.watchBurst = watchBurst;
        this.domain = domain;
        this.listenerExecutor = listenerExecutor;
        this.scheduler = scheduler;
        this.httpExecutor = httpExecutor;
        this.clock = clock;
        this.trustManager = trustManager;
    }

    @Override
    public String toString() {
        return "mode=" + mode + ", agents=" + (mode == DiscoveryMode.DNS ? dnsAgents : agents)
                + ", consistency=" + consistency + ", token=" + (token == null ? "none" : "<hidden>");
    }
}
