package io.waymark.spring.boot;

import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.RedisMetrics;
import io.waymark.spring.redis.DiscoveredRedisSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every {@link DiscoveredRedis} the starter builds from {@code waymark.redis.*}, one per codec and each
 * named by what it serves: {@code string} (the {@code DiscoveredRedis<String, String>} bean),
 * {@code template} ({@code byte[]}, Spring's templates) and {@code reactive} ({@code ByteBuffer}, the
 * reactive templates). Each is built on first request, with the shared {@link ConsulDiscovery}; the
 * {@link Observer}s (metrics) see each one as it is built. Closing this closes them all.
 *
 * <p><b>Threading:</b> thread-safe; an instance is built once.
 */
public final class WaymarkRedisClients implements DiscoveredRedisSource, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WaymarkRedisClients.class);

    /** Told of each instance: the metrics hooks it gets, then the built instance. */
    public interface Observer {
        /** The hooks for the instance about to be built under {@code name}. */
        default RedisMetrics hooks(String name) {
            return RedisMetrics.NONE;
        }

        /** The instance built under {@code name}. */
        default void built(String name, DiscoveredRedis<?, ?> redis) {
        }
    }

    private final WaymarkProperties.Redis properties;
    private final ConsulDiscovery discovery;
    private final Supplier<Observer> observer;
    private final Map<String, DiscoveredRedis<?, ?>> built = new LinkedHashMap<>();
    private boolean closed;

    WaymarkRedisClients(WaymarkProperties.Redis properties, ConsulDiscovery discovery,
            Supplier<Observer> observer) {
        WaymarkSettings.check(properties);
        this.properties = properties;
        this.discovery = discovery;
        this.observer = observer;
    }

    /** The name an instance of this codec is known by (a metrics tag: a fixed, small set). */
    static String nameOf(RedisCodec<?, ?> codec) {
        if (codec instanceof StringCodec) {
            return "string";
        }
        if (codec instanceof ByteArrayCodec) {
            return "template";
        }
        return "reactive";
    }

    @Override
    @SuppressWarnings("unchecked")
    public synchronized <K, V> DiscoveredRedis<K, V> redis(RedisCodec<K, V> codec) {
        if (closed) {
            throw new IllegalStateException("WaymarkRedisClients is closed");
        }
        String name = nameOf(codec);
        DiscoveredRedis<?, ?> r = built.get(name);
        if (r == null) {
            Observer o = observer.get();
            RedisMetrics hooks = o == null ? RedisMetrics.NONE : o.hooks(name);
            r = WaymarkSettings.builder(properties, codec, discovery, hooks).build();
            built.put(name, r);
            LOG.info("DiscoveredRedis '{}' built: {}", name, r);
            if (o != null) {
                o.built(name, r);
            }
        }
        return (DiscoveredRedis<K, V>) r;
    }

    /** The instances built so far, by name. */
    public synchronized Map<String, DiscoveredRedis<?, ?>> all() {
        return Map.copyOf(built);
    }

    @Override
    public void close() {
        List<DiscoveredRedis<?, ?>> toClose;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(built.values());
            built.clear();
        }
        for (DiscoveredRedis<?, ?> r : toClose) {
            try {
                r.close();
            } catch (RuntimeException e) {
                LOG.warn("closing {} failed: {}", r, e.toString());
            }
        }
    }

    @Override
    public String toString() {
        return "WaymarkRedisClients" + all().keySet();
    }
}
