package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.redis.ReadPolicy;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The read candidates each snapshot precomputes per policy: order, turns, and skipping what is down. */
class ReadCandidatesTest {

    private final FakeRedisServer masterServer = new FakeRedisServer(7101, "master");
    private final FakeRedisServer replica1Server = new FakeRedisServer(7102, "slave");
    private final FakeRedisServer replica2Server = new FakeRedisServer(7103, "slave");
    private final FakeRedisServer replica3Server = new FakeRedisServer(7104, "slave");
    private final Node<String, String> m = connected(masterServer);
    private final Node<String, String> r1 = connected(replica1Server);
    private final Node<String, String> r2 = connected(replica2Server);
    private final Node<String, String> r3 = connected(replica3Server);
    private final List<Node<String, String>> replicas = List.of(r1, r2, r3);

    private static Node<String, String> connected(FakeRedisServer server) {
        Node<String, String> n = new Node<>(server.address(), server::connect);
        n.connect().join();
        return n;
    }

    private List<Node<String, String>> order(ReadPolicy policy, int turn) {
        return ReadCandidates.of(policy, m, replicas).inOrder(turn);
    }

    @Nested
    class PerPolicy {

        @Test
        void masterIsTheMasterAloneAndTakesNoTurns() {
            ReadCandidates<String, String> c = ReadCandidates.of(ReadPolicy.MASTER, m, replicas);
            assertThat(c.inOrder(0)).containsExactly(m);
            assertThat(c.inOrder(7)).containsExactly(m);
            assertThat(c.rotates()).isFalse();
        }

        @Test
        void masterPreferredPutsTheMasterFirstAndRotatesTheReplicasBehindIt() {
            assertThat(order(ReadPolicy.MASTER_PREFERRED, 0)).containsExactly(m, r1, r2, r3);
            assertThat(order(ReadPolicy.MASTER_PREFERRED, 1)).containsExactly(m, r2, r3, r1);
        }

        @Test
        void replicaIsTheReplicasInTurnWithoutTheMaster() {
            assertThat(order(ReadPolicy.REPLICA, 0)).containsExactly(r1, r2, r3);
            assertThat(order(ReadPolicy.REPLICA, 1)).containsExactly(r2, r3, r1);
            assertThat(order(ReadPolicy.REPLICA, 2)).containsExactly(r3, r1, r2);
        }

        @Test
        void replicaPreferredRotatesTheReplicasAndKeepsTheMasterLast() {
            assertThat(order(ReadPolicy.REPLICA_PREFERRED, 0)).containsExactly(r1, r2, r3, m);
            assertThat(order(ReadPolicy.REPLICA_PREFERRED, 2)).containsExactly(r3, r1, r2, m);
        }

        @Test
        void anyRotatesOverEveryNodeMasterIncluded() {
            Set<Node<String, String>> firsts = new HashSet<>();
            for (int turn = 0; turn < 4; turn++) {
                List<Node<String, String>> o = order(ReadPolicy.ANY, turn);
                assertThat(o).containsExactlyInAnyOrder(m, r1, r2, r3);
                firsts.add(o.get(0));
            }
            assertThat(firsts).containsExactlyInAnyOrder(m, r1, r2, r3);
        }
    }

    @Nested
    class MissingNodes {

        @Test
        void withoutMasterOnlyReplicasRemain() {
            assertThat(ReadCandidates.of(ReadPolicy.REPLICA_PREFERRED, null, replicas).inOrder(0))
                    .containsExactly(r1, r2, r3);
            assertThat(ReadCandidates.of(ReadPolicy.MASTER, null, replicas).size()).isZero();
        }

        @Test
        void withoutReplicasReplicaHasNoCandidateAndReplicaPreferredHasTheMaster() {
            assertThat(ReadCandidates.of(ReadPolicy.REPLICA, m, List.of()).size()).isZero();
            assertThat(ReadCandidates.of(ReadPolicy.REPLICA_PREFERRED, m, List.of()).inOrder(3)).containsExactly(m);
        }

        @Test
        void oneReplicaTakesNoTurns() {
            ReadCandidates<String, String> c = ReadCandidates.of(ReadPolicy.REPLICA, m, List.of(r1));
            assertThat(c.rotates()).isFalse();
            assertThat(c.inOrder(5)).containsExactly(r1);
        }
    }

    @Nested
    class Turns {

        @Test
        void aTurnCounterThatOverflowedStillPicksEveryReplicaInTurn() {
            ReadCandidates<String, String> c = ReadCandidates.of(ReadPolicy.REPLICA, m, replicas);
            Set<Node<String, String>> firsts = new HashSet<>();
            for (int turn = Integer.MAX_VALUE - 1, i = 0; i < 3; turn++, i++) {
                firsts.add(c.get(0, turn));
            }
            assertThat(firsts).containsExactlyInAnyOrder(r1, r2, r3);
            assertThat(c.inOrder(Integer.MIN_VALUE)).containsExactlyInAnyOrder(r1, r2, r3);
        }

        @Test
        void nextUsableSkipsNodesWhoseConnectionIsDown() {
            ReadCandidates<String, String> c = ReadCandidates.of(ReadPolicy.REPLICA_PREFERRED, m, replicas);
            replica1Server.up = false;
            replica2Server.up = false;
            assertThat(c.nextUsable(0, 0)).isEqualTo(2);
            assertThat(c.get(2, 0)).isSameAs(r3);
            replica3Server.up = false;
            assertThat(c.get(c.nextUsable(0, 0), 0)).as("falls back to the master").isSameAs(m);
            masterServer.up = false;
            assertThat(c.nextUsable(0, 0)).isEqualTo(-1);
        }
    }

    @Nested
    class InTheTopology {

        @Test
        void everyPolicyHasItsCandidatesPrecomputedOnce() {
            Topology<String, String> s = new Topology<>(m, replicas);
            for (ReadPolicy p : List.of(ReadPolicy.MASTER, ReadPolicy.MASTER_PREFERRED, ReadPolicy.REPLICA,
                    ReadPolicy.REPLICA_PREFERRED, ReadPolicy.ANY)) {
                assertThat(s.readCandidates(p)).as(p.name()).isSameAs(s.readCandidates(p));
                assertThat(s.readCandidates(p).inOrder(1)).as(p.name()).isEqualTo(order(p, 1));
            }
        }

        @Test
        void aTopologyWithoutNodesHasNoCandidates() {
            Topology<String, String> s = new Topology<>(null, List.of());
            assertThat(s.readCandidates(ReadPolicy.ANY).size()).isZero();
            assertThat(s.readCandidates(ReadPolicy.MASTER).nextUsable(0, 0)).isEqualTo(-1);
        }
    }
}
