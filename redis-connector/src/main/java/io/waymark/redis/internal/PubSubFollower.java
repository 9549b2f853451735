package io.waymark.redis.internal;

import io.lettuce.core.RedisChannelHandler;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.async.RedisPubSubAsyncCommands;
import io.waymark.redis.DiscoveredPubSub;
import io.waymark.redis.RedisStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DiscoveredPubSub}: one Pub/Sub connection at a time, to a node the connector lists (its
 * stats' masters, then replicas), moved to another one when it dies or its node is no longer
 * listed. The connection does not reconnect by itself: a node that came back after a failover may
 * be a replica of nobody, so the next node is chosen here, from the current lists.
 *
 * <p><b>Threading:</b> state changes under this object's lock; connects and subscribes run
 * asynchronously, checks on the connector's scheduler. Listeners are called outside the lock.
 */
final class PubSubFollower<K, V> implements DiscoveredPubSub<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(PubSubFollower.class);

    private final RedisSettings<K, V> settings;
    private final Supplier<RedisStats> nodes;
    private final RedisClient client;
    private final Consumer<PubSubFollower<K, V>> onClose;
    private final List<RedisPubSubListener<K, V>> listeners = new CopyOnWriteArrayList<>();
    private final List<GapListener> gapListeners = new CopyOnWriteArrayList<>();
    private final KeySet<K> channels = new KeySet<>();
    private final KeySet<K> patterns = new KeySet<>();
    private final AtomicLong gaps = new AtomicLong();
    private final ScheduledFuture<?> tick;

    /** The connection holding the subscriptions; null during a gap. Guarded by this. */
    private Held<K, V> current;
    /** Whether a connect is under way. Guarded by this. */
    private boolean moving;
    /** When the lost connection was last seen open (nanoTime), while a gap lasts; 0 otherwise. Guarded by this. */
    private long gapStart;
    private String lostNode;
    private volatile boolean closed;

    /** A connection and the node it goes to. */
    private static final class Held<K, V> {
        final String node;
        final StatefulRedisPubSubConnection<K, V> connection;
        volatile long lastSeenOpen;

        Held(String node, StatefulRedisPubSubConnection<K, V> connection, long now) {
            this.node = node;
            this.connection = connection;
            this.lastSeenOpen = now;
        }
    }

    PubSubFollower(RedisSettings<K, V> settings, Connectors.Resources resources, Supplier<RedisStats> nodes,
            Consumer<PubSubFollower<K, V>> onClose) {
        this.settings = settings;
        this.nodes = nodes;
        this.onClose = onClose;
        this.client = RedisClient.create(resources.clientResources());
        // no reconnect to the same node: the next node is chosen from the current lists
        client.setOptions(Connectors.clientOptions(settings).mutate().autoReconnect(false).build());
        client.addListener(new RedisConnectionStateListener() {
            @Override
            public void onRedisDisconnected(RedisChannelHandler<?, ?> connection) {
                if (!closed) {
                    resources.scheduler().execute(PubSubFollower.this::check);
                }
            }
        });
        long interval = settings.healthCheckInterval().toNanos();
        this.tick = resources.scheduler().scheduleWithFixedDelay(this::check, 0, interval, TimeUnit.NANOSECONDS);
    }

    @Override
    public CompletableFuture<Void> subscribe(Collection<K> keys) {
        return change(keys, channels, true, c -> c.subscribe(array(keys)));
    }

    @Override
    public CompletableFuture<Void> unsubscribe(Collection<K> keys) {
        return change(keys, channels, false, c -> c.unsubscribe(array(keys)));
    }

    @Override
    public CompletableFuture<Void> psubscribe(Collection<K> keys) {
        return change(keys, patterns, true, c -> c.psubscribe(array(keys)));
    }

    @Override
    public CompletableFuture<Void> punsubscribe(Collection<K> keys) {
        return change(keys, patterns, false, c -> c.punsubscribe(array(keys)));
    }

    private interface Command<K, V> {
        RedisFuture<Void> on(RedisPubSubAsyncCommands<K, V> c);
    }

    private CompletableFuture<Void> change(Collection<K> keys, KeySet<K> set, boolean add, Command<K, V> command) {
        Objects.requireNonNull(keys, "keys");
        if (add && keys.isEmpty()) {
            throw new IllegalArgumentException("subscribe needs at least one channel or pattern");
        }
        Held<K, V> held;
        synchronized (this) {
            if (closed) {
                throw new IllegalStateException("DiscoveredPubSub is closed");
            }
            if (add) {
                set.addAll(keys);
            } else if (keys.isEmpty()) {
                set.clear();
            } else {
                set.removeAll(keys);
            }
            held = current;
        }
        if (held == null) {
            // the next node gets the current sets when it is installed
            return CompletableFuture.completedFuture(null);
        }
        return command.on(held.connection.async()).toCompletableFuture().handle((v, e) -> {
            if (e != null) {
                // the sets already say what the next connection subscribes to
                LOG.debug("Pub/Sub command on {} failed, the next check moves the subscriptions: {}", held.node,
                        e.toString());
            }
            return null;
        });
    }

    @SuppressWarnings("unchecked")
    private static <K> K[] array(Collection<K> keys) {
        return (K[]) keys.toArray();
    }

    /** Keeps the subscriptions on a listed, open connection; runs on the scheduler. */
    void check() {
        Held<K, V> old;
        List<String> candidates;
        synchronized (this) {
            if (closed || moving) {
                return;
            }
            old = current;
            long now = System.nanoTime();
            List<String> listed = listedNodes();
            boolean open = old != null && old.connection.isOpen();
            if (open) {
                old.lastSeenOpen = now;
                if (listed.contains(old.node)) {
                    return;
                }
            } else if (old != null) {
                // lost: messages published from the last moment it was seen open are gone
                gapStart = old.lastSeenOpen;
                lostNode = old.node;
                current = null;
                old.connection.closeAsync();
                old = null;
            }
            candidates = new ArrayList<>(listed);
            if (old != null) {
                candidates.remove(old.node);
            }
            if (candidates.isEmpty()) {
                return;
            }
            moving = true;
        }
        tryNode(candidates, 0, old);
    }

    private List<String> listedNodes() {
        RedisStats s;
        try {
            s = nodes.get();
        } catch (RuntimeException e) {
            return List.of();
        }
        List<String> out = new ArrayList<>(s.masters());
        out.addAll(s.replicas());
        return out;
    }

    private void tryNode(List<String> candidates, int index, Held<K, V> old) {
        if (index >= candidates.size() || closed) {
            synchronized (this) {
                moving = false;
            }
            return;
        }
        String node = candidates.get(index);
        List<K> ch;
        List<K> pa;
        synchronized (this) {
            ch = channels.toList();
            pa = patterns.toList();
        }
        CompletableFuture<StatefulRedisPubSubConnection<K, V>> connecting;
        try {
            connecting = client.connectPubSubAsync(settings.codec(), uri(node)).toCompletableFuture();
        } catch (RuntimeException e) {
            tryNode(candidates, index + 1, old);
            return;
        }
        connecting.thenCompose(c -> {
            c.addListener(new Forwarder());
            List<CompletableFuture<Void>> subs = new ArrayList<>();
            if (!ch.isEmpty()) {
                subs.add(c.async().subscribe(array(ch)).toCompletableFuture());
            }
            if (!pa.isEmpty()) {
                subs.add(c.async().psubscribe(array(pa)).toCompletableFuture());
            }
            return CompletableFuture.allOf(subs.toArray(CompletableFuture[]::new))
                    .whenComplete((v, e) -> {
                        if (e != null) {
                            c.closeAsync();
                        }
                    }).thenApply(v -> c);
        }).whenComplete((c, e) -> {
            if (e != null) {
                LOG.debug("Pub/Sub on {} failed, trying the next node: {}", node, e.toString());
                tryNode(candidates, index + 1, old);
            } else {
                install(node, c, ch, pa, old);
            }
        });
    }

    private RedisURI uri(String node) {
        int colon = node.lastIndexOf(':');
        String host = node.substring(0, colon);
        if (host.startsWith("[")) {
            host = host.substring(1, host.length() - 1);
        }
        return Connectors.nodeUri(settings, host, Integer.parseInt(node.substring(colon + 1)));
    }

    private void install(String node, StatefulRedisPubSubConnection<K, V> c, List<K> subscribedChannels,
            List<K> subscribedPatterns, Held<K, V> old) {
        Gap gap = null;
        synchronized (this) {
            moving = false;
            if (closed) {
                c.closeAsync();
                return;
            }
            long now = System.nanoTime();
            current = new Held<>(node, c, now);
            // what changed while the connect was under way
            resync(c, channels, subscribedChannels, true);
            resync(c, patterns, subscribedPatterns, false);
            if (gapStart != 0) {
                gap = new Gap(lostNode, node, Duration.ofNanos(now - gapStart));
                gapStart = 0;
                gaps.incrementAndGet();
            }
        }
        if (old != null) {
            old.connection.closeAsync();
        }
        if (gap != null) {
            LOG.warn("Pub/Sub subscriptions moved from {} to {}: messages published during the last {} ms were lost",
                    gap.lostNode(), gap.newNode(), gap.length().toMillis());
            for (GapListener l : gapListeners) {
                try {
                    l.gap(gap);
                } catch (RuntimeException e) {
                    LOG.warn("a Pub/Sub gap listener threw: {}", e.toString());
                }
            }
        } else {
            LOG.info("Pub/Sub subscriptions held on {}", node);
        }
    }

    private void resync(StatefulRedisPubSubConnection<K, V> c, KeySet<K> wanted, List<K> done, boolean isChannel) {
        List<K> missing = wanted.missingFrom(done);
        List<K> extra = wanted.extraIn(done);
        if (!missing.isEmpty()) {
            if (isChannel) {
                c.async().subscribe(array(missing));
            } else {
                c.async().psubscribe(array(missing));
            }
        }
        if (!extra.isEmpty()) {
            if (isChannel) {
                c.async().unsubscribe(array(extra));
            } else {
                c.async().punsubscribe(array(extra));
            }
        }
    }

    /** Hands every connection's events to the listeners: messages of an old connection too while both live. */
    private final class Forwarder implements RedisPubSubListener<K, V> {
        @Override
        public void message(K channel, V message) {
            listeners.forEach(l -> l.message(channel, message));
        }

        @Override
        public void message(K pattern, K channel, V message) {
            listeners.forEach(l -> l.message(pattern, channel, message));
        }

        @Override
        public void subscribed(K channel, long count) {
            listeners.forEach(l -> l.subscribed(channel, count));
        }

        @Override
        public void psubscribed(K pattern, long count) {
            listeners.forEach(l -> l.psubscribed(pattern, count));
        }

        @Override
        public void unsubscribed(K channel, long count) {
            listeners.forEach(l -> l.unsubscribed(channel, count));
        }

        @Override
        public void punsubscribed(K pattern, long count) {
            listeners.forEach(l -> l.punsubscribed(pattern, count));
        }
    }

    @Override
    public void addListener(RedisPubSubListener<K, V> listener) {
        listeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeListener(RedisPubSubListener<K, V> listener) {
        listeners.remove(listener);
    }

    @Override
    public void addGapListener(GapListener listener) {
        gapListeners.add(Objects.requireNonNull(listener, "listener"));
    }

    @Override
    public void removeGapListener(GapListener listener) {
        gapListeners.remove(listener);
    }

    @Override
    public synchronized Set<K> channels() {
        return channels.toSet();
    }

    @Override
    public synchronized Set<K> patterns() {
        return patterns.toSet();
    }

    @Override
    public synchronized String node() {
        return current == null ? null : current.node;
    }

    @Override
    public long gaps() {
        return gaps.get();
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public void close() {
        Held<K, V> held;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            held = current;
            current = null;
        }
        tick.cancel(false);
        if (held != null) {
            held.connection.close();
        }
        client.shutdown(0, 2, TimeUnit.SECONDS);
        onClose.accept(this);
    }

    @Override
    public String toString() {
        return "DiscoveredPubSub{" + settings.writeService() + ", node=" + node() + ", gaps=" + gaps() + "}";
    }
}
