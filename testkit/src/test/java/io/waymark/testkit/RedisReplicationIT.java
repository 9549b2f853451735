package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.internal.Resp;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("RedisReplication")
class RedisReplicationIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private RedisReplication rr;

    @BeforeEach
    void start() {
        rr = RedisReplication.builder().replicas(2).password("secret")
                .serverOption("--maxmemory-policy allkeys-lru").start();
    }

    @AfterEach
    void stop() {
        rr.close();
    }

    static Object call(RedisNode n, String... args) {
        return Resp.call(n.host(), n.port(), "secret", args);
    }

    @Nested
    @DisplayName("when started")
    class Started {

        @Test
        void hasOneMasterAndTwoReplicasOnTheirOwnAddresses() {
            assertThat(rr.nodes()).hasSize(3).extracting(RedisNode::host).doesNotHaveDuplicates();
            assertThat(rr.nodes()).extracting(RedisNode::port).containsOnly(6379);
            assertThat(rr.master().role()).isEqualTo("master");
            assertThat(rr.replicas()).hasSize(2).allSatisfy(r -> assertThat(r.role()).isEqualTo("slave"));
            assertThat(rr.master().address()).isEqualTo(rr.master().host() + ":6379");
        }

        @Test
        void everyNodeRunsWithTheServerOptionsAlsoAfterARestart() {
            for (RedisNode n : rr.nodes()) {
                assertThat(call(n, "CONFIG", "GET", "maxmemory-policy"))
                        .isEqualTo(List.of("maxmemory-policy", "allkeys-lru"));
            }
            RedisNode r = rr.replicas().get(0);
            r.stop();
            r.start();
            assertThat(call(r, "CONFIG", "GET", "maxmemory-policy"))
                    .isEqualTo(List.of("maxmemory-policy", "allkeys-lru"));
            assertThat(r.role()).as("the fixture's own options still apply").isEqualTo("slave");
        }

        @Test
        void replicatesWritesAndRequiresAuth() {
            call(rr.master(), "SET", "k", "v");
            for (RedisNode r : rr.replicas()) {
                await().atMost(WAIT).until(() -> "v".equals(call(r, "GET", "k")));
            }
            RedisNode m = rr.master();
            assertThatThrownBy(() -> Resp.call(m.host(), m.port(), null, "GET", "k"))
                    .hasMessageContaining("NOAUTH");
        }
    }

    @Nested
    @DisplayName("switchover")
    class Switchover {

        @Test
        void promotesTheReplicaAndRepointsTheOthersAndTheOldMaster() {
            RedisNode old = rr.master();
            RedisNode target = rr.replicas().get(0);
            RedisNode other = rr.replicas().get(1);
            call(old, "SET", "before", "1");
            rr.switchover(target);
            assertThat(rr.master()).isSameAs(target);
            assertThat(target.role()).isEqualTo("master");
            assertThat(old.role()).isEqualTo("slave");
            assertThat(other.role()).isEqualTo("slave");
            assertThat(call(target, "GET", "before")).isEqualTo("1");
            call(target, "SET", "after", "2");
            await().atMost(WAIT).until(() -> "2".equals(call(old, "GET", "after")));
            await().atMost(WAIT).until(() -> "2".equals(call(other, "GET", "after")));
            assertThatThrownBy(() -> call(old, "SET", "x", "y")).hasMessageContaining("READONLY");
        }
    }

    @Nested
    @DisplayName("faults")
    class Faults {

        @Test
        void killThenPromoteMakesTheReplicaMaster() {
            RedisNode old = rr.master();
            long pid = old.pid();
            rr.kill(old);
            assertThat(Pids.alive(pid)).isFalse();
            RedisNode target = rr.replicas().get(1);
            rr.promote(target);
            assertThat(target.role()).isEqualTo("master");
            RedisNode other = rr.replicas().stream().filter(n -> n != old).findFirst().orElseThrow();
            await().atMost(WAIT).until(() -> "slave".equals(other.role())
                    && String.valueOf(call(other, "INFO", "replication"))
                            .contains("master_host:" + target.host()));
            old.start();
            assertThat(old.role()).isEqualTo("slave");
        }

        @Test
        void aFrozenNodeAnswersNothingUntilThawed() {
            RedisNode r = rr.replicas().get(0);
            r.freeze();
            try {
                assertThat(r.isRunning()).isTrue();
                assertThatThrownBy(() -> call(r, "PING")).hasMessageContaining("failed");
            } finally {
                r.thaw();
            }
            assertThat(call(r, "PING")).isEqualTo("PONG");
        }

        @Test
        void aStoppedReplicaRestartsAsAReplicaAndResyncs() {
            RedisNode r = rr.replicas().get(0);
            call(rr.master(), "SET", "k", "v");
            r.stop();
            assertThat(r.isRunning()).isFalse();
            r.start();
            assertThat(r.role()).isEqualTo("slave");
            await().atMost(WAIT).until(() -> "v".equals(call(r, "GET", "k")));
        }
    }

    @Nested
    @DisplayName("outside promoter")
    class OutsidePromoter {

        static long offset(RedisNode n) {
            return Long.parseLong(Resp.infoField(String.valueOf(call(n, "INFO", "replication")),
                    "slave_repl_offset"));
        }

        @Test
        void promotesTheReplicaWithTheHighestOffsetAfterTheMasterDies() {
            RedisNode old = rr.master();
            RedisNode lagging = rr.replicas().get(0);
            RedisNode ahead = rr.replicas().get(1);
            // the first replica misses the last writes: frozen, and its link cut (else the kernel
            // would still buffer the stream for it), while they replicate to the other
            String link = replicaLinkAddress(lagging);
            lagging.freeze();
            assertThat(call(old, "CLIENT", "KILL", "ADDR", link)).isEqualTo(1L);
            for (int i = 0; i < 50; i++) {
                call(old, "SET", "k" + i, "v");
            }
            await().atMost(WAIT).until(() -> "v".equals(call(ahead, "GET", "k49")));
            Promotion<RedisNode> p = rr.promoteWhenMasterFails(Duration.ofSeconds(1));
            long killed = System.nanoTime();
            old.kill();
            lagging.thaw();
            assertThat(offset(ahead)).isGreaterThan(offset(lagging));
            assertThat(p.await(WAIT)).isSameAs(ahead);
            // the delay counts from the failure the promoter saw, two probes after the kill
            assertThat(Duration.ofNanos(p.promotedAtNanos() - killed)).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            assertThat(rr.master()).isSameAs(ahead);
            assertThat(ahead.role()).isEqualTo("master");
            await().atMost(WAIT).until(() -> "v".equals(call(lagging, "GET", "k49")));
            old.start();
            assertThat(old.role()).isEqualTo("slave");
            rr.awaitReplicasInSync();
        }

        /** The local address of {@code replica}'s link to its master, as the master sees its peer. */
        static String replicaLinkAddress(RedisNode replica) {
            for (String line : String.valueOf(call(replica, "CLIENT", "LIST")).split("\n")) {
                if (line.contains(" flags=M ")) {
                    String laddr = line.substring(line.indexOf(" laddr=") + 7);
                    return laddr.substring(0, laddr.indexOf(' '));
                }
            }
            throw new AssertionError("no master link on " + replica);
        }

        @Test
        void demotesAFrozenMasterOnceItThaws() {
            RedisNode old = rr.master();
            Promotion<RedisNode> p = rr.promoteWhenMasterFails(Duration.ofMillis(200));
            old.freeze(Duration.ofSeconds(3));
            RedisNode promoted = p.await(WAIT);
            assertThat(promoted).isNotSameAs(old);
            assertThat(old.isFrozen()).as("promoted while the old master is still frozen").isTrue();
            await().atMost(WAIT).until(() -> !old.isFrozen());
            await().atMost(WAIT).until(() -> "slave".equals(old.role()));
            call(promoted, "SET", "after", "1");
            await().atMost(WAIT).until(() -> "1".equals(call(old, "GET", "after")));
        }

        @Test
        void promotesADelayAfterBeingTriggered() {
            long triggered = System.nanoTime();
            Promotion<RedisNode> p = rr.promoteBestReplica(Duration.ofMillis(700));
            RedisNode promoted = p.await(WAIT);
            assertThat(Duration.ofNanos(p.promotedAtNanos() - triggered)).isGreaterThanOrEqualTo(Duration.ofMillis(700));
            assertThat(promoted.role()).isEqualTo("master");
            rr.awaitReplicasInSync();
            assertThat(rr.replicas()).allSatisfy(r -> assertThat(r.role()).isEqualTo("slave"));
        }

        @Test
        void failsClearlyWhenNoReplicaAnswers() {
            rr.replicas().forEach(RedisNode::kill);
            Promotion<RedisNode> p = rr.promoteBestReplica(Duration.ZERO);
            assertThatThrownBy(() -> p.await(WAIT)).hasMessageContaining("no replica")
                    .hasMessageContaining("answered");
        }
    }

    @Nested
    @DisplayName("close")
    class Close {

        @Test
        void leavesNoProcess() {
            Pids.assertCloseEndsAll(rr.nodes().stream().map(RedisNode::pid).toList(), rr::close);
        }

        @Test
        void thawsAndStopsFrozenNodesAndCancelsWhatIsPending() {
            rr.replicas().get(0).freeze();
            rr.replicas().get(1).freeze(Duration.ofMinutes(10));
            Promotion<RedisNode> pending = rr.promoteBestReplica(Duration.ofMinutes(10));
            long t0 = System.nanoTime();
            Pids.assertCloseEndsAll(rr.nodes().stream().map(RedisNode::pid).toList(), rr::close);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(30));
            assertThat(pending.isDone()).isTrue();
            assertThatThrownBy(() -> pending.await(Duration.ZERO)).hasMessageContaining("cancelled");
            assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("waymark-testkit-redis-"));
        }
    }

    @Nested
    @DisplayName("with Consul role checks")
    class WithRoleChecks {

        @Test
        void consulFollowsTheSwitchover() {
            ConsulCluster.Builder b = ConsulCluster.builder().servers(1);
            int i = 0;
            for (RedisNode n : rr.nodes()) {
                b.clientAgent("redis0" + (++i), RoleChecks.redis(n, "secret", "w-master-redis-6379",
                        "r-slave-redis-6379", Duration.ofMillis(500)));
            }
            try (ConsulCluster consul = b.start()) {
                assertThat(consul.clients()).extracting(ConsulAgent::host)
                        .containsExactlyElementsOf(rr.nodes().stream().map(RedisNode::host).toList());
                consul.awaitPassing("w-master-redis-6379", 1, WAIT);
                consul.awaitPassing("r-slave-redis-6379", 2, WAIT);
                assertThat(consul.passing("w-master-redis-6379")).containsExactly(rr.master().address());
                RedisNode target = rr.replicas().get(0);
                rr.switchover(target);
                await().atMost(WAIT).until(() ->
                        consul.passing("w-master-redis-6379").equals(List.of(target.address())));
                consul.awaitPassing("r-slave-redis-6379", 2, WAIT);
            }
        }
    }
}
