package io.waymark.redis.internal;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The lifecycle of a standalone group's nodes: a node is made the first time Consul lists it,
 * stays while it is listed or serves as master, and a while after it left (a promoted replica
 * may not be listed yet), then is closed once the commands still in flight on it had their
 * command timeout to finish.
 *
 * <p><b>Threading:</b> {@link #retire} runs on one reconciliation at a time; the rest is
 * thread-safe.
 */
final class NodeSet<K, V> {

    private static final Logger LOG = LoggerFactory.getLogger(NodeSet.class);
    /** Nodes that left Consul stay probe candidates this long: a promoted replica may not be listed yet. */
    static final long RETAIN_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Function<String, Node<K, V>> factory;
    private final ScheduledExecutorService scheduler;
    /** How long a node that left keeps its connections: the command timeout, and a little. */
    private final long closeDelayMillis;
    private final Map<String, Node<K, V>> nodes = new ConcurrentHashMap<>();
    /** Nodes that left, until their delayed close ran: close() must not leak them. */
    private final Set<Node<K, V>> retiring = ConcurrentHashMap.newKeySet();

    NodeSet(Function<String, Node<K, V>> factory, ScheduledExecutorService scheduler, long closeDelayMillis) {
        this.factory = factory;
        this.scheduler = scheduler;
        this.closeDelayMillis = closeDelayMillis;
    }

    /** The node of {@code address}, made on first sight (its connection opens with its first probe). */
    Node<K, V> get(String address) {
        return nodes.computeIfAbsent(address, factory);
    }

    Set<String> addresses() {
        return nodes.keySet();
    }

    /** Every node known now. */
    List<Node<K, V>> all() {
        return List.copyOf(nodes.values());
    }

    /**
     * Forgets the nodes that are neither listed nor the master and were last listed longer than
     * {@link #RETAIN_NANOS} before {@code now}; a node that answers master but is neither listed nor
     * chosen goes too: only Consul brings it back.
     */
    void retire(long now, Set<String> listedWrite, Set<String> listedRead, Node<K, V> master) {
        for (Node<K, V> node : new ArrayList<>(nodes.values())) {
            boolean listed = listedWrite.contains(node.address()) || listedRead.contains(node.address());
            boolean keep = listed || node == master || now - node.lastListed < RETAIN_NANOS;
            if (!keep && nodes.remove(node.address(), node)) {
                LOG.info("{} left: closing its connection", node.address());
                retiring.add(node);
                later(() -> {
                    if (retiring.remove(node)) {
                        node.closeAsync();
                    }
                });
            }
        }
    }

    /** Runs {@code close} once the commands in flight had their command timeout (at once if closing). */
    void later(Runnable close) {
        try {
            scheduler.schedule(close, closeDelayMillis, TimeUnit.MILLISECONDS);
        } catch (RuntimeException rejected) {
            close.run();
        }
    }

    /** Closes every node, those retiring included. */
    CompletableFuture<Void> close() {
        Set<Node<K, V>> all = new LinkedHashSet<>(nodes.values());
        all.addAll(retiring);
        retiring.clear();
        nodes.clear();
        List<CompletableFuture<Void>> closing = new ArrayList<>();
        for (Node<K, V> n : all) {
            closing.add(n.closeAsync().exceptionally(e -> null));
        }
        return CompletableFuture.allOf(closing.toArray(new CompletableFuture<?>[0]));
    }
}
