package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The shared watch machinery, driven by hand: no Consul involved. */
class NameWatchTest {

    private ExecutorService listenerPool;
    private DefaultConsulDiscovery owner;
    private StubWatch watch;

    /** A watch whose requests the test answers itself. */
    static final class StubWatch extends NameWatch {
        final AtomicInteger polls = new AtomicInteger();

        StubWatch(DefaultConsulDiscovery owner) {
            super(new WatchKey(ServiceQuery.parse("web"), false), owner);
        }

        @Override
        void poll() {
            polls.incrementAndGet();
        }

        @Override
        CompletableFuture<Answer> fetchNow() {
            return CompletableFuture.failedFuture(new IOException("no agent"));
        }

        @Override
        int agentCount() {
            return 2;
        }
    }

    @BeforeEach
    void setUp() {
        listenerPool = Executors.newFixedThreadPool(4, r -> new Thread(r, "test-listener"));
        owner = (DefaultConsulDiscovery) ConsulDiscovery.builder().agent("127.0.0.1:1")
                .listenerExecutor(listenerPool).retryBackoff(Duration.ofMillis(1), Duration.ofMillis(5)).build();
        watch = new StubWatch(owner);
    }

    @AfterEach
    void tearDown() {
        watch.stop();
        owner.close();
        listenerPool.shutdownNow();
    }

    private static NameWatch.Answer answer(long index, String... hosts) {
        List<Endpoint> list = new ArrayList<>();
        for (String h : hosts) {
            list.add(Endpoint.of(h, 80));
        }
        return new NameWatch.Answer(list, index);
    }

    @Test
    @DisplayName("a throwing listener is logged; the others are called, and it gets later changes too")
    void throwingListener() {
        Recorder before = new Recorder();
        AtomicInteger thrower = new AtomicInteger();
        Recorder after = new Recorder();
        watch.register("web", before);
        watch.register("web", e -> {
            thrower.incrementAndGet();
            throw new IllegalStateException("boom");
        });
        watch.register("web", after);
        watch.succeeded(answer(10, "10.0.0.1"));
        watch.succeeded(answer(11, "10.0.0.2"));
        await().atMost(Duration.ofSeconds(5)).until(() -> after.calls.size() == 2);
        assertThat(before.calls).hasSize(2);
        assertThat(thrower.get()).isEqualTo(2);
        assertThat(after.threads).allMatch(n -> n.equals("test-listener"));
    }

    @Test
    @DisplayName("listeners are called in order and never concurrently, on the configured executor")
    void orderedAndSerial() {
        AtomicInteger inside = new AtomicInteger();
        AtomicInteger maxInside = new AtomicInteger();
        List<Long> seen = new CopyOnWriteArrayList<>();
        EndpointListener slow = e -> {
            maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
            seen.add(e.index());
            Thread.yield();
            inside.decrementAndGet();
        };
        watch.register("web", slow);
        watch.register("web", slow);
        for (int i = 1; i <= 300; i++) {
            watch.succeeded(answer(i, "10.0.0." + (i % 2)));
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> seen.size() == 600);
        assertThat(maxInside.get()).isEqualTo(1);
        for (int i = 0; i < 600; i += 2) {
            assertThat(seen.get(i)).isEqualTo(seen.get(i + 1)).isEqualTo(i / 2 + 1L);
        }
    }

    @Test
    @DisplayName("an index bump with the same endpoints updates the snapshot but calls nobody")
    void indexBumpIsNoChange() throws Exception {
        Recorder rec = new Recorder();
        watch.register("web.service.consul", rec);
        watch.succeeded(answer(10, "10.0.0.1"));
        watch.succeeded(answer(11, "10.0.0.1"));
        watch.succeeded(answer(12, "10.0.0.1", "10.0.0.2"));
        await().atMost(Duration.ofSeconds(5)).until(() -> rec.calls.size() == 2);
        assertThat(watch.current().index()).isEqualTo(12);
        listenerPool.submit(() -> { }).get();
        assertThat(rec.calls).extracting(Endpoints::index).containsExactly(10L, 12L);
        assertThat(rec.last().name()).isEqualTo("web.service.consul");
    }

    @Test
    @DisplayName("a late listener gets the current endpoints first; a closed one nothing more")
    void lateAndClosed() {
        watch.succeeded(answer(10, "10.0.0.1"));
        Recorder rec = new Recorder();
        Watch w = watch.register("web", rec);
        await().atMost(Duration.ofSeconds(5)).until(() -> rec.calls.size() == 1);
        w.close();
        watch.succeeded(answer(11, "10.0.0.9"));
        Recorder other = new Recorder();
        watch.register("web", other);
        await().atMost(Duration.ofSeconds(5)).until(() -> other.calls.size() == 1);
        assertThat(rec.calls).hasSize(1);
    }

    @Test
    @DisplayName("failures keep the last endpoints, marked stale, and call no listener; an answer clears it")
    void staleDuringOutage() {
        Recorder rec = new Recorder();
        watch.register("web", rec);
        watch.succeeded(answer(10, "10.0.0.1"));
        watch.failed("agent-1", new IOException("Connection refused"));
        watch.failed("agent-2", new IOException("500 No cluster leader"));
        Endpoints stale = watch.current();
        assertThat(stale.stale()).isTrue();
        assertThat(Recorder.addresses(stale)).containsExactly("10.0.0.1:80");
        assertThat(watch.firstAnswer()).isCompletedWithValue(stale);
        watch.succeeded(answer(11, "10.0.0.1"));
        assertThat(watch.current().stale()).isFalse();
        await().atMost(Duration.ofSeconds(5)).until(() -> rec.calls.size() == 1);
        assertThat(rec.calls).hasSize(1);
    }

    @Test
    @DisplayName("the first lookup gives up with a DiscoveryException once every agent failed")
    void firstLookupGivesUp() {
        CompletableFuture<Endpoints> first = watch.firstAnswer();
        watch.failed("agent-1", new IOException("Connection refused"));
        assertThat(first).isNotDone();
        watch.failed("agent-2", new IOException("Connection refused"));
        assertThatThrownBy(() -> first.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(DiscoveryException.class)
                .hasMessageContaining("Consul did not answer for 'web.service.consul'")
                .hasMessageContaining("127.0.0.1:1");
        // later callers wait for a later answer
        CompletableFuture<Endpoints> again = watch.firstAnswer();
        assertThat(again).isNotDone();
        watch.succeeded(answer(3, "10.0.0.3"));
        assertThat(again).isCompleted();
    }

    @Test
    @DisplayName("a refresh that cannot reach Consul answers the cached endpoints, stale")
    void refreshWhenUnreachable() throws Exception {
        watch.succeeded(answer(10, "10.0.0.1"));
        Endpoints e = watch.refresh().get(1, TimeUnit.SECONDS);
        assertThat(e.stale()).isTrue();
        assertThat(Recorder.addresses(e)).containsExactly("10.0.0.1:80");
    }

    @Test
    @DisplayName("stopping cancels the loop and fails waiting first lookups")
    void stop() {
        CompletableFuture<Endpoints> first = watch.firstAnswer();
        watch.stop();
        assertThat(watch.isStopped()).isTrue();
        assertThat(first).isCompletedExceptionally();
        watch.succeeded(answer(1, "10.0.0.1"));
        assertThat(watch.current()).isNull();
    }
}
