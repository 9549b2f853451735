package io.waymark.redis.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which node takes the writes of a standalone group, from what the nodes answered to
 * {@code ROLE} and what Consul lists, and whether several nodes answer master at once.
 *
 * <p>The rule, deterministic so that every client picks the same node:
 * <ol>
 *   <li>only a node that answered master; none, no master (Consul's word is no proof);</li>
 *   <li>a node with an empty data set (replication offset 0: a replica restarted empty as
 *       master) never wins over one with data, listed in Consul or not;</li>
 *   <li>the nodes Consul lists for writes, if any of them answered master (a replica promoted
 *       before Consul noticed otherwise);</li>
 *   <li>the current master if it is still one of them: the writes acknowledged so far are
 *       there, and a choice that flaps would scatter the next ones;</li>
 *   <li>else the highest replication offset (the node that has seen the most writes), then the
 *       lowest address.</li>
 * </ol>
 *
 * <p>Several masters for longer than a switchover's overlap ({@value #EPISODE_AFTER_MILLIS} ms)
 * is an episode: logged at WARN once and counted, until one master is left.
 *
 * <p><b>Threading:</b> {@link #choose} is a pure function; {@link #observe} is called by one
 * reconciliation at a time.
 */
final class MasterChoice {

    private static final Logger LOG = LoggerFactory.getLogger(MasterChoice.class);
    /** A switchover promotes one node and demotes the other within milliseconds. */
    static final long EPISODE_AFTER_MILLIS = 1000;

    private final String service;
    /** When the current run of rounds with several masters began (nanoTime), or 0. */
    private long severalSince;
    private boolean reported;
    private volatile long episodes;

    MasterChoice(String service) {
        this.service = service;
    }

    static <K, V> Node<K, V> choose(Node<K, V> current, List<Node<K, V>> masters, Set<String> listedWrite) {
        if (masters.isEmpty()) {
            return null;
        }
        List<Node<K, V>> candidates = new ArrayList<>(masters);
        if (candidates.stream().anyMatch(n -> n.offset > 0)) {
            candidates.removeIf(n -> n.offset <= 0);
        }
        List<Node<K, V>> listed = new ArrayList<>(candidates);
        listed.removeIf(n -> !listedWrite.contains(n.address()));
        if (!listed.isEmpty()) {
            candidates = listed;
        }
        if (current != null && candidates.contains(current)) {
            return current;
        }
        long best = Long.MIN_VALUE;
        for (Node<K, V> n : candidates) {
            best = Math.max(best, n.offset);
        }
        Node<K, V> chosen = null;
        for (Node<K, V> n : candidates) {
            if (n.offset == best && (chosen == null || n.address().compareTo(chosen.address()) < 0)) {
                chosen = n;
            }
        }
        return chosen;
    }

    /** One reconciliation's masters, at {@code now} (nanoTime): starts, reports or ends an episode. */
    @SuppressWarnings("NonAtomicVolatileUpdate") // one reconciliation at a time writes; volatile for the readers
    void observe(List<? extends Node<?, ?>> masters, Node<?, ?> chosen, long now) {
        if (masters.size() <= 1) {
            if (reported) {
                LOG.info("{}: one master again ({})", service, chosen == null ? "none" : chosen.address());
            }
            severalSince = 0;
            reported = false;
            return;
        }
        if (severalSince == 0) {
            severalSince = now;
        }
        if (!reported && now - severalSince >= TimeUnit.MILLISECONDS.toNanos(EPISODE_AFTER_MILLIS)) {
            reported = true;
            episodes++;
            List<String> seen = new ArrayList<>();
            for (Node<?, ?> n : masters) {
                seen.add(n.address() + " (offset " + n.offset + ")");
            }
            LOG.warn("{}: {} nodes answer ROLE master at once: {}; writes go to {} (the master so far, else the "
                    + "one listed in Consul with the highest replication offset) until one master is left", service,
                    masters.size(), seen,
                    chosen == null ? "none" : chosen.address());
        }
    }

    /** Episodes of several masters at once since the start. */
    long episodes() {
        return episodes;
    }
}
