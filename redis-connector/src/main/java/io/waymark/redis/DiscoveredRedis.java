package io.waymark.redis;

import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import java.util.function.Function;

/**
 * Redis whose servers are found in Consul: writes go to the master, reads go where the
 * {@link ReadPolicy} says, and both follow failovers without waiting for Consul.
 *
 * <pre>{@code
 * try (DiscoveredRedis<String, String> redis = DiscoveredRedis.builder()
 *         .consulAgent("127.0.0.11:8500")
 *         .writeService("w-master-redis-8888.service.consul")
 *         .readService("r-slave-redis-8888.service.consul")
 *         .password("secret")
 *         .build()) {
 *     redis.sync().set("k", "v");
 *     redis.async().get("k").thenAccept(System.out::println);
 * }
 * }</pre>
 *
 * <p><b>Standalone replication:</b> a node takes writes only after it answered
 * {@code ROLE} with master (Consul's word alone is not proof). A {@code READONLY} reply,
 * a {@code MOVED} reply or a connection that is down makes the connector ask Consul
 * again and probe every known node at once; the write is then retried on the new
 * master within the builder's failover budget. A command that may have run (a
 * timeout, a lost connection) is never retried; it fails to the caller with an exception
 * whose message says its outcome is unknown.
 *
 * <p><b>Redis Cluster:</b> the discovered masters seed Lettuce's cluster client, which
 * routes by slot and follows {@code MOVED}/{@code ASK}; changes in Consul trigger a
 * topology refresh.
 *
 * <p><b>Threading:</b> thread-safe. The command interfaces are shared by all threads;
 * like Lettuce's own connections they multiplex commands over one connection per node.
 * Routing reads an immutable snapshot and never blocks; topology changes are made on
 * one background thread. Blocking commands ({@code BLPOP} and the like) run on pooled
 * connections of their own and wait their own server timeout plus the command timeout (no
 * client timeout when the server's is 0); cancelling one, or interrupting its caller, closes
 * its connection. {@code sync()} calls block the calling thread until the reply, the command
 * timeout, or the end of the failover budget. Futures of
 * {@code async()} complete on Lettuce's I/O threads, or on the topology thread after a
 * retry: callbacks attached to them must not block.
 *
 * @param <K> key type
 * @param <V> value type
 */
public interface DiscoveredRedis<K, V> extends AutoCloseable {

    /** A builder for {@code String} keys and values (UTF-8). */
    static DiscoveredRedisBuilder<String, String> builder() {
        return new DiscoveredRedisBuilder<>(StringCodec.UTF8);
    }

    /** A builder for the codec's key and value types. */
    static <K, V> DiscoveredRedisBuilder<K, V> builder(RedisCodec<K, V> codec) {
        return new DiscoveredRedisBuilder<>(codec);
    }

    /**
     * Blocking commands, routed. Connection-level commands ({@code AUTH}, {@code SELECT},
     * {@code READONLY}, {@code setTimeout}, and their {@code dispatch} forms) throw
     * {@link UnsupportedOperationException}: configure them in the builder, or use
     * {@link #withWriteConnection} for transactions.
     */
    RedisClusterCommands<K, V> sync();

    /** Asynchronous commands, routed like {@link #sync()}. */
    RedisClusterAsyncCommands<K, V> async();

    /** Reactive commands, routed like {@link #sync()}; the node is chosen at subscription. */
    RedisClusterReactiveCommands<K, V> reactive();

    /**
     * Runs {@code action} on a connection of its own to the current master, for what must
     * be pinned to one connection ({@code MULTI}/{@code EXEC}, {@code WATCH}, blocking
     * commands). The connection comes from a bounded pool; nothing in it is retried. It goes
     * back clean (an open transaction discarded, {@code WATCH} undone), or is closed when the
     * action changed its state otherwise ({@code SELECT}...) or a reply may still come. The
     * commands work only while the action runs. Standalone mode only.
     *
     * @throws IllegalStateException in cluster mode
     * @throws io.lettuce.core.RedisException if no writable master showed up within the failover budget
     */
    <T> T withWriteConnection(Function<RedisCommands<K, V>, T> action);

    /** The mode in use and the current masters, replicas and counters. */
    RedisStats stats();

    /**
     * A new Pub/Sub client whose subscriptions live on a node this connector lists and move to
     * another one after a failover or a dead connection; messages published while no node held them
     * are lost, and each such gap is reported (see {@link DiscoveredPubSub}). Each call opens a
     * connection of its own; {@link #close()} closes every one still open.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    DiscoveredPubSub<K, V> pubSub();

    /**
     * Closes every connection, every thread started for this instance, and the discovery
     * client if the builder created it; blocks for a few seconds at most. Commands still
     * in flight fail with a cancellation: stop issuing commands first. Idempotent.
     */
    @Override
    void close();
}
