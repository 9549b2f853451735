package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.codec.StringCodec;
import io.waymark.discovery.InMemoryDiscovery;
import io.waymark.redis.TopologyMode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class StandaloneRouterTest {

    private static Node<String, String> node(String address) {
        // never connected in these tests: only the choice among probed roles is under test
        return new Node<>(address, () -> { throw new UnsupportedOperationException(); });
    }

    private final Node<String, String> a = node("127.0.0.21:6379");
    private final Node<String, String> b = node("127.0.0.22:6379");
    private final Node<String, String> c = node("127.0.0.23:6379");

    @Nested
    class ChooseMaster {

        @Test
        void noNodeAnsweredMasterMeansNoMasterWhateverConsulSays() {
            assertThat(MasterChoice.choose(a, List.of(), Set.of(a.address()))).isNull();
        }

        @Test
        void keepsTheCurrentMasterWhileItIsListedAndStillMaster() {
            // mid-switchover both answer master for a moment: do not flap
            assertThat(MasterChoice.choose(a, List.of(b, a), Set.of(b.address(), a.address())))
                    .isSameAs(a);
        }

        @Test
        void movesToTheListedMasterWhenTheCurrentOneIsNoLongerMaster() {
            assertThat(MasterChoice.choose(a, List.of(b), Set.of(a.address(), b.address()))).isSameAs(b);
        }

        @Test
        void prefersAListedMasterOverAnUnlistedOne() {
            assertThat(MasterChoice.choose(a, List.of(a, b), Set.of(b.address()))).isSameAs(b);
        }

        @Test
        void takesAPromotedReplicaBeforeConsulListsIt() {
            assertThat(MasterChoice.choose(a, List.of(c), Set.of(a.address()))).isSameAs(c);
        }

        @Test
        void keepsTheCurrentMasterWhenConsulListsNothing() {
            assertThat(MasterChoice.choose(a, List.of(c, a), Set.of())).isSameAs(a);
        }

        @Test
        void ofTwoListedMastersTheOneWithTheHighestReplicationOffsetWinsWhateverTheProbeOrder() {
            a.offset = 5_000;
            b.offset = 4_000;
            Set<String> both = Set.of(a.address(), b.address());
            assertThat(MasterChoice.choose(null, List.of(b, a), both)).isSameAs(a);
            assertThat(MasterChoice.choose(null, List.of(a, b), both)).isSameAs(a);
        }

        @Test
        void theCurrentMasterKeepsTheWritesWhateverTheOffsets() {
            a.offset = 5_000;
            b.offset = 4_000;
            assertThat(MasterChoice.choose(b, List.of(a, b), Set.of(a.address(), b.address()))).isSameAs(b);
        }

        @Test
        void equalOffsetsTakeTheLowestAddress() {
            a.offset = 700;
            b.offset = 700;
            assertThat(MasterChoice.choose(null, List.of(b, a), Set.of(a.address(), b.address()))).isSameAs(a);
        }

        @Test
        void aNodeRestartedEmptyAsMasterNeverWinsOverOneWithData() {
            a.offset = 0;
            b.offset = 9_000;
            assertThat(MasterChoice.choose(null, List.of(a, b), Set.of(a.address(), b.address()))).isSameAs(b);
            assertThat(MasterChoice.choose(a, List.of(a, b), Set.of(a.address()))).as("listed or not").isSameAs(b);
            assertThat(MasterChoice.choose(null, List.of(a), Set.of(a.address()))).as("but alone it is the master")
                    .isSameAs(a);
        }
    }

    /** Reconciliations against in-memory servers, on a clock the test moves. */
    @Nested
    class Reconcile {

        private final FakeRedisServer m = new FakeRedisServer(7201, "master");
        private final FakeRedisServer r1 = new FakeRedisServer(7202, "slave");
        private final FakeRedisServer r2 = new FakeRedisServer(7203, "slave");
        private final Map<String, FakeRedisServer> servers =
                FakeRedisServer.byAddress(m, r1, r2);
        private final InMemoryDiscovery discovery = new InMemoryDiscovery();
        private final AtomicLong clock = new AtomicLong(TimeUnit.HOURS.toNanos(1));
        private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
        private StandaloneRouter<String, String> router;

        @BeforeEach
        void consulListsTheMasterAndTwoReplicas() {
            discovery.set("w", m.endpoint()).set("r", r1.endpoint(), r2.endpoint());
            RedisSettings<String, String> settings = RedisSettings.builder(StringCodec.UTF8).discovery(discovery)
                    .writeService("w").readService("r").topology(TopologyMode.STANDALONE)
                    .commandTimeout(Duration.ofSeconds(1)).healthCheckInterval(Duration.ofHours(1))
                    .ticker(clock::get).build();
            router = new StandaloneRouter<>(settings,
                    address -> new Node<>(address, () -> servers.get(address).connect()), scheduler);
            router.start();
        }

        @AfterEach
        void stop() {
            router.close().join();
            scheduler.shutdownNow();
        }

        private Topology<String, String> reconcile() throws Exception {
            return router.requestReconcile(false).get(5, TimeUnit.SECONDS);
        }

        private void later(Duration d) {
            clock.addAndGet(d.toNanos());
        }

        @Test
        void theMasterTakesWritesAndTheListedReplicasReads() throws Exception {
            Topology<String, String> s = reconcile();
            assertThat(s.master().address()).isEqualTo(m.address());
            assertThat(s.replicas()).extracting(Node::address).containsExactlyInAnyOrder(r1.address(), r2.address());
        }

        @Test
        void aReplicaThatLeftConsulTakesNoMoreReadsAndIsClosedAfterTheRetainPeriod() throws Exception {
            discovery.set("r", r1.endpoint());
            assertThat(reconcile().replicas()).extracting(Node::address).containsExactly(r1.address());
            assertThat(router.nodes()).extracting(Node::address).as("kept a while: a promoted replica may "
                    + "not be listed yet").contains(r2.address());
            later(Duration.ofSeconds(31));
            reconcile();
            assertThat(router.nodes()).extracting(Node::address).doesNotContain(r2.address());
        }

        @Test
        void anUnlistedNodeThatAnswersMasterIsDroppedAfterTheRetainPeriodToo() throws Exception {
            r2.role = "master";
            r2.offset = 10;
            discovery.set("r", r1.endpoint());
            assertThat(reconcile().master().address()).isEqualTo(m.address());
            later(Duration.ofSeconds(31));
            reconcile();
            assertThat(router.nodes()).extracting(Node::address).containsExactlyInAnyOrder(m.address(),
                    r1.address());
        }

        @Test
        void aNodeRestartedEmptyAsMasterDoesNotTakeTheWritesEvenWhenConsulListsIt() throws Exception {
            r2.role = "master";
            r2.offset = 0;
            discovery.set("w", r2.endpoint(), m.endpoint());
            assertThat(reconcile().master().address()).isEqualTo(m.address());
        }

        @Test
        void twoMastersLongerThanASwitchoverIsOneEpisodeCountedOnce() throws Exception {
            r1.role = "master";
            r1.offset = 900;
            discovery.set("w", r1.endpoint(), m.endpoint());
            assertThat(reconcile().master().address()).as("the higher offset").isEqualTo(m.address());
            later(Duration.ofMillis(500));
            reconcile();
            assertThat(router.twoMastersEpisodes()).as("a switchover's overlap").isZero();
            later(Duration.ofMillis(600));
            reconcile();
            assertThat(router.twoMastersEpisodes()).isEqualTo(1);
            later(Duration.ofSeconds(5));
            reconcile();
            assertThat(router.twoMastersEpisodes()).as("once per episode").isEqualTo(1);

            r1.role = "slave";
            reconcile();
            r1.role = "master";
            reconcile();
            later(Duration.ofMillis(1100));
            reconcile();
            assertThat(router.twoMastersEpisodes()).as("a new episode").isEqualTo(2);
            assertThat(router.snapshot().master().address()).isEqualTo(m.address());
        }

        @Test
        void aMasterKeepsTheWritesThroughOneTimedOutProbeAndLosesThemOnTheSecond() throws Exception {
            reconcile();
            m.frozen = true;
            assertThat(reconcile().master().address()).as("one timeout: a busy host").isEqualTo(m.address());
            long start = System.nanoTime();
            assertThat(reconcile().master().address()).as("its next probe still out: no news yet")
                    .isEqualTo(m.address());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("a round does not wait for a suspect master")
                    .isLessThan(Duration.ofMillis(900));
            // each round may wait out a 1 s probe timeout: a loaded 2-core CI machine stretched three rounds past 3 s
            await().atMost(Duration.ofSeconds(10)).until(() -> reconcile().master() == null);
        }

        @Test
        void aSilentMasterLosesTheWritesToANodeAnsweringMasterWithoutWaitingForItsProbeTimeout() throws Exception {
            reconcile();
            r1.role = "master";
            r1.offset = 5_000;
            m.frozen = true;
            long start = System.nanoTime();
            assertThat(reconcile().master().address()).as("an outside actor promoted r1").isEqualTo(r1.address());
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("well before the 1 s probe timeout")
                    .isLessThan(Duration.ofMillis(900));
        }

        @Test
        void aFencedMasterThatWakesTakesNoWriteBackUntilItAnsweredAsAReplica() throws Exception {
            reconcile();
            r1.role = "master";
            r1.offset = 5_000;
            m.frozen = true;
            m.offset = 9_000;
            assertThat(reconcile().master().address()).isEqualTo(r1.address());
            // it wakes still believing it is the master, with the highest offset, and Consul lists only it
            m.frozen = false;
            assertThat(reconcile().master().address()).isEqualTo(r1.address());
            later(Duration.ofSeconds(6));
            assertThat(reconcile().master().address()).as("Consul still lists only the old master")
                    .isEqualTo(r1.address());
            // demoted by the outside actor, then the new master fails: the old one may serve again
            m.role = "slave";
            reconcile();
            r1.role = "slave";
            m.role = "master";
            assertThat(reconcile().master().address()).isEqualTo(m.address());
        }

        @Test
        void aMasterThatConsulStopsListingForAMomentKeepsTheWrites() throws Exception {
            reconcile();
            r1.role = "master";
            r1.offset = 5_000;
            discovery.set("w", r1.endpoint());
            assertThat(reconcile().master().address()).as("a health check that failed once").isEqualTo(m.address());
            later(Duration.ofSeconds(6));
            assertThat(reconcile().master().address()).as("Consul means it").isEqualTo(r1.address());
        }

        @Test
        void twoMastersForAMomentAreNoEpisode() throws Exception {
            r1.role = "master";
            reconcile();
            later(Duration.ofMillis(300));
            r1.role = "slave";
            reconcile();
            later(Duration.ofSeconds(2));
            reconcile();
            assertThat(router.twoMastersEpisodes()).isZero();
        }
    }
}
