package io.waymark.redis.internal;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ArrayOutput;
import io.lettuce.core.output.CommandOutput;
import io.lettuce.core.protocol.CommandType;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * One Redis server and the multiplexed connection to it. The connection is opened once
 * and then kept by Lettuce (auto-reconnect); commands issued while it is down are
 * rejected at once rather than queued, so they can go elsewhere.
 *
 * <p>Threading: the fields are written by the topology thread and read by any thread.
 */
final class Node<K, V> {

    enum Role { MASTER, REPLICA, UNKNOWN }

    private final String address;
    private final Supplier<CompletionStage<StatefulRedisConnection<K, V>>> connector;
    private volatile CompletableFuture<StatefulRedisConnection<K, V>> connection;
    private volatile PinnedPool<StatefulRedisConnection<K, V>> pool;

    /** Written by the topology thread only. */
    volatile Role role = Role.UNKNOWN;
    /** When a command to this node proved it is no master (nanoTime; 0 never). */
    volatile long demotedAt;
    /** The replication offset its last ROLE answered as master (0: an empty data set, or not a master). */
    volatile long offset;
    /** Consecutive probes that timed out. */
    volatile int probeTimeouts;
    /**
     * Replaced as master while it did not answer (frozen, cut off): it never wins the writes back from
     * the master that replaced it until it answered {@code ROLE} with replica (it was demoted). Topology
     * thread only.
     */
    volatile boolean fenced;
    /** The probe still out, if any. */
    private volatile CompletableFuture<Role> probing;
    /** When Consul listed this node last (nanoTime). */
    long lastListed;

    /** @param connector opens a new connection to the node; used for the shared connection and the pool */
    Node(String address, Supplier<CompletionStage<StatefulRedisConnection<K, V>>> connector) {
        this.address = address;
        this.connector = connector;
    }

    /** A node of a Lettuce client: the production factory. */
    static <K, V> Node<K, V> of(String address, RedisURI uri, RedisClient client, RedisCodec<K, V> codec) {
        return new Node<>(address, () -> client.connectAsync(codec, uri));
    }

    String address() {
        return address;
    }

    /** Opens the connection if there is none (or the last attempt failed). */
    CompletableFuture<StatefulRedisConnection<K, V>> connect() {
        CompletableFuture<StatefulRedisConnection<K, V>> c = connection;
        if (c == null || c.isCompletedExceptionally()) {
            c = connector.get().toCompletableFuture();
            connection = c;
        }
        return c;
    }

    /** The open connection, or {@code null} while there is none. */
    StatefulRedisConnection<K, V> connectionNow() {
        CompletableFuture<StatefulRedisConnection<K, V>> c = connection;
        if (c == null || !c.isDone() || c.isCompletedExceptionally()) {
            return null;
        }
        return c.join();
    }

    /** Connected right now: a command sent now reaches the server. */
    boolean usable() {
        StatefulRedisConnection<K, V> c = connectionNow();
        return c != null && c.isOpen();
    }

    /**
     * Closes the shared connection now, failing the commands still in flight on it (Lettuce completes
     * them with "Connection closed": their outcome is unknown, they may run if the node wakes), and
     * forgets it: the next probe opens a new one. For a node that stopped answering and lost its place.
     */
    void dropConnection() {
        CompletableFuture<StatefulRedisConnection<K, V>> c = connection;
        connection = null;
        if (c != null) {
            c.thenAccept(StatefulRedisConnection::closeAsync);
        }
    }

    /** The pool of pinned connections to this node, created on first use. */
    synchronized PinnedPool<StatefulRedisConnection<K, V>> pool(int maxTotal, int maxIdle, RetryPolicy policy) {
        if (pool == null) {
            pool = new PinnedPool<>(connector, maxTotal, maxIdle, policy);
        }
        return pool;
    }

    /** Closes the pool (borrowed connections close when returned); the next use makes a new one. */
    CompletableFuture<Void> closePool() {
        PinnedPool<StatefulRedisConnection<K, V>> p;
        synchronized (this) {
            p = pool;
            pool = null;
        }
        return p == null ? CompletableFuture.completedFuture(null) : p.closeAsync();
    }

    /** Closes the connection and the pool; commands still in flight are cancelled. */
    CompletableFuture<Void> closeAsync() {
        CompletableFuture<Void> poolClosed;
        synchronized (this) {
            poolClosed = pool == null ? CompletableFuture.completedFuture(null) : pool.closeAsync();
            pool = null;
        }
        CompletableFuture<StatefulRedisConnection<K, V>> c = connection;
        CompletableFuture<Void> connClosed = c == null ? CompletableFuture.completedFuture(null)
                : c.handle((conn, err) -> conn).thenCompose(conn -> conn == null
                        ? CompletableFuture.completedFuture(null) : conn.closeAsync());
        return CompletableFuture.allOf(poolClosed, connClosed);
    }

    /**
     * Asks the node its {@code ROLE}, connecting first if needed: master (with its replication
     * offset), replica, or unknown (no answer within {@code timeoutMillis}, or an error). Counts the
     * probes in a row that timed out. A probe still out is shared, not repeated: a frozen node gets one
     * {@code ROLE} at a time. Topology thread only.
     */
    CompletableFuture<Role> probe(long timeoutMillis) {
        CompletableFuture<Role> pending = probing;
        if (pending != null && !pending.isDone()) {
            return pending;
        }
        CompletableFuture<Role> p = connect()
                .thenCompose(Node::role)
                .orTimeout(timeoutMillis, TimeUnit.MILLISECONDS)
                .handle((reply, err) -> {
                    if (err != null) {
                        Throwable e = Failures.unwrap(err);
                        boolean timedOut = e instanceof TimeoutException || e instanceof RedisCommandTimeoutException;
                        probeTimeouts = timedOut ? probeTimeouts + 1 : 0;
                        return Role.UNKNOWN;
                    }
                    probeTimeouts = 0;
                    String r = reply.isEmpty() ? "" : String.valueOf(reply.get(0));
                    if ("master".equals(r)) {
                        // ROLE of a master: "master", its replication offset, its replicas
                        offset = reply.size() > 1 && reply.get(1) instanceof Long ? (Long) reply.get(1) : 0;
                        return Role.MASTER;
                    }
                    offset = 0;
                    return "slave".equals(r) || "replica".equals(r) ? Role.REPLICA : Role.UNKNOWN;
                });
        probing = p;
        return p;
    }

    /** ROLE decoded as Strings whatever the codec of the data connection. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static CompletableFuture<List<Object>> role(StatefulRedisConnection<?, ?> connection) {
        CommandOutput output = new ArrayOutput<>(StringCodec.UTF8);
        RedisFuture<List<Object>> f = ((StatefulRedisConnection) connection).async().dispatch(CommandType.ROLE, output);
        return f.toCompletableFuture();
    }

    @Override
    public String toString() {
        return address + "(" + role + ")";
    }
}
