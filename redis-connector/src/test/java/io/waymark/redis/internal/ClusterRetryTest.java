package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandType;
import io.waymark.redis.RedisMetrics;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

class ClusterRetryTest {

    @Nested
    class OverAClusterConnection {

        private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        private final List<String> retries = new ArrayList<>();
        /** Outcomes of successive calls: an exception fails the call, anything else is its reply. */
        private final Deque<Object> outcomes = new ArrayDeque<>();
        private final AtomicInteger calls = new AtomicInteger();

        @AfterEach
        void stopScheduler() {
            scheduler.shutdownNow();
        }

        private synchronized Object next() {
            calls.incrementAndGet();
            return outcomes.isEmpty() ? "OK" : outcomes.poll();
        }

        private ClusterRetry retry(Duration budget) {
            return retry(budget, scheduler, new RetryPolicy(budget, RedisMetrics.NONE));
        }

        private ClusterRetry retry(Duration budget, ScheduledExecutorService scheduler, RetryPolicy policy) {
            Object async = Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {RedisClusterAsyncCommands.class}, (p, m, a) -> {
                        Object o = next();
                        RoutedFuture<Object> f = new RoutedFuture<>();
                        if (o instanceof Throwable t) {
                            f.completeExceptionally(t);
                        } else {
                            f.complete(o);
                        }
                        return f;
                    });
            Object reactive = Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {RedisClusterReactiveCommands.class}, (p, m, a) -> Mono.defer(() -> {
                        Object o = next();
                        return o instanceof Throwable t ? Mono.error(t) : Mono.just(o);
                    }));
            return new ClusterRetry(async, reactive, null, StringCodec.UTF8, scheduler, policy,
                    (command, reason) -> {
                        synchronized (retries) {
                            retries.add(command + " " + reason);
                        }
                    }, "w-test");
        }

        @SuppressWarnings("unchecked")
        private RedisClusterAsyncCommands<String, String> async(ClusterRetry r) {
            return (RedisClusterAsyncCommands<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {RedisClusterAsyncCommands.class}, r.asyncHandler());
        }

        @SuppressWarnings("unchecked")
        private RedisClusterReactiveCommands<String, String> reactive(ClusterRetry r) {
            return (RedisClusterReactiveCommands<String, String>) Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {RedisClusterReactiveCommands.class},
                    r.reactiveHandler());
        }

        @Test
        void clusterDownAndTryAgainAreRetriedUntilTheClusterAnswers() {
            outcomes.add(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down"));
            outcomes.add(new RedisCommandExecutionException("TRYAGAIN Multiple keys request during rehashing"));
            assertThat(async(retry(Duration.ofSeconds(2))).set("k", "v").toCompletableFuture().join())
                    .isEqualTo("OK");
            assertThat(calls).hasValue(3);
            assertThat(retries).containsExactly("set CLUSTERDOWN", "set TRYAGAIN");
        }

        @Test
        void theSyncFacadeAndTheReactiveApiRetryTheSameWay() {
            ClusterRetry r = retry(Duration.ofSeconds(2));
            outcomes.add(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down"));
            @SuppressWarnings("unchecked")
            RedisClusterCommands<String, String> sync = (RedisClusterCommands<String, String>) Proxy
                    .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RedisClusterCommands.class},
                            new BlockingFacade(async(r), Duration.ofSeconds(1), Duration.ofSeconds(2)));
            assertThat(sync.set("k", "v")).isEqualTo("OK");
            outcomes.add(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down"));
            assertThat(reactive(r).set("k", "v").block(Duration.ofSeconds(5))).isEqualTo("OK");
            assertThat(retries).containsExactly("set CLUSTERDOWN", "set CLUSTERDOWN");
            assertThat(calls).hasValue(4);
        }

        @Test
        void whatMayHaveRunSurfacesAtOnce() {
            outcomes.add(new RedisCommandTimeoutException("Command timed out after 1 second(s)"));
            outcomes.add(new RedisCommandExecutionException("WRONGTYPE Operation against a key"));
            ClusterRetry r = retry(Duration.ofSeconds(2));
            assertThatThrownBy(() -> async(r).incr("k").toCompletableFuture().join())
                    .isInstanceOf(CompletionException.class).hasCauseInstanceOf(RedisCommandTimeoutException.class);
            assertThatThrownBy(() -> reactive(r).incr("k").block(Duration.ofSeconds(5)))
                    .isInstanceOf(RedisCommandExecutionException.class).hasMessageStartingWith("WRONGTYPE");
            assertThat(calls).hasValue(2);
            assertThat(retries).isEmpty();
        }

        @Test
        void anOutageLongerThanTheBudgetSurfacesItsLastErrorAfterAttemptsSpacedByTheBackoff() {
            // a clock that moves only by the backoff the retry asks to wait, jitter fixed at the middle
            AtomicLong clock = new AtomicLong();
            ScheduledThreadPoolExecutor waitNoTime = new ScheduledThreadPoolExecutor(1) {
                @Override
                public ScheduledFuture<?> schedule(Runnable task, long delay, TimeUnit unit) {
                    clock.addAndGet(unit.toNanos(delay));
                    task.run();
                    return super.schedule(() -> { }, 0, TimeUnit.NANOSECONDS);
                }
            };
            try {
                Duration budget = Duration.ofMillis(150);
                ClusterRetry r = retry(budget, waitNoTime, new RetryPolicy(budget, RedisMetrics.NONE, clock::get,
                        () -> 0.5));
                RedisClusterAsyncCommands<String, String> api = async(r);
                for (int i = 0; i < 1000; i++) {
                    outcomes.add(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down"));
                }
                assertThatThrownBy(() -> api.set("k", "v").toCompletableFuture().get(5, TimeUnit.SECONDS))
                        .hasCauseInstanceOf(RedisCommandExecutionException.class).hasMessageContaining("CLUSTERDOWN");
                // backoff 7.5, 15, 30, 60 ms, then what is left of 150 ms: attempts at 0, 7.5, 22.5, 52.5, 112.5, 150
                assertThat(calls).hasValue(6);
                assertThat(retries).hasSize(5);
                assertThat(clock.get()).isEqualTo(TimeUnit.MILLISECONDS.toNanos(150));
            } finally {
                waitNoTime.shutdownNow();
            }
        }

        @Test
        void closeFailsTheCommandsWaitingForARetryAtOnce() {
            for (int i = 0; i < 1000; i++) {
                outcomes.add(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down"));
            }
            ClusterRetry r = retry(Duration.ofSeconds(30));
            CompletableFuture<String> f = async(r).set("k", "v").toCompletableFuture();
            Mono<String> m = reactive(r).set("k", "v");
            CompletableFuture<String> g = m.toFuture();
            await().atMost(Duration.ofSeconds(5)).until(() -> retries.size() >= 2);
            r.close();
            assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS)).hasMessageContaining("CLUSTERDOWN");
            assertThatThrownBy(() -> g.get(5, TimeUnit.SECONDS)).hasMessageContaining("CLUSTERDOWN");
        }

        @Test
        void aMultiKeyCommandSplitAcrossSlotsIsNeverSentAgainSinceOtherPartsMayHaveRun() {
            // "a" and "b" hash to different slots: Lettuce sends one MSET per slot and fails the whole if one fails
            ClusterRetry r = retry(Duration.ofSeconds(2));
            outcomes.add(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down"));
            assertThatThrownBy(() -> async(r).mset(Map.of("a", "1", "b", "2")).toCompletableFuture().join())
                    .hasMessageContaining("CLUSTERDOWN").hasMessageContaining("outcome unknown");
            outcomes.add(new RedisCommandExecutionException("TRYAGAIN Multiple keys request during rehashing"));
            assertThatThrownBy(() -> reactive(r).del("a", "b").block(Duration.ofSeconds(5)))
                    .hasMessageContaining("TRYAGAIN").hasMessageContaining("outcome unknown");
            outcomes.add(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down"));
            assertThatThrownBy(() -> async(r).msetnx(Map.of("a", "1", "b", "2")).toCompletableFuture().join())
                    .hasMessageContaining("outcome unknown");
            assertThat(calls).hasValue(3);
            assertThat(retries).isEmpty();
        }

        @Test
        void aMultiKeyCommandWithinOneSlotIsOneCommandAndIsRetried() {
            ClusterRetry r = retry(Duration.ofSeconds(2));
            outcomes.add(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down"));
            assertThat(async(r).mset(Map.of("{t}a", "1", "{t}b", "2")).toCompletableFuture().join()).isEqualTo("OK");
            outcomes.add(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down"));
            outcomes.add(2L);
            assertThat(async(r).unlink("{t}a", "{t}b").toCompletableFuture().join()).isEqualTo(2L);
            assertThat(calls).hasValue(4);
            assertThat(retries).containsExactly("mset CLUSTERDOWN", "unlink CLUSTERDOWN");
        }

        @Test
        void connectionStateCommandsNeverReachTheSharedConnection() {
            ClusterRetry r = retry(Duration.ofSeconds(2));
            @SuppressWarnings("unchecked")
            RedisClusterCommands<String, String> sync = (RedisClusterCommands<String, String>) Proxy
                    .newProxyInstance(getClass().getClassLoader(), new Class<?>[] {RedisClusterCommands.class},
                            new BlockingFacade(async(r), Duration.ofSeconds(1), Duration.ofSeconds(2)));
            // Lettuce 6 has it on the command interfaces, 7 on the connection only
            Method autoFlush = LettuceLines.methodOrNull(RedisClusterAsyncCommands.class, "setAutoFlushCommands",
                    boolean.class);
            if (autoFlush != null) {
                assertThatThrownBy(() -> autoFlush.invoke(async(r), false)).cause()
                        .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("setAutoFlushCommands");
            }
            assertThatThrownBy(() -> async(r).setTimeout(Duration.ofMillis(1)))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> async(r).quit()).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> sync.quit()).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> reactive(r).quit()).isInstanceOf(UnsupportedOperationException.class);
            assertThatThrownBy(() -> async(r).dispatch(CommandType.MULTI, new StatusOutput<>(StringCodec.UTF8)))
                    .isInstanceOf(UnsupportedOperationException.class);
            assertThat(calls).hasValue(0);
        }

        @Test
        void dispatchIsNeverRetried() {
            outcomes.add(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down"));
            assertThatThrownBy(() -> async(retry(Duration.ofSeconds(2)))
                    .dispatch(CommandType.SET, new StatusOutput<>(StringCodec.UTF8)).toCompletableFuture().join())
                    .hasCauseInstanceOf(RedisCommandExecutionException.class);
            assertThat(calls).hasValue(1);
            assertThat(retries).isEmpty();
        }
    }
}
