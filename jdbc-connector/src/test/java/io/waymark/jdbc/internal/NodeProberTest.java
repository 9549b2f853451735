package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.waymark.discovery.ConsulProperty;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.InMemoryDiscovery;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class NodeProberTest {

    private static final NodeProber.Probe WRITABLE = new NodeProber.Probe(NodeProber.Probe.State.WRITABLE, null);

    private final NodeProber prober = new NodeProber();

    @AfterEach
    void close() {
        prober.close();
    }

    @Nested
    class Pool {

        @Test
        void runsOnBoundedDaemonThreadsNamedAfterTheLibrary() throws Exception {
            CountDownLatch release = new CountDownLatch(1);
            List<Thread> threads = new ArrayList<>();
            List<CompletableFuture<NodeProber.Probe>> probes = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                probes.add(prober.probe("server-" + i, System.nanoTime(), () -> {
                    synchronized (threads) {
                        threads.add(Thread.currentThread());
                    }
                    block(release);
                    return WRITABLE;
                }));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> prober.threads() == NodeProber.THREADS);
            assertThat(prober.threads()).isEqualTo(NodeProber.THREADS);
            release.countDown();
            for (CompletableFuture<NodeProber.Probe> p : probes) {
                assertThat(p.get(10, TimeUnit.SECONDS)).isSameAs(WRITABLE);
            }
            synchronized (threads) {
                assertThat(threads).allSatisfy(t -> {
                    assertThat(t.isDaemon()).isTrue();
                    assertThat(t.getName()).startsWith("waymark-jdbc-probe-");
                });
            }
        }

        @Test
        void probesBeyondTheQueueAreRefusedNotQueued() throws Exception {
            CountDownLatch release = new CountDownLatch(1);
            int total = NodeProber.THREADS + NodeProber.QUEUE + 1;
            List<CompletableFuture<NodeProber.Probe>> probes = new ArrayList<>();
            for (int i = 0; i < total; i++) {
                probes.add(prober.probe("server-" + i, System.nanoTime(), () -> {
                    block(release);
                    return WRITABLE;
                }));
            }
            assertThat(probes.get(total - 1)).isCompletedExceptionally();
            release.countDown();
            assertThat(probes.get(0).get(10, TimeUnit.SECONDS)).isSameAs(WRITABLE);
        }

        @Test
        void closeStopsThePoolAndRefusesNewProbes() throws Exception {
            CountDownLatch started = new CountDownLatch(1);
            CountDownLatch never = new CountDownLatch(1);
            prober.probe("server", System.nanoTime(), () -> {
                started.countDown();
                block(never);
                return WRITABLE;
            });
            assertThat(started.await(10, TimeUnit.SECONDS)).isTrue();
            prober.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> prober.threads() == 0);
            CompletableFuture<NodeProber.Probe> late = prober.probe("other", System.nanoTime(), () -> WRITABLE);
            assertThat(late).isCompletedExceptionally();
            assertThat(catchCause(late)).isInstanceOf(RejectedExecutionException.class);
        }

        @Test
        void theRegistryClosesItWithTheDiscoveryClient() {
            DiscoveryRegistry registry = new DiscoveryRegistry(k -> new InMemoryDiscovery(), Duration.ZERO);
            DiscoveryKey key = new DiscoveryKey(Map.of(ConsulProperty.AGENT, "127.0.0.11:8500"), Map.of());
            DiscoveryRegistry.Lease first = registry.acquire(key);
            DiscoveryRegistry.Lease second = registry.acquire(key);
            NodeProber shared = first.prober();
            assertThat(second.prober()).as("one per discovery client").isSameAs(shared);
            first.close();
            assertThat(shared.isClosed()).as("one lease still open").isFalse();
            second.close();
            assertThat(shared.isClosed()).isTrue();
        }
    }

    @Nested
    class Sharing {

        @Test
        void aProbeStartedAfterTheCallersEvidenceIsShared() throws Exception {
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger runs = new AtomicInteger();
            long evidence = System.nanoTime();
            CompletableFuture<NodeProber.Probe> first = prober.probe("server", evidence, () -> {
                runs.incrementAndGet();
                block(release);
                return WRITABLE;
            });
            CompletableFuture<NodeProber.Probe> second = prober.probe("server", evidence, () -> {
                runs.incrementAndGet();
                return WRITABLE;
            });
            assertThat(second).isSameAs(first);
            release.countDown();
            first.get(10, TimeUnit.SECONDS);
            assertThat(runs).hasValue(1);
        }

        @Test
        void aProbeStartedBeforeTheCallersEvidenceIsNot() throws Exception {
            CountDownLatch release = new CountDownLatch(1);
            CompletableFuture<NodeProber.Probe> old = prober.probe("server", System.nanoTime(), () -> {
                block(release);
                return WRITABLE;
            });
            long evidence = System.nanoTime() + 1;
            CompletableFuture<NodeProber.Probe> fresh = prober.probe("server", evidence,
                    () -> new NodeProber.Probe(NodeProber.Probe.State.READ_ONLY, null));
            assertThat(fresh).isNotSameAs(old);
            assertThat(fresh.get(10, TimeUnit.SECONDS).state).isEqualTo(NodeProber.Probe.State.READ_ONLY);
            release.countDown();
        }
    }

    @Nested
    class Memory {

        @Test
        void remembersEveryInstanceSeenPerServiceBounded() {
            prober.remember("primary", List.of(Endpoint.of("10.0.0.1", 3306)));
            prober.remember("primary", List.of(Endpoint.of("10.0.0.2", 3306)));
            prober.remember("primary", List.of(Endpoint.of("10.0.0.1", 3306)));
            assertThat(prober.known("primary")).extracting(Endpoint::address)
                    .containsExactly("10.0.0.2:3306", "10.0.0.1:3306");
            assertThat(prober.known("replicas")).isEmpty();
            for (int i = 0; i < 40; i++) {
                prober.remember("primary", List.of(Endpoint.of("10.0.1." + i, 3306)));
            }
            assertThat(prober.known("primary")).hasSize(NodeProber.REMEMBERED)
                    .extracting(Endpoint::address).last().isEqualTo("10.0.1.39:3306");
        }
    }

    @Nested
    class SplitBrains {

        @Test
        void anEpisodeIsCountedOnceAndEndsWhenOneServerIsWritable() {
            assertThat(prober.splitBrain("primary")).as("starts an episode: warn").isTrue();
            assertThat(prober.splitBrain("primary")).as("same episode: no second warning").isFalse();
            assertThat(prober.inSplitBrain("primary")).isTrue();
            assertThat(prober.splitBrains("primary")).isEqualTo(1);
            prober.oneWritable("primary");
            assertThat(prober.inSplitBrain("primary")).isFalse();
            assertThat(prober.splitBrain("primary")).as("a new episode").isTrue();
            assertThat(prober.splitBrains("primary")).isEqualTo(2);
            assertThat(prober.splitBrains("replicas")).isZero();
            assertThat(prober.inSplitBrain("replicas")).isFalse();
        }
    }

    @Nested
    class Silence {

        private final NodeProber.Probe unreachable = new NodeProber.Probe(NodeProber.Probe.State.UNREACHABLE, "timed out");

        @Test
        void aServerWhoseProbeHasNotAnsweredForAWhileIsSilentUntilOneAnswers() throws Exception {
            CountDownLatch wake = new CountDownLatch(1);
            CompletableFuture<NodeProber.Probe> hanging = prober.probe("frozen", System.nanoTime(), () -> {
                block(wake);
                return unreachable;
            });
            assertThat(prober.silent("frozen")).as("asked a moment ago").isFalse();
            await().atMost(Duration.ofSeconds(10)).until(() -> prober.silent("frozen"));
            AtomicInteger runs = new AtomicInteger();
            assertThat(prober.probeOnce("frozen", () -> {
                runs.incrementAndGet();
                return WRITABLE;
            })).as("no second probe while one hangs").isSameAs(hanging);
            wake.countDown();
            hanging.get(10, TimeUnit.SECONDS);
            assertThat(prober.silent("frozen")).as("the probe that hung found nobody").isTrue();
            prober.probeOnce("frozen", () -> WRITABLE).get(10, TimeUnit.SECONDS);
            assertThat(prober.silent("frozen")).as("it answered").isFalse();
            assertThat(runs).hasValue(0);
        }

        @Test
        void aServerThatRefusesAtOnceIsNotSilent() throws Exception {
            prober.probe("dead", System.nanoTime(), () -> unreachable).get(10, TimeUnit.SECONDS);
            assertThat(prober.silent("dead")).isFalse();
        }

        @Test
        void anAbandonedServerIsForgottenOnceItAnswersReadOnly() {
            prober.abandon("10.0.0.1:3306");
            assertThat(prober.abandoned("10.0.0.1:3306")).isTrue();
            assertThat(prober.abandoned("10.0.0.2:3306")).isFalse();
            prober.demoted("10.0.0.1:3306");
            assertThat(prober.abandoned("10.0.0.1:3306")).isFalse();
        }
    }

    @Nested
    class RegisteredInstances {

        private final List<Endpoint> d = List.of(Endpoint.of("10.0.0.4", 3306));

        @Test
        void areWhatTheLookupGives() {
            assertThat(prober.registered("primary", () -> d, TimeUnit.SECONDS.toNanos(10)))
                    .extracting(Endpoint::address).containsExactly("10.0.0.4:3306");
            assertThat(prober.registered(null, () -> d, TimeUnit.SECONDS.toNanos(10))).isEmpty();
        }

        @Test
        void aSlowFirstLookupIsWaitedForBrieflyAndServesALaterRound() throws Exception {
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger lookups = new AtomicInteger();
            java.util.function.Supplier<List<Endpoint>> slow = () -> {
                lookups.incrementAndGet();
                block(release);
                return d;
            };
            long started = System.nanoTime();
            assertThat(prober.registered("primary", slow, TimeUnit.MILLISECONDS.toNanos(100)))
                    .as("nothing known yet").isEmpty();
            assertThat(System.nanoTime() - started).as("waited about the wait, not the lookup")
                    .isLessThan(TimeUnit.SECONDS.toNanos(5));
            assertThat(prober.registered("primary", slow, 0)).as("still looking").isEmpty();
            assertThat(lookups).as("one lookup in flight per name").hasValue(1);
            release.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> !prober.registered("primary", () -> d, 0).isEmpty());
        }

        @Test
        void aFailedLookupKeepsThePreviousAnswer() {
            assertThat(prober.registered("primary", () -> d, TimeUnit.SECONDS.toNanos(10))).hasSize(1);
            assertThat(prober.registered("primary", () -> {
                throw new IllegalStateException("agent down");
            }, TimeUnit.SECONDS.toNanos(10))).extracting(Endpoint::address).containsExactly("10.0.0.4:3306");
        }

        @Test
        void areForgottenOnClose() {
            assertThat(prober.registered("primary", () -> d, TimeUnit.SECONDS.toNanos(10))).hasSize(1);
            prober.close();
            assertThat(prober.registered("primary", () -> d, TimeUnit.SECONDS.toNanos(10))).isEmpty();
        }
    }

    private static void block(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Throwable catchCause(CompletableFuture<?> f) {
        try {
            f.get(10, TimeUnit.SECONDS);
            return null;
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            return e;
        }
    }
}
