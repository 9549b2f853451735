package io.waymark.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.resource.ClientResources;
import io.waymark.discovery.AgentAddress;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.ConsulDiscoveryBuilder;
import io.waymark.discovery.ServiceQuery;
import io.waymark.redis.internal.Connectors;
import io.waymark.redis.internal.RedisSettings;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;

/**
 * Builds a {@link DiscoveredRedis}. Each setter checks its value at once and throws
 * {@link IllegalArgumentException} naming the setting and the value; {@link #build()}
 * throws {@link IllegalStateException} for missing or conflicting settings. The
 * password never appears in messages or in {@link #toString()}.
 *
 * <p>Consul: the built instance creates a discovery client of its own, configured by
 * {@link #consul(Consumer)} and {@link #consulAgent(String)} with every setting and default of
 * {@link ConsulDiscovery#builder()} (Consul's environment variables, as the consul CLI reads
 * them, for what is not set; else the agent {@code 127.0.0.1:8500}); or it uses a shared one,
 * {@link #discovery(ConsulDiscovery)}.
 *
 * <p>Defaults: read policy {@link ReadPolicy#REPLICA_PREFERRED} with a read service,
 * {@link ReadPolicy#MASTER} without; topology {@link TopologyMode#AUTO}; command
 * timeout 3 s; connect timeout 2 s; failover budget 2 s; health check every 1 s;
 * TCP keepalive idle 5 s, interval 1 s, 3 probes; TCP user timeout 5 s (applied when
 * Netty's native epoll or io_uring transport is on the class path); pinned connection
 * pool of 8. Durations are at most 24 days (TCP keepalive times at most 32767 s).
 *
 * <p><b>Threading:</b> not thread-safe; build on one thread, then share the result.
 */
public final class DiscoveredRedisBuilder<K, V> {

    /**
     * The longest duration a setting takes: Netty keeps the connect timeout in an int of milliseconds,
     * and longer waits are no timeout at all.
     */
    private static final Duration MAX_DURATION = Duration.ofDays(24);
    /** TCP_KEEPIDLE and TCP_KEEPINTVL are at most 32767 seconds. */
    private static final Duration MAX_KEEPALIVE = Duration.ofSeconds(32767);

    /** Every setting and its default; the setters here check each value before handing it over. */
    private final RedisSettings.Builder<K, V> settings;

    DiscoveredRedisBuilder(RedisCodec<K, V> codec) {
        this.settings = RedisSettings.builder(Objects.requireNonNull(codec, "codec"));
    }

    /**
     * A Consul agent's HTTP address: {@code host}, {@code host:port}, {@code [ipv6]:port}, optionally
     * with {@code http://} or {@code https://}, or {@code unix:///path}; the port defaults to 8500.
     * Repeatable: the agents are tried in order, and a watch moves to the next one when its agent
     * fails (the local agent first, then a second one that takes over when it dies). The same as
     * {@code consul(c -> c.agent(address))}, its errors naming {@code consulAgent}. Excludes
     * {@link #discovery(ConsulDiscovery)}.
     */
    public DiscoveredRedisBuilder<K, V> consulAgent(String address) {
        settings.consulAgent(AgentAddress.parse("consulAgent", address));
        return this;
    }

    /**
     * Configures the connection to Consul of the discovery client the built instance creates
     * (and closes on close()), with every setting of {@link ConsulDiscovery#builder()}: several
     * agents, https, TLS (CA, client certificate and key, server name), an ACL token or a token
     * file that is re-read when it changes, Consul's environment variables for what is not set
     * ({@link ConsulDiscoveryBuilder#environment}), and the rest. Applied at once: a bad value
     * fails here, as the discovery builder's setter does. Repeatable, each call continuing the
     * same configuration; {@link #consulAgent(String)} adds to it too. Files (PEM, key stores,
     * the token file) are read by {@link #build()}.
     *
     * <pre>{@code
     * .consul(c -> c.agent("https://10.0.0.5:8501").agent("https://10.0.0.6:8501")
     *         .caCert(Path.of("/etc/consul/consul-agent-ca.pem"))
     *         .clientCert(Path.of("/etc/consul/dc1-cli-consul-0.pem"))
     *         .clientKey(Path.of("/etc/consul/dc1-cli-consul-0-key.pem"))
     *         .tokenFile(Path.of("/run/secrets/consul-token")))
     * }</pre>
     *
     * Excludes {@link #discovery(ConsulDiscovery)}.
     */
    public DiscoveredRedisBuilder<K, V> consul(Consumer<ConsulDiscoveryBuilder> configure) {
        settings.consul(Objects.requireNonNull(configure, "consul"));
        return this;
    }

    /**
     * A discovery client shared with the rest of the application; the built instance
     * uses it but never closes it. Excludes {@link #consul(Consumer)} and
     * {@link #consulAgent(String)}. Service names are checked with Consul's default domain
     * ({@code .consul}).
     */
    public DiscoveredRedisBuilder<K, V> discovery(ConsulDiscovery discovery) {
        settings.discovery(Objects.requireNonNull(discovery, "discovery"));
        return this;
    }

    /** The Consul name of the masters, e.g. {@code w-master-redis-8888.service.consul}. Required. */
    public DiscoveredRedisBuilder<K, V> writeService(String name) {
        settings.writeService(checkName("writeService", name));
        return this;
    }

    /** The Consul name of the replicas. Optional: without it, reads go to the master. */
    public DiscoveredRedisBuilder<K, V> readService(String name) {
        settings.readService(checkName("readService", name));
        return this;
    }

    /** ACL user name (Redis 6+); needs a password. */
    public DiscoveredRedisBuilder<K, V> username(String username) {
        Objects.requireNonNull(username, "username");
        requireArgument(!username.isBlank(), "username must not be blank: '" + username + "'");
        settings.username(username);
        return this;
    }

    /** The password ({@code AUTH}); kept as a char array and never logged. */
    public DiscoveredRedisBuilder<K, V> password(CharSequence password) {
        Objects.requireNonNull(password, "password");
        char[] chars = new char[password.length()];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = password.charAt(i);
        }
        settings.password(chars);
        return this;
    }

    /** TLS to every node; {@code verifyPeer} checks the server certificate (default true). */
    public DiscoveredRedisBuilder<K, V> ssl(boolean ssl, boolean verifyPeer) {
        settings.ssl(ssl, verifyPeer);
        return this;
    }

    /** Database index for {@code SELECT} (standalone mode only). */
    public DiscoveredRedisBuilder<K, V> database(int database) {
        requireArgument(database >= 0, "database must be >= 0: " + database);
        settings.database(database);
        return this;
    }

    /** {@code CLIENT SETNAME} on every connection. */
    public DiscoveredRedisBuilder<K, V> clientName(String clientName) {
        Objects.requireNonNull(clientName, "clientName");
        requireArgument(!clientName.isBlank() && clientName.chars().noneMatch(c -> c <= ' '),
                "clientName must be non-blank without spaces: '" + clientName + "'");
        settings.clientName(clientName);
        return this;
    }

    /** Where reads go; see {@link ReadPolicy}. */
    public DiscoveredRedisBuilder<K, V> readFrom(ReadPolicy policy) {
        settings.readPolicy(Objects.requireNonNull(policy, "readFrom"));
        return this;
    }

    /** Standalone replication or Redis Cluster; default {@link TopologyMode#AUTO} (asks the nodes). */
    public DiscoveredRedisBuilder<K, V> topology(TopologyMode mode) {
        settings.topology(Objects.requireNonNull(mode, "topology"));
        return this;
    }

    /** Port for endpoints that Consul gives without one (DNS A records); default 6379. */
    public DiscoveredRedisBuilder<K, V> defaultPort(int port) {
        requireArgument(port >= 1 && port <= 65535, "defaultPort must be in 1..65535: " + port);
        settings.defaultPort(port);
        return this;
    }

    /** How long a command may wait for its reply; a frozen node is noticed after this long at most. */
    public DiscoveredRedisBuilder<K, V> commandTimeout(Duration timeout) {
        settings.commandTimeout(positive("commandTimeout", timeout));
        return this;
    }

    public DiscoveredRedisBuilder<K, V> connectTimeout(Duration timeout) {
        settings.connectTimeout(positive("connectTimeout", timeout));
        return this;
    }

    /**
     * How long a write that was certainly not executed (READONLY reply, connection down)
     * keeps being retried while a new master is found; default 2 s. {@link Duration#ZERO}
     * disables retries.
     */
    public DiscoveredRedisBuilder<K, V> failoverBudget(Duration budget) {
        Objects.requireNonNull(budget, "failoverBudget");
        requireArgument(!budget.isNegative(), "failoverBudget must not be negative: " + budget);
        settings.failoverBudget(atMost("failoverBudget", budget, MAX_DURATION, "24 days"));
        return this;
    }

    /** How often every node is asked for its {@code ROLE} besides Consul's changes; default 1 s. */
    public DiscoveredRedisBuilder<K, V> healthCheckInterval(Duration interval) {
        settings.healthCheckInterval(positive("healthCheckInterval", interval));
        return this;
    }

    /** TCP keepalive on every connection: idle time before the first probe, between probes, probes before giving up. */
    public DiscoveredRedisBuilder<K, V> tcpKeepAlive(Duration idle, Duration interval, int count) {
        Duration checkedIdle = keepAlive("tcpKeepAlive idle", idle);
        Duration checkedInterval = keepAlive("tcpKeepAlive interval", interval);
        requireArgument(count >= 1, "tcpKeepAlive count must be >= 1: " + count);
        settings.tcpKeepAlive(checkedIdle, checkedInterval, count);
        return this;
    }

    /** TCP_USER_TIMEOUT: how long sent data may stay unacknowledged before the connection is dropped. */
    public DiscoveredRedisBuilder<K, V> tcpUserTimeout(Duration timeout) {
        settings.tcpUserTimeout(positive("tcpUserTimeout", timeout));
        return this;
    }

    /** Pool of pinned connections for {@link DiscoveredRedis#withWriteConnection} and blocking commands. */
    public DiscoveredRedisBuilder<K, V> poolSize(int maxTotal, int maxIdle) {
        requireArgument(maxTotal >= 1, "poolSize maxTotal must be >= 1: " + maxTotal);
        requireArgument(maxIdle >= 0, "poolSize maxIdle must be >= 0: " + maxIdle);
        settings.poolSize(maxTotal, maxIdle);
        return this;
    }

    public DiscoveredRedisBuilder<K, V> metrics(RedisMetrics metrics) {
        settings.metrics(Objects.requireNonNull(metrics, "metrics"));
        return this;
    }

    /**
     * Adjusts Lettuce's client options after the connector set its own (socket options, command
     * timeout, {@code REJECT_COMMANDS} while disconnected, auto-reconnect). It may change anything
     * but what failover rests on: {@link #build()} throws {@link IllegalStateException} if it changed
     * {@code disconnectedBehavior} (a command queued on a dead connection cannot go elsewhere),
     * turned {@code autoReconnect} off, or set {@code timeoutOptions} (use {@link #commandTimeout}).
     */
    public DiscoveredRedisBuilder<K, V> clientOptions(Consumer<ClientOptions.Builder> customizer) {
        settings.clientOptions(Objects.requireNonNull(customizer, "clientOptions"));
        return this;
    }

    /** Lettuce's shared resources (event loops, timers); the built instance never shuts them down. */
    public DiscoveredRedisBuilder<K, V> clientResources(ClientResources resources) {
        settings.clientResources(Objects.requireNonNull(resources, "clientResources"));
        return this;
    }

    /**
     * Where topology work (probes, retry timers) is scheduled; the connector serializes
     * its topology changes itself, so any executor works. The built instance never shuts it down. Default: a daemon thread of its own
     * named {@code waymark-redis-topology}.
     */
    public DiscoveredRedisBuilder<K, V> scheduler(ScheduledExecutorService scheduler) {
        settings.scheduler(Objects.requireNonNull(scheduler, "scheduler"));
        return this;
    }

    /**
     * Checks the settings, builds the discovery client (unless a shared one was given), resolves
     * the write service, detects the topology when {@link TopologyMode#AUTO}, and connects.
     *
     * @throws IllegalStateException for missing or conflicting settings, among them Consul
     *     settings the discovery builder refuses (a TLS or token file that is missing or cannot
     *     be used; the message names the setting and the file, never key material or a token)
     * @throws io.lettuce.core.RedisConnectionException if the topology must be detected and no node answered
     */
    public DiscoveredRedis<K, V> build() {
        RedisSettings<K, V> built = settings.build();
        try {
            return Connectors.create(built);
        } catch (RuntimeException e) {
            if (built.ownsDiscovery()) {
                built.discovery().close();
            }
            throw e;
        }
    }

    /** A name {@link ServiceQuery#parse(String)} takes, the one Consul-name validator; without a trailing dot. */
    private static String checkName(String setting, String name) {
        Objects.requireNonNull(name, setting);
        try {
            ServiceQuery.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(setting + ": " + e.getMessage(), e);
        }
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    /** A positive duration of at most {@link #MAX_DURATION}. */
    private static Duration positive(String setting, Duration d) {
        Objects.requireNonNull(d, setting);
        requireArgument(!d.isZero() && !d.isNegative(), setting + " must be positive: " + d);
        return atMost(setting, d, MAX_DURATION, "24 days");
    }

    private static Duration keepAlive(String setting, Duration d) {
        return atMost(setting, positive(setting, d), MAX_KEEPALIVE, "32767 s, the kernel's limit");
    }

    private static Duration atMost(String setting, Duration d, Duration max, String what) {
        requireArgument(d.compareTo(max) <= 0, setting + " must be at most " + max + " (" + what + "): " + d);
        return d;
    }

    /** Throws {@code IllegalArgumentException(message)} unless {@code condition}: the one argument check. */
    private static void requireArgument(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }

    @Override
    public String toString() {
        return "DiscoveredRedisBuilder" + settings;
    }
}
