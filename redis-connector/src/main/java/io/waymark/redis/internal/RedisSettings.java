package io.waymark.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.resource.ClientResources;
import io.waymark.discovery.AgentAddress;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.ConsulDiscoveryBuilder;
import io.waymark.redis.ReadPolicy;
import io.waymark.redis.RedisMetrics;
import io.waymark.redis.TopologyMode;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The settings of one connector, as {@link io.waymark.redis.DiscoveredRedisBuilder} hands them
 * over: its setters check each value and fill a {@link Builder}, whose {@link Builder#build()}
 * checks them together (Caffeine's way: one place holds the defaults, and the implementation
 * and its tests never call a constructor of thirty arguments).
 *
 * <p>Internal: not a public API. Immutable; the password is a copy owned by these settings.
 */
public final class RedisSettings<K, V> {

    private final RedisCodec<K, V> codec;
    private final ConsulDiscovery discovery;
    private final boolean ownsDiscovery;
    private final String writeService;
    private final String readService;
    private final String username;
    private final char[] password;
    private final boolean ssl;
    private final boolean verifyPeer;
    private final int database;
    private final String clientName;
    private final ReadPolicy readPolicy;
    private final TopologyMode mode;
    private final int defaultPort;
    private final Duration commandTimeout;
    private final Duration connectTimeout;
    private final Duration failoverBudget;
    private final Duration healthCheckInterval;
    private final Duration keepAliveIdle;
    private final Duration keepAliveInterval;
    private final int keepAliveCount;
    private final Duration tcpUserTimeout;
    private final int poolMaxTotal;
    private final int poolMaxIdle;
    private final RedisMetrics metrics;
    private final Consumer<ClientOptions.Builder> clientOptions;
    private final ClientResources clientResources;
    private final ScheduledExecutorService scheduler;
    private final LongSupplier ticker;

    private RedisSettings(Builder<K, V> b, ConsulDiscovery discovery, ReadPolicy readPolicy, int poolMaxIdle) {
        this.codec = b.codec;
        this.discovery = discovery;
        this.ownsDiscovery = b.discovery == null;
        this.writeService = b.writeService;
        this.readService = b.readService;
        this.username = b.username;
        this.password = b.password == null ? null : b.password.clone();
        this.ssl = b.ssl;
        this.verifyPeer = b.verifyPeer;
        this.database = b.database;
        this.clientName = b.clientName;
        this.readPolicy = readPolicy;
        this.mode = b.mode;
        this.defaultPort = b.defaultPort;
        this.commandTimeout = b.commandTimeout;
        this.connectTimeout = b.connectTimeout;
        this.failoverBudget = b.failoverBudget;
        this.healthCheckInterval = b.healthCheckInterval;
        this.keepAliveIdle = b.keepAliveIdle;
        this.keepAliveInterval = b.keepAliveInterval;
        this.keepAliveCount = b.keepAliveCount;
        this.tcpUserTimeout = b.tcpUserTimeout;
        this.poolMaxTotal = b.poolMaxTotal;
        this.poolMaxIdle = poolMaxIdle;
        // the application's hooks run inside routing callbacks: isolated once, here
        this.metrics = SafeMetrics.wrap(b.metrics);
        this.clientOptions = b.clientOptions;
        this.clientResources = b.clientResources;
        this.scheduler = b.scheduler;
        this.ticker = b.ticker;
    }

    /** Settings for {@code codec}, every other one at its default. */
    public static <K, V> Builder<K, V> builder(RedisCodec<K, V> codec) {
        return new Builder<>(codec);
    }

    public RedisCodec<K, V> codec() {
        return codec;
    }

    public ConsulDiscovery discovery() {
        return discovery;
    }

    /** Whether the discovery client was made for these settings (not given as a shared one) and closes with them. */
    public boolean ownsDiscovery() {
        return ownsDiscovery;
    }

    public String writeService() {
        return writeService;
    }

    /** The replicas' Consul name, or null: reads then go to the master. */
    public String readService() {
        return readService;
    }

    public String username() {
        return username;
    }

    public char[] password() {
        return password;
    }

    public boolean ssl() {
        return ssl;
    }

    public boolean verifyPeer() {
        return verifyPeer;
    }

    public int database() {
        return database;
    }

    public String clientName() {
        return clientName;
    }

    /** The read policy, its default resolved. */
    public ReadPolicy readPolicy() {
        return readPolicy;
    }

    public TopologyMode mode() {
        return mode;
    }

    public int defaultPort() {
        return defaultPort;
    }

    public Duration commandTimeout() {
        return commandTimeout;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    public Duration failoverBudget() {
        return failoverBudget;
    }

    public Duration healthCheckInterval() {
        return healthCheckInterval;
    }

    public Duration keepAliveIdle() {
        return keepAliveIdle;
    }

    public Duration keepAliveInterval() {
        return keepAliveInterval;
    }

    public int keepAliveCount() {
        return keepAliveCount;
    }

    public Duration tcpUserTimeout() {
        return tcpUserTimeout;
    }

    public int poolMaxTotal() {
        return poolMaxTotal;
    }

    /** The pool's idle maximum, its default (the total) resolved. */
    public int poolMaxIdle() {
        return poolMaxIdle;
    }

    /** The application's hooks, isolated: see {@link SafeMetrics}. */
    public RedisMetrics metrics() {
        return metrics;
    }

    public Consumer<ClientOptions.Builder> clientOptions() {
        return clientOptions;
    }

    /** Lettuce's resources given by the application, or null: the connector then makes its own. */
    public ClientResources clientResources() {
        return clientResources;
    }

    /** The scheduler given by the application, or null: the connector then makes its own. */
    public ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** The clock of timeouts and budgets, in nanoseconds: {@link System#nanoTime()} but in tests. */
    public LongSupplier ticker() {
        return ticker;
    }

    /** ROLE probes answer in microseconds; a node that takes longer than this is treated as not answering. */
    public Duration probeTimeout() {
        Duration oneSecond = Duration.ofSeconds(1);
        return commandTimeout.compareTo(oneSecond) < 0 ? commandTimeout : oneSecond;
    }

    @Override
    public String toString() {
        return "RedisSettings{writeService=" + writeService + ", readService=" + readService + ", mode=" + mode
                + ", readPolicy=" + readPolicy + ", username=" + username + ", password="
                + (password == null ? "none" : "****") + ", ssl=" + ssl + ", database=" + database
                + ", commandTimeout=" + commandTimeout + ", failoverBudget=" + failoverBudget + '}';
    }

    /**
     * Every setting with its default. The setters trust their values (the public builder checked
     * them); {@link #build()} checks them together.
     *
     * <p><b>Threading:</b> not thread-safe.
     */
    public static final class Builder<K, V> {

        private final RedisCodec<K, V> codec;
        /** The connection to Consul of the discovery client these settings create; discovery's defaults until configured. */
        private final ConsulDiscoveryBuilder consul = ConsulDiscovery.builder();
        /** Whether {@link #consul} was configured: a shared discovery then conflicts. */
        private boolean consulConfigured;
        private ConsulDiscovery discovery;
        private String writeService;
        private String readService;
        private String username;
        private char[] password;
        private boolean ssl;
        private boolean verifyPeer = true;
        private int database;
        private String clientName;
        private ReadPolicy readPolicy;
        private TopologyMode mode = TopologyMode.AUTO;
        private int defaultPort = 6379;
        // the longest a frozen node holds a caller, blocking commands aside
        private Duration commandTimeout = Duration.ofSeconds(3);
        private Duration connectTimeout = Duration.ofSeconds(2);
        // a switchover's gap is well under it, a caller's own timeout usually above it
        private Duration failoverBudget = Duration.ofSeconds(2);
        // a ROLE probe costs microseconds
        private Duration healthCheckInterval = Duration.ofSeconds(1);
        // a silent peer is given up after idle + interval x count = 8 s, sent data after the user timeout
        private Duration keepAliveIdle = Duration.ofSeconds(5);
        private Duration keepAliveInterval = Duration.ofSeconds(1);
        private int keepAliveCount = 3;
        private Duration tcpUserTimeout = Duration.ofSeconds(5);
        private int poolMaxTotal = 8;
        private int poolMaxIdle = -1;
        private RedisMetrics metrics = RedisMetrics.NONE;
        private Consumer<ClientOptions.Builder> clientOptions = b -> { };
        private ClientResources clientResources;
        private ScheduledExecutorService scheduler;
        private LongSupplier ticker = System::nanoTime;

        private Builder(RedisCodec<K, V> codec) {
            this.codec = codec;
        }

        /** One more agent, tried after those added before. */
        public Builder<K, V> consulAgent(AgentAddress address) {
            return consul(c -> c.agent(address.toString()));
        }

        /**
         * Configures the connection to Consul of the discovery client these settings create
         * (applied at once: the discovery builder checks each value as it is set).
         */
        public Builder<K, V> consul(Consumer<ConsulDiscoveryBuilder> configure) {
            configure.accept(consul);
            this.consulConfigured = true;
            return this;
        }

        public Builder<K, V> discovery(ConsulDiscovery discovery) {
            this.discovery = discovery;
            return this;
        }

        public Builder<K, V> writeService(String name) {
            this.writeService = name;
            return this;
        }

        public Builder<K, V> readService(String name) {
            this.readService = name;
            return this;
        }

        public Builder<K, V> username(String username) {
            this.username = username;
            return this;
        }

        /** Kept as given: the caller hands over its copy. */
        public Builder<K, V> password(char[] password) {
            this.password = password;
            return this;
        }

        public Builder<K, V> ssl(boolean ssl, boolean verifyPeer) {
            this.ssl = ssl;
            this.verifyPeer = verifyPeer;
            return this;
        }

        public Builder<K, V> database(int database) {
            this.database = database;
            return this;
        }

        public Builder<K, V> clientName(String clientName) {
            this.clientName = clientName;
            return this;
        }

        public Builder<K, V> readPolicy(ReadPolicy policy) {
            this.readPolicy = policy;
            return this;
        }

        public Builder<K, V> topology(TopologyMode mode) {
            this.mode = mode;
            return this;
        }

        public Builder<K, V> defaultPort(int port) {
            this.defaultPort = port;
            return this;
        }

        public Builder<K, V> commandTimeout(Duration timeout) {
            this.commandTimeout = timeout;
            return this;
        }

        public Builder<K, V> connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        public Builder<K, V> failoverBudget(Duration budget) {
            this.failoverBudget = budget;
            return this;
        }

        public Builder<K, V> healthCheckInterval(Duration interval) {
            this.healthCheckInterval = interval;
            return this;
        }

        public Builder<K, V> tcpKeepAlive(Duration idle, Duration interval, int count) {
            this.keepAliveIdle = idle;
            this.keepAliveInterval = interval;
            this.keepAliveCount = count;
            return this;
        }

        public Builder<K, V> tcpUserTimeout(Duration timeout) {
            this.tcpUserTimeout = timeout;
            return this;
        }

        /** {@code maxIdle} below 0: as many as {@code maxTotal}. */
        public Builder<K, V> poolSize(int maxTotal, int maxIdle) {
            this.poolMaxTotal = maxTotal;
            this.poolMaxIdle = maxIdle;
            return this;
        }

        public Builder<K, V> metrics(RedisMetrics metrics) {
            this.metrics = metrics;
            return this;
        }

        public Builder<K, V> clientOptions(Consumer<ClientOptions.Builder> customizer) {
            this.clientOptions = customizer;
            return this;
        }

        public Builder<K, V> clientResources(ClientResources resources) {
            this.clientResources = resources;
            return this;
        }

        public Builder<K, V> scheduler(ScheduledExecutorService scheduler) {
            this.scheduler = scheduler;
            return this;
        }

        /** The clock of timeouts and budgets (nanoseconds); for tests. */
        public Builder<K, V> ticker(LongSupplier ticker) {
            this.ticker = ticker;
            return this;
        }

        /**
         * Checks the settings together and, unless given a shared discovery client, builds the one
         * the settings then own (last, so that nothing is left open when a check fails).
         *
         * @throws IllegalStateException for missing or conflicting settings, or Consul settings
         *     discovery refuses (a TLS or token file that cannot be used: the message names the
         *     setting and the file, never key material or a token)
         */
        public RedisSettings<K, V> build() {
            if (writeService == null) {
                throw new IllegalStateException("writeService is required");
            }
            if (consulConfigured && discovery != null) {
                throw new IllegalStateException("set either consul(...)/consulAgent (a discovery client of this "
                        + "instance's own) or discovery (a shared one), not both: consul=" + consul);
            }
            ReadPolicy policy = readPolicy != null ? readPolicy
                    : readService != null ? ReadPolicy.REPLICA_PREFERRED : ReadPolicy.MASTER;
            if (readService == null && policy.usesReplicas()) {
                throw new IllegalStateException("readFrom " + policy + " needs a readService (without one, reads "
                        + "go to the master: use ReadPolicy.MASTER)");
            }
            if (readService != null && readService.equals(writeService)) {
                throw new IllegalStateException("readService must differ from writeService: " + readService);
            }
            if (username != null && password == null) {
                throw new IllegalStateException("username " + username + " needs a password");
            }
            if (mode == TopologyMode.CLUSTER && database != 0) {
                throw new IllegalStateException("database must be 0 in cluster mode: " + database);
            }
            if (!ssl && !verifyPeer) {
                throw new IllegalStateException("ssl(false, verifyPeer=false): verifyPeer applies to TLS only");
            }
            int maxIdle = poolMaxIdle < 0 ? poolMaxTotal : poolMaxIdle;
            if (maxIdle > poolMaxTotal) {
                throw new IllegalStateException("poolSize maxIdle must be <= maxTotal: " + maxIdle + " > "
                        + poolMaxTotal);
            }
            return new RedisSettings<>(this, discovery != null ? discovery : consul.build(), policy, maxIdle);
        }

        /** Never shows a token or password (the discovery builder's {@code toString} hides its token). */
        @Override
        public String toString() {
            return "{consul=" + (discovery != null ? "shared discovery" : consulConfigured ? consul : "Consul's defaults")
                    + ", writeService=" + writeService + ", readService=" + readService
                    + ", username=" + username + ", password=" + (password == null ? "none" : "****")
                    + ", readFrom=" + readPolicy + ", topology=" + mode + ", database=" + database + ", ssl=" + ssl
                    + '}';
        }
    }
}
