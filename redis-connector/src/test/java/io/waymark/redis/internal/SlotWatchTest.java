package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.cluster.models.partitions.ClusterPartitionParser;
import io.lettuce.core.cluster.models.partitions.Partitions;
import org.junit.jupiter.api.Test;

/** When a view of the slots a node answered replaces Lettuce's. */
class SlotWatchTest {

    private static final String A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    private static final String B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    private static final String C = "cccccccccccccccccccccccccccccccccccccccc";

    /** A serves slots 0-8191 (B is its replica), C serves 8192-16383. */
    private static Partitions beforeFailover() {
        return ClusterPartitionParser.parse(String.join("\n",
                A + " 127.0.0.21:6379@16379 master - 0 0 1 connected 0-8191",
                B + " 127.0.0.22:6379@16379 slave " + A + " 0 0 1 connected",
                C + " 127.0.0.23:6379@16379 master - 0 0 3 connected 8192-16383"));
    }

    @Test
    void aReplicaPromotedWithAHigherEpochMovesTheSlots() {
        Partitions after = ClusterPartitionParser.parse(String.join("\n",
                A + " 127.0.0.21:6379@16379 master,fail - 0 0 1 disconnected",
                B + " 127.0.0.22:6379@16379 master - 0 0 4 connected 0-8191",
                C + " 127.0.0.23:6379@16379 master - 0 0 3 connected 8192-16383"));
        assertThat(SlotWatch.movesASlot(beforeFailover(), after)).isTrue();
        assertThat(SlotWatch.movesASlot(after, after)).as("once adopted, nothing moves").isFalse();
    }

    @Test
    void aFrozenMasterMarkedFailedButNotReplacedMovesNothing() {
        Partitions failing = ClusterPartitionParser.parse(String.join("\n",
                A + " 127.0.0.21:6379@16379 master,fail - 0 0 1 disconnected 0-8191",
                B + " 127.0.0.22:6379@16379 slave " + A + " 0 0 1 connected",
                C + " 127.0.0.23:6379@16379 master - 0 0 3 connected 8192-16383"));
        assertThat(SlotWatch.movesASlot(beforeFailover(), failing)).isFalse();
    }

    @Test
    void aWokenMastersOwnStaleViewNeverWinsOverTheNewerOne() {
        Partitions adopted = ClusterPartitionParser.parse(String.join("\n",
                B + " 127.0.0.22:6379@16379 master - 0 0 4 connected 0-8191",
                C + " 127.0.0.23:6379@16379 master - 0 0 3 connected 8192-16383"));
        // A, just thawed, still believes it owns its slots at its old epoch
        Partitions stale = ClusterPartitionParser.parse(String.join("\n",
                A + " 127.0.0.21:6379@16379 myself,master - 0 0 1 connected 0-8191",
                B + " 127.0.0.22:6379@16379 slave " + A + " 0 0 1 connected",
                C + " 127.0.0.23:6379@16379 master - 0 0 3 connected 8192-16383"));
        assertThat(SlotWatch.movesASlot(adopted, stale)).isFalse();
    }
}
