package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.waymark.redis.RedisMetrics;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Pinned connections: one goes back to the pool once its command got a reply, and is closed
 * when the reply may still come (a blocking command still waiting on the server would take
 * the next item pushed and throw it away).
 */
class PinnedPoolTest {

    /** A connection that records whether it was closed. */
    static final class FakeConnection {
        final int id;
        final AtomicBoolean closed = new AtomicBoolean();
        final StatefulRedisConnection<String, String> proxy;

        @SuppressWarnings("unchecked")
        FakeConnection(int id) {
            this.id = id;
            this.proxy = (StatefulRedisConnection<String, String>) Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {StatefulRedisConnection.class}, (p, m, a) -> {
                        switch (m.getName()) {
                            case "isOpen":
                                return !closed.get();
                            case "closeAsync":
                                closed.set(true);
                                return CompletableFuture.completedFuture(null);
                            case "close":
                                closed.set(true);
                                return null;
                            case "hashCode":
                                return id;
                            case "equals":
                                return p == a[0];
                            case "toString":
                                return "connection " + id;
                            default:
                                throw new UnsupportedOperationException(m.getName());
                        }
                    });
        }
    }

    private final List<FakeConnection> opened = new CopyOnWriteArrayList<>();
    private final PinnedPool<StatefulRedisConnection<String, String>> pool = new PinnedPool<>(() -> {
        FakeConnection c = new FakeConnection(opened.size() + 1);
        opened.add(c);
        return CompletableFuture.completedFuture(c.proxy);
    }, 2, 2, new RetryPolicy(Duration.ofSeconds(1), RedisMetrics.NONE));

    @AfterEach
    void close() {
        pool.closeAsync().join();
    }

    private static <T> CompletionStage<Object> reply(CompletableFuture<T> f) {
        return f.thenApply(v -> v);
    }

    @Nested
    class Async {

        @Test
        void aConnectionWhoseCommandGotItsReplyGoesBackToThePool() throws Exception {
            assertThat(PinnedPool.call(pool, c -> CompletableFuture.completedFuture("a")).get(5, TimeUnit.SECONDS))
                    .isEqualTo("a");
            assertThat(PinnedPool.call(pool, c -> CompletableFuture.completedFuture("b")).get(5, TimeUnit.SECONDS))
                    .isEqualTo("b");
            assertThat(opened).hasSize(1);
            assertThat(opened.get(0).closed).isFalse();
        }

        /** A call that fails with {@code failure}, then one that succeeds: how many connections it took. */
        private int connectionsForAFailureThenASuccess(RuntimeException failure) {
            RoutedFuture<Object> f = PinnedPool.call(pool, c -> CompletableFuture.failedFuture(failure));
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(failure.getClass());
            PinnedPool.call(pool, c -> CompletableFuture.completedFuture("b")).join();
            return opened.size();
        }

        @Test
        void anErrorReplyIsAReplyTooSoTheConnectionGoesBack() {
            assertThat(connectionsForAFailureThenASuccess(
                    new RedisCommandExecutionException("WRONGTYPE Operation against a key"))).isEqualTo(1);
            assertThat(opened.get(0).closed).isFalse();
        }

        @Test
        void aTimedOutCommandClosesItsConnectionRatherThanReturnIt() {
            assertThat(connectionsForAFailureThenASuccess(
                    new RedisCommandTimeoutException("Command timed out after 13 second(s)")))
                    .as("the next call gets a new connection").isEqualTo(2);
            assertThat(opened.get(0).closed).isTrue();
        }

        @Test
        void aClosedConnectionFreesItsPlaceAtOnce() {
            // the pool holds 2: two discarded in a row, the third call still gets a connection
            for (int i = 0; i < 3; i++) {
                RoutedFuture<Object> f = PinnedPool.call(pool, c -> CompletableFuture.failedFuture(
                        new RedisCommandTimeoutException("timed out")));
                assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(
                        RedisCommandTimeoutException.class);
            }
            assertThat(opened).hasSize(3).allSatisfy(c -> assertThat(c.closed).isTrue());
        }

        @Test
        void aCommandNeverSentGoesAgainOnTheSameConnectionWhenThePoolHasAScheduler() throws Exception {
            // Lettuce 7 rejects a command at once while a cluster connection's node connection is still opening
            ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
            PinnedPool<StatefulRedisConnection<String, String>> retrying = new PinnedPool<>(() -> {
                FakeConnection c = new FakeConnection(opened.size() + 1);
                opened.add(c);
                return CompletableFuture.completedFuture(c.proxy);
            }, 2, 2, new RetryPolicy(Duration.ofSeconds(1), RedisMetrics.NONE), scheduler);
            try {
                AtomicInteger attempts = new AtomicInteger();
                RoutedFuture<Object> f = PinnedPool.call(retrying, c -> attempts.incrementAndGet() < 3
                        ? CompletableFuture.failedFuture(new RedisException("Currently not connected. Commands are "
                                + "rejected."))
                        : CompletableFuture.completedFuture("popped"));
                assertThat(f.get(5, TimeUnit.SECONDS)).isEqualTo("popped");
                assertThat(attempts).hasValue(3);
                assertThat(opened).hasSize(1);
                assertThat(retrying.reactive(c -> Mono.error(new RedisException("Currently not connected. Commands "
                        + "are rejected."))).onErrorResume(e -> Mono.just("gave up")).blockLast(Duration.ofSeconds(5)))
                        .as("within the budget only").isEqualTo("gave up");
            } finally {
                retrying.closeAsync().join();
                scheduler.shutdownNow();
            }
            RoutedFuture<Object> once = PinnedPool.call(pool, c -> CompletableFuture.failedFuture(
                    new RedisException("Currently not connected. Commands are rejected.")));
            assertThatThrownBy(() -> once.get(5, TimeUnit.SECONDS)).as("without a scheduler: sent once")
                    .hasMessageContaining("Currently not connected");
        }

        @Test
        void aCancelledCallClosesItsConnection() {
            CompletableFuture<String> neverAnswered = new CompletableFuture<>();
            RoutedFuture<Object> f = PinnedPool.call(pool, c -> reply(neverAnswered));
            assertThat(opened).hasSize(1);
            f.cancel(true);
            assertThat(opened.get(0).closed).isTrue();
            neverAnswered.complete("late");
            PinnedPool.call(pool, c -> CompletableFuture.completedFuture("b")).join();
            assertThat(opened).hasSize(2);
        }

        @Test
        void aCallCancelledBeforeItHadAConnectionSendsNothing() {
            CompletableFuture<PinnedPool<StatefulRedisConnection<String, String>>> noPoolYet =
                    new CompletableFuture<>();
            AtomicBoolean sent = new AtomicBoolean();
            RoutedFuture<Object> f = PinnedPool.call(noPoolYet, c -> {
                sent.set(true);
                return CompletableFuture.completedFuture("x");
            });
            f.cancel(true);
            noPoolYet.complete(pool);
            assertThat(sent).isFalse();
            assertThat(opened).allSatisfy(c -> assertThat(c.closed).isFalse());
        }
    }

    @Nested
    class Reactive {

        @Test
        void aReplyThenTheCancelOfMonoFromGivesTheConnectionBack() {
            // Mono.from cancels its source on the first element: the reply is in, the connection is clean
            Object v = Mono.from(pool.reactive(c -> Mono.just("a"))).block(Duration.ofSeconds(5));
            assertThat(v).isEqualTo("a");
            Mono.from(pool.reactive(c -> Mono.just("b"))).block(Duration.ofSeconds(5));
            assertThat(opened).hasSize(1);
            assertThat(opened.get(0).closed).isFalse();
        }

        @Test
        void aSubscriptionCancelledBeforeTheReplyClosesTheConnection() {
            Sinks.One<Object> never = Sinks.one();
            var subscription = pool.reactive(c -> never.asMono()).subscribe();
            await().atMost(Duration.ofSeconds(5)).until(() -> opened.size() == 1);
            subscription.dispose();
            await().atMost(Duration.ofSeconds(5)).until(() -> opened.get(0).closed.get());
        }

        @Test
        void aTimeoutClosesTheConnection() {
            assertThatThrownBy(() -> pool.reactive(c -> Mono.error(new RedisCommandTimeoutException("timed out")))
                    .blockLast(Duration.ofSeconds(5))).isInstanceOf(RedisCommandTimeoutException.class);
            assertThat(opened.get(0).closed).isTrue();
        }
    }
}
