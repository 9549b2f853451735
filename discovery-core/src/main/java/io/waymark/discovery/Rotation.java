package io.waymark.discovery;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured agents, in order, and the one in use. Every watch asks the same agent;
 * when a request on it fails, everyone moves on to the next one (round robin), so one
 * dead agent costs each watch at most one failed request. Members known to be down (the
 * agent probe's verdict) are skipped while another one is usable; once one answers its
 * probes again it is eligible the next time the rotation comes round to it.
 *
 * <p>Threading: thread-safe (one atomic position).
 */
final class Rotation<T> {

    private static final Logger LOG = LoggerFactory.getLogger(Rotation.class);

    private final List<T> members;
    private final Predicate<T> usable;
    private final LongAdder moves;
    private final AtomicInteger position = new AtomicInteger();

    /**
     * @param usable says whether a member may be moved to (read at each move, never cached)
     * @param moves counts the moves
     */
    Rotation(List<T> members, Predicate<T> usable, LongAdder moves) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("no agents");
        }
        this.members = List.copyOf(members);
        this.usable = usable;
        this.moves = moves;
    }

    T current() {
        return members.get(position.get());
    }

    int size() {
        return members.size();
    }

    List<T> all() {
        return members;
    }

    /** {@code failed} did not answer: move past it unless someone already did. */
    void failed(T failed) {
        if (members.size() == 1) {
            return;
        }
        int at = members.indexOf(failed);
        if (at >= 0) {
            int next = next(at);
            if (position.compareAndSet(at, next)) {
                moves.increment();
                LOG.info("Consul agent {} failed, moving to {}", failed, members.get(next));
            }
        }
    }

    /** The next usable member after {@code at}; when none is, simply the next one. */
    private int next(int at) {
        int n = members.size();
        for (int step = 1; step < n; step++) {
            int candidate = (at + step) % n;
            if (usable.test(members.get(candidate))) {
                return candidate;
            }
        }
        return (at + 1) % n;
    }
}
