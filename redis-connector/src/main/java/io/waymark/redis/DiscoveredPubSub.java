package io.waymark.redis;

import io.lettuce.core.pubsub.RedisPubSubListener;
import java.time.Duration;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Pub/Sub subscriptions that live on a node Consul lists and follow failovers: from
 * {@link DiscoveredRedis#pubSub()}.
 *
 * <p>The subscriptions are held on one connection to one node of the write or read service (the
 * master first, then the replicas: a message published on the master reaches every replica of it,
 * and in Redis Cluster every node). When that connection dies, or its node leaves Consul's lists
 * (checked at the builder's health-check interval and at once on a disconnect), every channel and
 * pattern is subscribed again on another listed node, and the listeners keep receiving.
 *
 * <p><b>Messages are lost in a gap:</b> Redis keeps no Pub/Sub history, so a message published
 * while no connection held the subscription (from the last moment the old connection was seen
 * open until the new one confirmed) is never delivered. Every gap is reported to the
 * {@link GapListener}s and counted in {@link #gaps()}. A move away from a node that is still
 * connected (it left Consul's lists) subscribes on the new node before closing the old one: no
 * gap, but a message published meanwhile may arrive twice.
 *
 * <pre>{@code
 * DiscoveredPubSub<String, String> pubSub = redis.pubSub();
 * pubSub.addListener(new RedisPubSubAdapter<>() {
 *     public void message(String channel, String message) { ... }
 * });
 * pubSub.addGapListener(gap -> log.warn("messages may be lost: {}", gap));
 * pubSub.subscribe(List.of("orders")).join();
 * }</pre>
 *
 * <p><b>Threading:</b> thread-safe. Listeners are called on Lettuce's I/O threads (messages) and
 * on the connector's topology scheduler or I/O threads (gaps); they must not block.
 *
 * @param <K> key (channel) type
 * @param <V> value (message) type
 */
public interface DiscoveredPubSub<K, V> extends AutoCloseable {

    /**
     * Subscribes to the channels, now and on every node the subscriptions move to.
     *
     * @return completes when the current node confirmed; at once while there is no node (the
     *     channels are subscribed on the next one, and that gap is reported)
     */
    CompletableFuture<Void> subscribe(Collection<K> channels);

    /** Unsubscribes from the channels; from all of them when {@code channels} is empty. */
    CompletableFuture<Void> unsubscribe(Collection<K> channels);

    /** Subscribes to the patterns ({@code PSUBSCRIBE}), as {@link #subscribe} does channels. */
    CompletableFuture<Void> psubscribe(Collection<K> patterns);

    /** Unsubscribes from the patterns; from all of them when {@code patterns} is empty. */
    CompletableFuture<Void> punsubscribe(Collection<K> patterns);

    /** Receives messages and subscription confirmations from whichever node holds the subscriptions. */
    void addListener(RedisPubSubListener<K, V> listener);

    void removeListener(RedisPubSubListener<K, V> listener);

    /** Told of every gap once the subscriptions are back. */
    void addGapListener(GapListener listener);

    void removeGapListener(GapListener listener);

    /** The channels subscribed to (wanted: held on the current node, or to be on the next). */
    Set<K> channels();

    /** The patterns subscribed to. */
    Set<K> patterns();

    /** {@code host:port} of the node holding the subscriptions, or {@code null} during a gap. */
    String node();

    /** Gaps so far: times the subscriptions were re-established after their connection was lost. */
    long gaps();

    /** Whether {@link #close()} was called. */
    boolean isClosed();

    /** Closes the connection (the subscriptions end with it). Idempotent. */
    @Override
    void close();

    /**
     * A time without subscriptions: messages published during {@code length} were lost.
     *
     * @param lostNode the node whose connection was lost
     * @param newNode the node that holds the subscriptions now
     * @param length from the last moment the old connection was seen open until the new one confirmed
     */
    record Gap(String lostNode, String newNode, Duration length) {
    }

    /** Told of each {@link Gap}. Must not block. */
    @FunctionalInterface
    interface GapListener {
        void gap(Gap gap);
    }
}
