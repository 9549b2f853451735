package io.waymark.discovery;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * An immutable snapshot of a name's endpoints, as Consul last answered.
 *
 * <p>{@link #stale()} is true while the snapshot is served from memory because Consul
 * cannot be reached; {@link #confirmedAt()} says when Consul last confirmed it.
 */
public final class Endpoints {

    private final String name;
    private final List<Endpoint> all;
    private final boolean stale;
    private final Instant confirmedAt;
    private final long index;

    private Endpoints(String name, List<Endpoint> all, boolean stale, Instant confirmedAt, long index) {
        this.name = name;
        this.all = all;
        this.stale = stale;
        this.confirmedAt = confirmedAt;
        this.index = index;
    }

    /**
     * @param name the name as the caller wrote it
     * @param all the endpoints, in Consul's order
     * @param confirmedAt when Consul last answered with this set
     * @param index Consul's {@code X-Consul-Index} for HTTP answers, 0 for DNS
     */
    public static Endpoints of(String name, List<Endpoint> all, boolean stale, Instant confirmedAt, long index) {
        return new Endpoints(Objects.requireNonNull(name, "name"), List.copyOf(all), stale,
                Objects.requireNonNull(confirmedAt, "confirmedAt"), index);
    }

    /** The same endpoints, marked stale (or fresh again). */
    public Endpoints withStale(boolean stale) {
        return stale == this.stale ? this : new Endpoints(name, all, stale, confirmedAt, index);
    }

    public String name() {
        return name;
    }

    /** Every endpoint, in Consul's order. */
    public List<Endpoint> all() {
        return all;
    }

    public boolean isEmpty() {
        return all.isEmpty();
    }

    /** True while served from memory because Consul is unreachable. */
    public boolean stale() {
        return stale;
    }

    /** When Consul last confirmed this set. */
    public Instant confirmedAt() {
        return confirmedAt;
    }

    /** Consul's index for this answer (HTTP mode), 0 otherwise. */
    public long index() {
        return index;
    }

    /**
     * Same endpoints in the same order, regardless of freshness, index and the endpoints'
     * {@link Endpoint#health() health}: what listeners are told of is a change of where to
     * connect (address, node, tags, meta), not a check going from passing to warning.
     */
    public boolean sameEndpoints(Endpoints other) {
        if (other == null || other.all.size() != all.size()) {
            return false;
        }
        for (int i = 0; i < all.size(); i++) {
            if (!all.get(i).sameInstance(other.all.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Endpoints)) {
            return false;
        }
        Endpoints e = (Endpoints) o;
        return stale == e.stale && index == e.index && name.equals(e.name) && all.equals(e.all)
                && confirmedAt.equals(e.confirmedAt);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, all, stale, confirmedAt, index);
    }

    @Override
    public String toString() {
        return name + all + (stale ? " (stale since " + confirmedAt + ")" : "");
    }
}
