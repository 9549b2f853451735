package io.waymark.discovery;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configured agents, in order, and the one in use. Every watch asks the same agent;
 * when a request on it fails, everyone moves on to the next one (round robin), so one
 * dead agent costs each watch at most one failed request.
 *
 * <p>Threading: thread-safe (one atomic position).
 */
final class Rotation<T> {

    private static final Logger LOG = LoggerFactory.getLogger(Rotation.class);

    private final List<T> members;
    private final AtomicInteger position = new AtomicInteger();

    Rotation(List<T> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("no agents");
        }
        this.members = List.copyOf(members);
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
            int next = (at + 1) % members.size();
            if (position.compareAndSet(at, next)) {
                LOG.info("Consul agent {} failed, moving to {}", failed, members.get(next));
            }
        }
    }
}
