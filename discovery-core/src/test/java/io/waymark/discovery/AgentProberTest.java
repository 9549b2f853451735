package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The agent probe: its state machine driven by hand, and wired to a transport against a scripted agent. */
class AgentProberTest {

    /** Probes answered by the test; reactions recorded. */
    static final class FakeIo implements AgentProber.Io<String> {
        final Set<String> busy = ConcurrentHashMap.newKeySet();
        final Deque<String> pinged = new ArrayDeque<>();
        final Deque<CompletableFuture<Void>> pending = new ArrayDeque<>();
        final List<String> downs = new CopyOnWriteArrayList<>();
        final AtomicInteger pings = new AtomicInteger();
        volatile boolean throwing;

        @Override
        public boolean busy(String agent) {
            return busy.contains(agent);
        }

        @Override
        public synchronized CompletableFuture<?> ping(String agent) {
            pings.incrementAndGet();
            if (throwing) {
                throw new IllegalStateException("no request could be made");
            }
            CompletableFuture<Void> f = new CompletableFuture<>();
            pinged.add(agent);
            pending.add(f);
            return f;
        }

        @Override
        public void down(String agent) {
            downs.add(agent);
        }

        /** Answers the oldest probe in flight, which must be {@code agent}'s. */
        void answer(String agent) {
            take(agent).complete(null);
        }

        /** Fails the oldest probe in flight, which must be {@code agent}'s. */
        void fail(String agent) {
            take(agent).completeExceptionally(new IOException("timeout"));
        }

        private synchronized CompletableFuture<Void> take(String agent) {
            assertThat(pinged.poll()).as("the probe in flight").isEqualTo(agent);
            return pending.poll();
        }

        synchronized int inFlight() {
            return pending.size();
        }
    }

    private final FakeIo io = new FakeIo();
    private final AgentProber<String> prober = new AgentProber<>(List.of("a", "b"), io);

    @Nested
    @DisplayName("state machine")
    class StateMachine {

        @Test
        @DisplayName("an idle agent is not probed; a busy one once per tick, never twice at once")
        void onlyBusyAgents() {
            prober.tick();
            assertThat(io.pings.get()).isZero();
            io.busy.add("a");
            prober.tick();
            prober.tick();
            assertThat(io.pinged).containsExactly("a");
            io.answer("a");
            prober.tick();
            assertThat(io.pinged).containsExactly("a");
            assertThat(io.pings.get()).isEqualTo(2);
            assertThat(io.downs).isEmpty();
        }

        @Test
        @DisplayName("a failed probe is repeated at once; the second failure in a row makes the agent down")
        void twoFailuresMakeDown() {
            io.busy.add("a");
            prober.tick();
            io.fail("a");
            assertThat(io.pinged).as("asked again at once").containsExactly("a");
            assertThat(prober.isDown("a")).isFalse();
            assertThat(io.downs).isEmpty();
            io.fail("a");
            assertThat(prober.isDown("a")).isTrue();
            assertThat(io.downs).containsExactly("a");
            assertThat(io.inFlight()).as("no third probe before the next tick").isZero();
            assertThat(prober.isDown("b")).isFalse();
        }

        @Test
        @DisplayName("an answer in between starts the count over")
        void answerResetsCount() {
            io.busy.add("a");
            prober.tick();
            io.fail("a");
            io.answer("a");
            prober.tick();
            io.fail("a");
            assertThat(prober.isDown("a")).isFalse();
            io.answer("a");
            assertThat(io.downs).isEmpty();
        }

        @Test
        @DisplayName("a down agent is probed while idle, each failure cancels again; its first answer makes it up")
        void downAgentRecovers() {
            io.busy.add("a");
            prober.tick();
            io.fail("a");
            io.fail("a");
            io.busy.remove("a");
            prober.tick();
            assertThat(io.pinged).as("probed although idle").containsExactly("a");
            io.fail("a");
            assertThat(io.downs).as("requests that reached it meanwhile are cancelled too")
                    .containsExactly("a", "a");
            prober.tick();
            io.answer("a");
            assertThat(prober.isDown("a")).isFalse();
            prober.tick();
            assertThat(io.inFlight()).as("idle and up: left alone").isZero();
            assertThat(io.downs).hasSize(2);
        }

        @Test
        @DisplayName("agents are probed independently: one probe per agent")
        void perAgent() {
            io.busy.add("a");
            io.busy.add("b");
            prober.tick();
            assertThat(io.pinged).containsExactly("a", "b");
            io.answer("a");
            prober.tick();
            assertThat(io.pinged).containsExactly("b", "a");
        }

        @Test
        @DisplayName("a probe that cannot even be sent counts as failed")
        void throwingPing() {
            io.busy.add("a");
            io.throwing = true;
            prober.tick();
            assertThat(io.pings.get()).isEqualTo(2);
            assertThat(prober.isDown("a")).isTrue();
            assertThat(io.downs).containsExactly("a");
        }

        @Test
        @DisplayName("after close, ticks probe nothing and late answers change nothing")
        void closed() {
            io.busy.add("a");
            prober.tick();
            prober.close();
            io.fail("a");
            assertThat(io.inFlight()).isZero();
            prober.tick();
            assertThat(io.pings.get()).isEqualTo(1);
            assertThat(prober.isDown("a")).isFalse();
            assertThat(io.downs).isEmpty();
        }
    }

    @Test
    @DisplayName("on a scheduler: a probe every interval while busy, none after close")
    void scheduled() {
        ScheduledExecutorService scheduler = new ScheduledThreadPoolExecutor(1);
        try {
            AgentProber.Io<String> answering = new AgentProber.Io<>() {
                @Override
                public boolean busy(String agent) {
                    return true;
                }

                @Override
                public CompletableFuture<?> ping(String agent) {
                    io.pings.incrementAndGet();
                    return CompletableFuture.completedFuture(null);
                }

                @Override
                public void down(String agent) {
                    io.downs.add(agent);
                }
            };
            AgentProber<String> p = new AgentProber<>(List.of("a"), answering);
            p.start(scheduler, Duration.ofMillis(100));
            await().atMost(Duration.ofSeconds(5)).until(() -> io.pings.get() >= 3);
            p.close();
            int after = io.pings.get();
            await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2)).until(() -> io.pings.get() == after);
            assertThat(io.downs).isEmpty();
        } finally {
            scheduler.shutdownNow();
        }
    }

    @Nested
    @DisplayName("rotation")
    class Rotations {

        @Test
        @DisplayName("moving on skips a down agent while another is usable; with all others down, the next one")
        void skipsDown() {
            Set<String> down = ConcurrentHashMap.newKeySet();
            Rotation<String> r = new Rotation<>(List.of("a", "b", "c"), m -> !down.contains(m),
                    new java.util.concurrent.atomic.LongAdder());
            down.add("b");
            r.failed("a");
            assertThat(r.current()).isEqualTo("c");
            down.add("a");
            r.failed("c");
            assertThat(r.current()).as("all others down").isEqualTo("a");
            down.clear();
            r.failed("a");
            assertThat(r.current()).as("eligible again").isEqualTo("b");
        }
    }

    @Nested
    @DisplayName("wired to a transport")
    class Wired {

        private MockWebServer server;
        private ConsulDiscovery discovery;
        private final CountDownLatch released = new CountDownLatch(1);

        @AfterEach
        void stop() {
            if (discovery != null) {
                discovery.close();
            }
            released.countDown();
            if (server != null) {
                server.close();
            }
        }

        @Test
        @DisplayName("a frozen agent: its blocking request is cancelled, endpoints stale within seconds; "
                + "fresh again once it answers")
        void frozenAgent() throws Exception {
            AtomicBoolean frozen = new AtomicBoolean();
            AtomicInteger held = new AtomicInteger();
            AtomicInteger index = new AtomicInteger(5);
            AtomicReference<RecordedRequest> aProbe = new AtomicReference<>();
            server = ScriptedAgent.start(request -> {
                boolean probe = HttpTransport.PROBE_PATH.equals(request.getUrl().encodedPath());
                if (probe) {
                    aProbe.set(request);
                }
                boolean blocking = request.getUrl().queryParameter("index") != null;
                if (frozen.get() || blocking) {
                    // frozen: the connection stays open and nothing comes back; a blocking
                    // query is held far longer than any timeout, so only a cancel ends it early
                    if (blocking) {
                        held.incrementAndGet();
                    }
                    released.await(60, TimeUnit.SECONDS);
                    return new MockResponse.Builder().code(500).body("released").build();
                }
                if (probe) {
                    return new MockResponse.Builder().code(200).body("{}").build();
                }
                return HttpWatchTest.health(index.incrementAndGet(), "10.0.0.1");
            });
            discovery = ConsulDiscovery.builder().agent("127.0.0.1:" + server.getPort())
                    .agentProbeInterval(Duration.ofMillis(200)).blockingWait(Duration.ofMinutes(5))
                    .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).token("probe-secret-token").build();
            assertThat(discovery.resolve("web").stale()).isFalse();
            await().atMost(Duration.ofSeconds(5)).until(() -> held.get() == 1);

            await().atMost(Duration.ofSeconds(5)).until(() -> aProbe.get() != null);
            assertThat(aProbe.get().getHeaders().get("X-Consul-Token")).as("the probe needs no secret").isNull();

            frozen.set(true);
            await().atMost(Duration.ofSeconds(10)).until(() -> discovery.resolve("web").stale());
            assertThat(Recorder.addresses(discovery.resolve("web"))).containsExactly("10.0.0.1:80");

            frozen.set(false);
            await().atMost(Duration.ofSeconds(10)).until(() -> !discovery.resolve("web").stale());
            assertThat(Recorder.addresses(discovery.resolve("web"))).containsExactly("10.0.0.1:80");
        }
    }
}
