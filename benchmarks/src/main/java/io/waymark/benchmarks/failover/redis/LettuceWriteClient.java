package io.waymark.benchmarks.failover.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.sync.RedisStringCommands;
import io.waymark.testkit.Teardown;
import java.util.function.Function;

/**
 * A Lettuce client of its own and one connection it opened: INCR runs on that connection, and
 * {@link #close()} closes the connection, then the client.
 */
abstract class LettuceWriteClient implements WriteClient {

    private final AbstractRedisClient client;
    private final StatefulConnection<String, String> connection;
    private final RedisStringCommands<String, String> commands;

    /**
     * Opens the connection on {@code client} with {@code open}, whose commands {@code sync} gives;
     * shuts {@code client} down when that fails.
     */
    <C extends AbstractRedisClient, S extends StatefulConnection<String, String>> LettuceWriteClient(C client,
            Function<C, S> open, Function<S, ? extends RedisStringCommands<String, String>> sync) {
        this.client = client;
        try {
            S opened = open.apply(client);
            this.connection = opened;
            this.commands = sync.apply(opened);
        } catch (RuntimeException e) {
            client.shutdown();
            throw e;
        }
    }

    @Override
    public long incr(String key) {
        return commands.incr(key);
    }

    @Override
    public void close() {
        Teardown.closeAll(connection, client);
    }
}
