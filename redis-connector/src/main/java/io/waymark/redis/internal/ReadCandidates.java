package io.waymark.redis.internal;

import io.waymark.redis.ReadPolicy;
import java.util.ArrayList;
import java.util.List;

/**
 * The nodes a read may go to under one {@link ReadPolicy}, in the policy's order, computed
 * once per topology snapshot so that routing a read allocates nothing.
 *
 * <p>The nodes in {@code [rotateFrom, rotateTo)} take turns: read number {@code turn} starts
 * that segment at its {@code turn}-th node (the replicas for the replica and master-preferred
 * policies, every node for {@link ReadPolicy#ANY}); the nodes outside keep their place (the
 * master after the replicas for replica-preferred, before them for master-preferred).
 * Whether a node is connected is not part of it: that changes between snapshots, so it is
 * checked when the read is sent.
 *
 * <p>Immutable.
 */
final class ReadCandidates<K, V> {

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static final ReadCandidates<?, ?> NONE = new ReadCandidates(new Node[0], 0, 0);

    private final Node<K, V>[] nodes;
    private final int rotateFrom;
    private final int rotateTo;

    private ReadCandidates(Node<K, V>[] nodes, int rotateFrom, int rotateTo) {
        this.nodes = nodes;
        this.rotateFrom = rotateFrom;
        this.rotateTo = rotateTo;
    }

    @SuppressWarnings("unchecked")
    static <K, V> ReadCandidates<K, V> none() {
        return (ReadCandidates<K, V>) NONE;
    }

    /** One node, no turns: a read that waited for the master. */
    @SuppressWarnings("unchecked")
    static <K, V> ReadCandidates<K, V> single(Node<K, V> node) {
        return new ReadCandidates<>(new Node[] {node}, 0, 0);
    }

    /** The candidates of {@code policy} over a fenced {@code master} (or null) and the read {@code replicas}. */
    @SuppressWarnings("unchecked")
    static <K, V> ReadCandidates<K, V> of(ReadPolicy policy, Node<K, V> master, List<Node<K, V>> replicas) {
        List<Node<K, V>> replicaPart = policy.usesReplicas() ? replicas : List.of();
        Node<K, V> m = policy.usesMaster() ? master : null;
        int size = replicaPart.size() + (m != null ? 1 : 0);
        if (size == 0) {
            return none();
        }
        Node<K, V>[] nodes = new Node[size];
        int i = 0;
        boolean masterFirst = m != null && !policy.replicasFirst();
        if (masterFirst) {
            nodes[i++] = m;
        }
        int replicasFrom = i;
        for (Node<K, V> r : replicaPart) {
            nodes[i++] = r;
        }
        int replicasTo = i;
        if (m != null && !masterFirst) {
            nodes[i] = m;
        }
        if (policy == ReadPolicy.ANY) {
            return new ReadCandidates<>(nodes, 0, size);
        }
        return new ReadCandidates<>(nodes, replicasFrom, replicasTo);
    }

    int size() {
        return nodes.length;
    }

    /** Whether reads take turns at all: when not, a read needs no turn number. */
    boolean rotates() {
        return rotateTo - rotateFrom > 1;
    }

    /** The {@code index}-th candidate (0 first) of the read whose turn is {@code turn} (any int, overflow included). */
    Node<K, V> get(int index, int turn) {
        if (index < rotateFrom || index >= rotateTo) {
            return nodes[index];
        }
        int n = rotateTo - rotateFrom;
        // unsigned: the turn counter wraps from MAX_VALUE to MIN_VALUE without breaking the sequence
        return nodes[rotateFrom + Integer.remainderUnsigned(index - rotateFrom + turn, n)];
    }

    /** The index of the first candidate at or after {@code from} whose connection is up, or -1. */
    int nextUsable(int from, int turn) {
        for (int i = from; i < nodes.length; i++) {
            if (get(i, turn).usable()) {
                return i;
            }
        }
        return -1;
    }

    /** The candidates of read {@code turn} in order, connected or not (for tests and the reactive API). */
    List<Node<K, V>> inOrder(int turn) {
        List<Node<K, V>> out = new ArrayList<>(nodes.length);
        for (int i = 0; i < nodes.length; i++) {
            out.add(get(i, turn));
        }
        return out;
    }

    @Override
    public String toString() {
        return inOrder(0).toString();
    }
}
