package io.waymark.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.KeyValue;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** A blocking pop's scenario that both modes must pass, against real servers. */
final class Pops {

    private Pops() {
    }

    /**
     * {@code BLPOP queue 10} through {@code redis.sync()} gets an item pushed 4.5 s later, past the
     * command timeout (2 or 3 s in the ITs): the client waits as long as the server does.
     *
     * @param blockedClients how many clients the server holds blocked now
     */
    static void popGetsAnItemPushedAfterTheCommandTimeout(DiscoveredRedis<String, String> redis, String queue,
            LongSupplier blockedClients) throws Exception {
        long start = System.nanoTime();
        CompletableFuture<KeyValue<String, String>> pop = CompletableFuture.supplyAsync(() -> redis.sync()
                .blpop(10, queue));
        await().atMost(Duration.ofSeconds(5)).until(() -> blockedClients.getAsLong() == 1);
        // the scenario's timing, not a wait for a condition: push well after the command timeout
        await().pollDelay(Duration.ofNanos(Math.max(1, start + TimeUnit.MILLISECONDS.toNanos(4500) - System.nanoTime())))
                .atMost(Duration.ofSeconds(6)).until(() -> true);
        assertThat(pop.isDone()).as("still waiting at 4.5 s").isFalse();
        assertThat(redis.sync().lpush(queue, "late")).isEqualTo(1L);
        assertThat(pop.get(5, TimeUnit.SECONDS).getValue()).isEqualTo("late");
    }
}
