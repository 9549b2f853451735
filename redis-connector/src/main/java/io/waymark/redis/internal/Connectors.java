package io.waymark.redis.internal;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.EpollProvider;
import io.lettuce.core.resource.IOUringProvider;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.Endpoints;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.TopologyMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** Creates the {@link DiscoveredRedis} for the detected or configured topology. Internal. */
public final class Connectors {

    private static final AtomicInteger SCHEDULER_IDS = new AtomicInteger();

    private Connectors() {
    }

    /** Builds the connector; closes what it created when it fails. */
    public static <K, V> DiscoveredRedis<K, V> create(RedisSettings<K, V> settings) {
        // the application's customizer is checked before anything is started
        clientOptions(settings);
        // Lettuce's default backoff reaches 30 s between attempts: too slow for a node that restarted
        ClientResources resources = settings.clientResources() != null ? settings.clientResources()
                : DefaultClientResources.builder()
                        .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2,
                                TimeUnit.MILLISECONDS))
                        .build();
        boolean ownsResources = settings.clientResources() == null;
        ScheduledExecutorService scheduler = settings.scheduler();
        boolean ownsScheduler = scheduler == null;
        if (scheduler == null) {
            int id = SCHEDULER_IDS.incrementAndGet();
            ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "waymark-redis-topology-" + id);
                t.setDaemon(true);
                return t;
            });
            s.setRemoveOnCancelPolicy(true);
            s.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
            scheduler = s;
        }
        Resources owned = new Resources(resources, ownsResources, scheduler, ownsScheduler);
        try {
            TopologyMode mode = settings.mode();
            if (mode == TopologyMode.AUTO) {
                mode = detect(settings, resources);
            }
            if (mode == TopologyMode.CLUSTER) {
                if (settings.database() != 0) {
                    throw new IllegalStateException("database must be 0 in cluster mode: " + settings.database());
                }
                return new ClusterRedis<>(settings, owned);
            }
            return new StandaloneRedis<>(settings, owned);
        } catch (RuntimeException e) {
            owned.close();
            throw e;
        }
    }

    /** What the connector owns besides its connections, closed last. */
    record Resources(ClientResources clientResources, boolean ownsResources, ScheduledExecutorService scheduler,
            boolean ownsScheduler) {

        void close() {
            if (ownsScheduler) {
                scheduler.shutdownNow();
            }
            if (ownsResources) {
                clientResources.shutdown(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
            }
            if (ownsScheduler) {
                try {
                    scheduler.awaitTermination(2, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** Asks the nodes of the write service (then the read service) whether cluster mode is on. */
    static TopologyMode detect(RedisSettings<?, ?> settings, ClientResources resources) {
        List<Endpoint> candidates = new ArrayList<>();
        Endpoints write = settings.discovery().resolve(settings.writeService());
        candidates.addAll(write.all());
        if (settings.readService() != null) {
            candidates.addAll(settings.discovery().resolve(settings.readService()).all());
        }
        if (candidates.isEmpty()) {
            throw new RedisConnectionException("cannot detect the topology: Consul lists no node for "
                    + settings.writeService() + (settings.readService() == null ? "" : " or " + settings.readService())
                    + "; set topology(STANDALONE or CLUSTER) to start without nodes");
        }
        RedisClient probe = RedisClient.create(resources);
        probe.setOptions(clientOptions(settings));
        RuntimeException last = null;
        try {
            for (Endpoint e : candidates) {
                int port = e.port() == 0 ? settings.defaultPort() : e.port();
                try (StatefulRedisConnection<String, String> c =
                        probe.connect(StringCodec.UTF8, nodeUri(settings, e.host(), port))) {
                    String info = c.sync().info("cluster");
                    return info.contains("cluster_enabled:1") ? TopologyMode.CLUSTER : TopologyMode.STANDALONE;
                } catch (RedisException ex) {
                    last = ex;
                }
            }
        } finally {
            probe.shutdown(0, 2, TimeUnit.SECONDS);
        }
        throw new RedisConnectionException("cannot detect the topology: no node of " + settings.writeService()
                + " answered INFO cluster; last error: " + (last == null ? "none" : last.getMessage()), last);
    }

    /**
     * Lettuce's client options: the connector's, then the application's customizer, which may change
     * anything but what failover rests on.
     *
     * @throws IllegalStateException if the customizer changed the disconnected behavior, auto-reconnect or
     *     the timeout options
     */
    static ClientOptions clientOptions(RedisSettings<?, ?> s) {
        TimeoutOptions timeouts = TimeoutOptions.builder().timeoutSource(new BlockingTimeouts(s.commandTimeout()))
                .build();
        ClientOptions.Builder b = ClientOptions.builder()
                .socketOptions(socketOptions(s))
                // a blocking command's client timeout is its own plus the command timeout: see BlockingTimeouts
                .timeoutOptions(timeouts)
                // a command issued while the connection is down fails at once, so it can go elsewhere
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .autoReconnect(true);
        s.clientOptions().accept(b);
        ClientOptions options = b.build();
        if (options.getDisconnectedBehavior() != ClientOptions.DisconnectedBehavior.REJECT_COMMANDS) {
            throw new IllegalStateException("clientOptions must leave disconnectedBehavior at REJECT_COMMANDS, not "
                    + options.getDisconnectedBehavior() + ": a command held on a dead connection cannot go to the "
                    + "next master, and one replayed on reconnect may run twice");
        }
        if (!options.isAutoReconnect()) {
            throw new IllegalStateException("clientOptions must leave autoReconnect on: a node's connection that "
                    + "dropped would stay down");
        }
        if (options.getTimeoutOptions() != timeouts) {
            throw new IllegalStateException("clientOptions must not set timeoutOptions: set commandTimeout in "
                    + "DiscoveredRedisBuilder (blocking commands get their own server timeout on top of it)");
        }
        return options;
    }

    static SocketOptions socketOptions(RedisSettings<?, ?> s) {
        SocketOptions.Builder b = SocketOptions.builder()
                .connectTimeout(s.connectTimeout())
                // idle/interval/count apply on NIO too (JDK 11+ extended socket options)
                .keepAlive(SocketOptions.KeepAliveOptions.builder().enable()
                        .idle(s.keepAliveIdle()).interval(s.keepAliveInterval()).count(s.keepAliveCount()).build());
        if (EpollProvider.isAvailable() || IOUringProvider.isAvailable()) {
            // TCP_USER_TIMEOUT needs a native transport; Lettuce warns on every connection otherwise
            b.tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder().enable()
                    .tcpUserTimeout(s.tcpUserTimeout()).build());
        }
        return b.build();
    }

    static RedisURI nodeUri(RedisSettings<?, ?> s, String host, int port) {
        RedisURI.Builder b = RedisURI.builder().withHost(host).withPort(port).withTimeout(s.commandTimeout())
                .withSsl(s.ssl());
        if (s.ssl()) {
            b.withVerifyPeer(s.verifyPeer());
        }
        if (s.database() != 0) {
            b.withDatabase(s.database());
        }
        if (s.password() != null) {
            if (s.username() != null) {
                b.withAuthentication(s.username(), s.password().clone());
            } else {
                b.withPassword(s.password().clone());
            }
        }
        if (s.clientName() != null) {
            b.withClientName(s.clientName());
        }
        return b.build();
    }
}
