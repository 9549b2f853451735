package io.waymark.redis.internal;

import io.waymark.redis.ReadPolicy;
import java.util.List;

/**
 * What standalone routing sees: the fenced master (or none), the replicas that take reads,
 * and the candidates of every read policy, computed here once so that a read allocates
 * nothing to pick its node.
 *
 * <p>Immutable; {@link StandaloneRouter} publishes a new one on every change.
 */
final class Topology<K, V> {

    private static final ReadPolicy[] POLICIES = ReadPolicy.values();

    private final Node<K, V> master;
    private final List<Node<K, V>> replicas;
    /** Indexed by {@link ReadPolicy#ordinal()}. */
    private final ReadCandidates<K, V>[] candidates;

    @SuppressWarnings("unchecked")
    Topology(Node<K, V> master, List<Node<K, V>> replicas) {
        this.master = master;
        this.replicas = List.copyOf(replicas);
        this.candidates = new ReadCandidates[POLICIES.length];
        for (ReadPolicy p : POLICIES) {
            candidates[p.ordinal()] = ReadCandidates.of(p, master, this.replicas);
        }
    }

    Node<K, V> master() {
        return master;
    }

    List<Node<K, V>> replicas() {
        return replicas;
    }

    ReadCandidates<K, V> readCandidates(ReadPolicy policy) {
        return candidates[policy.ordinal()];
    }

    /** The same master (the same node, not only the same address) and replicas. */
    boolean sameAs(Topology<?, ?> other) {
        return master == other.master && replicas.equals(other.replicas);
    }

    @Override
    public String toString() {
        return "Topology{master=" + master + ", replicas=" + replicas + "}";
    }
}
