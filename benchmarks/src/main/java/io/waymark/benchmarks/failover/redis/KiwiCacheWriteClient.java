package io.waymark.benchmarks.failover.redis;

import com.google.common.net.HostAndPort;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.cache.ServiceHealthCache;
import org.kiwiproject.consul.cache.ServiceHealthKey;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.kiwiproject.consul.option.ImmutableQueryOptions;

/**
 * What a user would write with kiwi's {@link ServiceHealthCache}: a cache of the passing
 * instances of the write service, and on a change of the passing master a new Lettuce
 * connection to it; writers use whatever connection is current. Nothing reacts to a
 * {@code READONLY} reply: the client waits for Consul's checks.
 */
final class KiwiCacheWriteClient implements WriteClient {

    private static final int WATCH_SECONDS = 10;

    private final String service;
    private final String password;
    private final Consul consul;
    private final ServiceHealthCache cache;
    private final RedisClient client = RedisClient.create();
    private final AtomicReference<Target> current = new AtomicReference<>();
    private final AtomicLong rebuilds = new AtomicLong();

    private record Target(String address, StatefulRedisConnection<String, String> connection) {
    }

    KiwiCacheWriteClient(String consulHttpAddress, String service, String password) throws InterruptedException {
        this.service = service;
        this.password = password;
        HostAndPort agent = HostAndPort.fromString(consulHttpAddress);
        this.consul = Consul.builder().withHostAndPort(agent)
                // kiwi refuses a blocking-query wait that is not shorter than the read timeout
                .withReadTimeoutMillis(TimeUnit.SECONDS.toMillis(WATCH_SECONDS + 5)).build();
        this.cache = ServiceHealthCache.newCache(consul.healthClient(), service, true, WATCH_SECONDS, ImmutableQueryOptions.builder().build());
        try {
            cache.addListener(this::onChange);
            cache.start();
            if (!cache.awaitInitialized(15, TimeUnit.SECONDS)) {
                throw new IllegalStateException("kiwi cache of " + service + " did not initialize within 15 s");
            }
            if (current.get() == null) {
                throw new IllegalStateException("no passing instance of " + service);
            }
        } catch (RuntimeException | InterruptedException e) {
            close();
            throw e;
        }
    }

    private void onChange(Map<ServiceHealthKey, ServiceHealth> passing) {
        List<String> addresses = new ArrayList<>();
        for (ServiceHealth h : passing.values()) {
            String host = h.getService().getAddress();
            if (host == null || host.isEmpty()) {
                host = h.getNode().getAddress();
            }
            addresses.add(host + ":" + h.getService().getPort());
        }
        Target now = current.get();
        // while the old and the new master both pass (or neither), keep what we have: a charitable reading of "the" master
        if (addresses.isEmpty() || (now != null && addresses.contains(now.address()))) {
            return;
        }
        String pick = addresses.get(0);
        HostAndPort hp = HostAndPort.fromString(pick);
        try {
            StatefulRedisConnection<String, String> c =
                    client.connect(StringCodec.UTF8, PeerSettings.uri(hp.getHost(), hp.getPort(), password));
            Target old = current.getAndSet(new Target(pick, c));
            rebuilds.incrementAndGet();
            if (old != null) {
                old.connection().closeAsync();
            }
        } catch (RuntimeException e) {
            // the next change of the cache tries again, as a user's listener would
        }
    }

    @Override
    public String name() {
        return "kiwi ServiceHealthCache + Lettuce";
    }

    @Override
    public long incr(String key) {
        return current.get().connection().sync().incr(key);
    }

    @Override
    public String note() {
        return "connection rebuilt " + rebuilds.get() + "x on cache changes of " + service;
    }

    @Override
    public void close() {
        try {
            cache.stop();
        } finally {
            Target t = current.getAndSet(null);
            if (t != null) {
                t.connection().close();
            }
            client.shutdown();
            consul.destroy();
        }
    }
}
