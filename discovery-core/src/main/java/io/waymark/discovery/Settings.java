package io.waymark.discovery;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The builder's settings, with the defaults that depend on the environment resolved, and
 * frozen: the builder hands itself over (as Caffeine's does), so that no code calls a
 * constructor with one argument per setting. Its toString never shows the token.
 */
final class Settings {

    private static final Logger LOG = LoggerFactory.getLogger(Settings.class);

    /** Consistency STALE re-asks the leader when an answer is older than this, unless set. */
    static final Duration DEFAULT_MAX_STALENESS = Duration.ofSeconds(10);

    final List<AgentAddress> agents;
    final List<AgentAddress> dnsAgents;
    /** Null: no token. */
    final @Nullable ConsulToken token;
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
    final @Nullable Executor listenerExecutor;
    final @Nullable ScheduledExecutorService scheduler;
    final @Nullable ExecutorService httpExecutor;
    final Clock clock;
    /** Null: no https agent (or the mode needs none). */
    final Tls.@Nullable Context tls;
    /** Consul Enterprise scope sent with every request; null: none. */
    final @Nullable String namespace;
    final @Nullable String partition;

    /**
     * Reads the environment for what the builder leaves unset, then the files.
     *
     * @throws IllegalStateException when an environment variable or a file is needed and cannot
     *     be used, or the TLS settings conflict (the message never shows a token or key)
     */
    Settings(ConsulDiscoveryBuilder b) {
        rejectConflicts(b);
        ConsulEnvironment env = new ConsulEnvironment(b.environment);
        List<AgentAddress> http = new ArrayList<>(b.agents);
        if (http.isEmpty()) {
            AgentAddress a = env.agent();
            http.add(a != null ? a : AgentAddress.of("127.0.0.1", AgentAddress.DEFAULT_HTTP_PORT));
        }
        Boolean https = b.https != null ? b.https : env.https();
        if (Boolean.TRUE.equals(https)) {
            http.replaceAll(AgentAddress::withDefaultHttps);
        }
        this.agents = List.copyOf(http);
        List<AgentAddress> dns = new ArrayList<>(b.dnsAgents);
        if (dns.isEmpty()) {
            for (AgentAddress a : agents) {
                dns.add(AgentAddress.of(a.socketPath() != null ? "127.0.0.1" : a.host(),
                        AgentAddress.DEFAULT_DNS_PORT));
            }
        }
        this.dnsAgents = List.copyOf(dns);
        this.tls = tls(b, env, agents);
        this.namespace = b.namespace != null ? b.namespace : env.namespace();
        this.partition = b.partition != null ? b.partition : env.partition();
        this.token = b.tokenFile != null ? ConsulToken.of(TokenFile.open(b.tokenFile.setting, b.tokenFile.value),
                b.tokenFile.setting) : b.token != null ? b.token : env.token();
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
    }

    /** Settings that apply to another mode or consistency than the one chosen: before any file is read. */
    private static void rejectConflicts(ConsulDiscoveryBuilder b) {
        if (b.mode == DiscoveryMode.DNS && b.consistency != Consistency.DEFAULT) {
            throw new IllegalStateException("consistency " + b.consistency + " applies to mode HTTP only; mode is DNS");
        }
        if (b.mode == DiscoveryMode.HTTP && !b.dnsAgents.isEmpty()) {
            throw new IllegalStateException("dnsAgent " + b.dnsAgents + " applies to mode DNS only; mode is HTTP");
        }
        if (b.agentProbeIntervalSet && b.mode == DiscoveryMode.DNS) {
            throw new IllegalStateException("agentProbeInterval applies to mode HTTP only; mode is DNS");
        }
        if (b.maxStaleness != null && b.consistency != Consistency.STALE) {
            throw new IllegalStateException("maxStaleness applies to consistency STALE only; consistency is "
                    + b.consistency);
        }
    }

    /**
     * The TLS context of the https agents (the JVM's trust when none is configured); null when
     * there is no https agent. Settings made on the builder without an https agent are a mistake
     * worth an error; the environment's are ignored then, as the consul CLI ignores them for an
     * http address.
     */
    private static Tls.@Nullable Context tls(ConsulDiscoveryBuilder b, ConsulEnvironment env, List<AgentAddress> agents) {
        Tls options = b.tls.copy();
        options.checkConsistent();
        boolean https = agents.stream().anyMatch(AgentAddress::https);
        if (!https) {
            if (!options.settings().isEmpty() && b.mode == DiscoveryMode.HTTP) {
                throw new IllegalStateException(String.join(", ", options.settings()) + " set, but no agent uses "
                        + "https: " + agents + " (write agents as https://host:8501, or set https)");
            }
            return null;
        }
        env.fill(options);
        if (options.verify != null && !options.verify.value) {
            LOG.warn("{}=false: the certificates of the Consul agents {} are not verified; anyone on the path can "
                    + "read and change what Waymark asks and hears, and take the ACL token", options.verify.setting,
                    agents);
        }
        // a frozen agent accepts TCP connections but never finishes a handshake
        return options.build(Checks.intMillis(b.requestTimeout));
    }

    @Override
    public String toString() {
        return "mode=" + mode + ", agents=" + (mode == DiscoveryMode.DNS ? dnsAgents : agents)
                + ", consistency=" + consistency + ", maxWatches=" + maxWatches + ", token="
                + (token == null ? "none" : token.describe())
                + (namespace == null ? "" : ", namespace=" + namespace)
                + (partition == null ? "" : ", partition=" + partition);
    }
}
