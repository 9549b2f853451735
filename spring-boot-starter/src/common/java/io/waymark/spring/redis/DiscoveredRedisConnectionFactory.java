package io.waymark.spring.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.RedisStats;
import io.waymark.redis.TopologyMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConfiguration;
import org.springframework.data.redis.connection.RedisPassword;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionProvider;

/**
 * Spring Data Redis' {@link org.springframework.data.redis.connection.RedisConnectionFactory} and
 * {@link org.springframework.data.redis.connection.ReactiveRedisConnectionFactory}, running every
 * command through a {@link DiscoveredRedis}: templates, Spring Cache and Spring Session's
 * {@code RedisSessionRepository} (with read policy {@code MASTER}) follow failovers with its guarantees
 * (writes only to the fenced master, retried only when they certainly did not run, an outcome-unknown
 * failure otherwise); its indexed repository needs keyspace notifications configured on every node,
 * as its {@code CONFIG SET} is routed to the master only (see the README). It is Spring's own
 * {@link LettuceConnectionFactory} with a connection provider that hands out facades over
 * {@code DiscoveredRedis} instead of Lettuce connections to one configured host, so Spring's command
 * translation, exceptions and converters are unchanged.
 *
 * <p>What it does not do: transactions ({@code MULTI}/{@code EXEC}, {@code WATCH}, template transaction
 * support) and {@code SELECT} are refused with {@link UnsupportedOperationException} (use
 * {@link DiscoveredRedis#withWriteConnection}); pipelines run as routed commands, each sent on its own;
 * reactive Pub/Sub is refused (the imperative {@code RedisMessageListenerContainer} works, over
 * {@link DiscoveredRedis#pubSub()}); sentinel connections do not exist. In cluster mode the commands Spring
 * addresses to single nodes (KEYS, FLUSHALL, DBSIZE, cross-slot multi-key commands) run on Lettuce's own
 * cluster connection to the masters known at startup, without Waymark's retries.
 *
 * <p><b>Threading:</b> as {@code LettuceConnectionFactory}: thread-safe once started.
 */
public class DiscoveredRedisConnectionFactory extends LettuceConnectionFactory {

    private final DiscoveredRedisSource source;
    private final Duration timeout;

    /**
     * @param source the {@code DiscoveredRedis} per codec (the {@code byte[]} one is built here, to learn
     *     the topology)
     * @param nodeAccess credentials and TLS for Lettuce's own cluster connection (cluster mode only)
     * @param timeout how long Spring waits for a routed command: at least twice the command timeout plus
     *     the failover budget, so that a retried write is not cancelled by Spring first
     */
    public DiscoveredRedisConnectionFactory(DiscoveredRedisSource source, NodeAccess nodeAccess, Duration timeout) {
        this(source, source.redis(ByteArrayCodec.INSTANCE).stats(),
                nodeAccess, timeout);
    }

    private DiscoveredRedisConnectionFactory(DiscoveredRedisSource source, RedisStats stats, NodeAccess access,
            Duration timeout) {
        super(configuration(stats, access), clientConfiguration(access, timeout));
        this.source = source;
        this.timeout = timeout;
        setShareNativeConnection(true);
    }

    /**
     * Credentials and TLS of the nodes, for Lettuce's own cluster connection, and the database
     * (standalone), which the factory reports as Spring's does (Spring Session names its event channels
     * after it); the password is never logged.
     */
    public record NodeAccess(String username, String password, boolean ssl, boolean verifyPeer, int database) {
        @Override
        public String toString() {
            return "NodeAccess{username=" + username + ", password=" + (password == null ? "none" : "****")
                    + ", ssl=" + ssl + ", database=" + database + "}";
        }
    }

    private static RedisConfiguration configuration(RedisStats stats, NodeAccess access) {
        Objects.requireNonNull(access, "nodeAccess");
        if (stats.mode() != TopologyMode.CLUSTER) {
            // never connected to: every standalone connection is a facade over DiscoveredRedis (which selects
            // the database itself); the database is here so that getDatabase() tells the truth
            RedisStandaloneConfiguration c = new RedisStandaloneConfiguration();
            c.setDatabase(access.database());
            return c;
        }
        List<String> seeds = new ArrayList<>(stats.masters());
        seeds.addAll(stats.replicas());
        RedisClusterConfiguration c = new RedisClusterConfiguration(seeds);
        if (access.username() != null) {
            c.setUsername(access.username());
        }
        if (access.password() != null) {
            c.setPassword(RedisPassword.of(access.password()));
        }
        return c;
    }

    private static LettuceClientConfiguration clientConfiguration(NodeAccess access, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        LettuceClientConfiguration.LettuceClientConfigurationBuilder b = LettuceClientConfiguration.builder()
                .commandTimeout(timeout).shutdownTimeout(Duration.ZERO);
        if (access.ssl()) {
            LettuceClientConfiguration.LettuceSslClientConfigurationBuilder ssl = b.useSsl();
            if (!access.verifyPeer()) {
                ssl.disablePeerVerification();
            }
            b = ssl.and();
        }
        return b.build();
    }

    @Override
    protected LettuceConnectionProvider doCreateConnectionProvider(AbstractRedisClient client, RedisCodec<?, ?> codec) {
        // the reactive (ByteBuffer) instance is built on first reactive use, not at start()
        LettuceConnectionProvider nodes = isClusterAware() ? super.doCreateConnectionProvider(client, codec) : null;
        return new DiscoveredConnectionProvider(() -> source.redis(codec), nodes, timeout);
    }

    @Override
    public String toString() {
        return "DiscoveredRedisConnectionFactory{" + (isClusterAware() ? "cluster" : "standalone") + ", timeout=" + timeout
                + "}";
    }
}
