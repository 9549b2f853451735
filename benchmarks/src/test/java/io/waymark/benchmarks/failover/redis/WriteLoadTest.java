package io.waymark.benchmarks.failover.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.waymark.benchmarks.failover.ClientResult;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The measurement itself, on an in-memory counter store standing in for a Redis master. */
class WriteLoadTest {

    /** INCR on a map; fails while {@link #failing}; answers from an empty store once {@link #forget} is called. */
    static final class CounterClient implements WriteClient {
        final Map<String, Long> store = new ConcurrentHashMap<>();
        final AtomicLong calls = new AtomicLong();
        volatile boolean failing;

        @Override
        public String name() {
            return "counter";
        }

        @Override
        public long incr(String key) {
            calls.incrementAndGet();
            if (failing) {
                throw new IllegalStateException("READONLY pretend");
            }
            return store.merge(key, 1L, Long::sum);
        }

        /** Like a node that never saw the acknowledged writes taking over. */
        void forget() {
            store.clear();
        }

        @Override
        public void close() {
        }
    }

    private final CounterClient client = new CounterClient();
    private final WriteLoad load = new WriteLoad(client, "t", 2, 3, 2, key -> Math.floorMod(key.hashCode(), 3));

    @AfterEach
    void stop() throws InterruptedException {
        load.stop(Duration.ofSeconds(5));
    }

    private void awaitWritesSince(long nanos) {
        await().atMost(Duration.ofSeconds(10)).until(() -> load.ackedSince(nanos, 0) && load.ackedSince(nanos, 1)
                && load.ackedSince(nanos, 2));
    }

    @Nested
    class Gaps {

        @Test
        void coverAtLeastThePeriodWithoutAcknowledgedWrites() throws InterruptedException {
            load.start();
            awaitWritesSince(System.nanoTime());
            long issued = System.nanoTime();
            client.failing = true;
            TimeUnit.MILLISECONDS.sleep(300); // the pretend failover: nothing is acknowledged meanwhile
            client.failing = false;
            long completed = System.nanoTime();
            awaitWritesSince(completed);
            load.stop(Duration.ofSeconds(5));

            assertThat(load.gapMillis(issued, completed, 1, Duration.ofSeconds(15))).isBetween(250L, 15_000L);
        }

        @Test
        void afterAnOutageRunFromThePromotionToTheFirstAcknowledgedWriteWithTheErrorsPerBucket()
                throws InterruptedException {
            load.start();
            awaitWritesSince(System.nanoTime());
            long before = System.nanoTime();
            client.failing = true;
            TimeUnit.MILLISECONDS.sleep(300); // the pretend outage: nothing is acknowledged meanwhile
            long promoted = System.nanoTime();
            client.failing = false;
            awaitWritesSince(promoted);
            load.stop(Duration.ofSeconds(5));

            assertThat(load.firstAckAfterMillis(promoted, 1, Duration.ofSeconds(15))).isBetween(0L, 15_000L);
            assertThat(load.firstAckAfterMillis(before, 1, Duration.ofSeconds(15))).as("the outage has no ack")
                    .isGreaterThanOrEqualTo(250L);
            for (int b = 0; b < 3; b++) {
                assertThat(load.errorsBetween(b, before, promoted)).as("bucket %d", b).isPositive();
                // a writer may be inside its failing call when the outage ends: give it a moment
                assertThat(load.errorsBetween(b, promoted + TimeUnit.MILLISECONDS.toNanos(50), System.nanoTime()))
                        .isZero();
            }
        }

        @Test
        void areNeverWhenNoWriteCameAfterTheFailoverCompleted() throws InterruptedException {
            load.start();
            awaitWritesSince(System.nanoTime());
            client.failing = true;
            long issued = System.nanoTime();
            load.stop(Duration.ofSeconds(5));

            assertThat(load.gapMillis(issued, issued, 0, Duration.ofSeconds(15))).isEqualTo(-1);
        }
    }

    @Nested
    class Counters {

        @Test
        void areCleanWhenEveryAcknowledgedWriteIsOnTheMaster() throws InterruptedException {
            load.start();
            awaitWritesSince(System.nanoTime());
            load.stop(Duration.ofSeconds(5));

            ClientResult r = load.result(List.of(), key -> client.store.getOrDefault(key, 0L), "");
            assertThat(r.writes()).isPositive();
            assertThat(r.writesAcceptedByReplica()).isZero();
            assertThat(r.acknowledgedLost()).isZero();
            assertThat(r.callerErrors()).isZero();
        }

        @Test
        void flagWritesAcceptedByANodeLackingAcknowledgedOnesAndTheirLoss() throws InterruptedException {
            load.start();
            awaitWritesSince(System.nanoTime());
            client.forget();
            awaitWritesSince(System.nanoTime());
            load.stop(Duration.ofSeconds(5));

            ClientResult r = load.result(List.of(), key -> client.store.getOrDefault(key, 0L), "");
            assertThat(r.writesAcceptedByReplica()).isPositive();
            assertThat(r.acknowledgedLost()).isPositive();
        }

        @Test
        void countCallerErrors() throws InterruptedException {
            client.failing = true;
            load.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> client.calls.get() >= 4);
            load.stop(Duration.ofSeconds(5));

            ClientResult r = load.result(List.of(), key -> 0L, "");
            assertThat(r.callerErrors()).isPositive();
            assertThat(r.writes()).isZero();
            assertThat(r.note()).contains("READONLY pretend");
        }
    }
}
