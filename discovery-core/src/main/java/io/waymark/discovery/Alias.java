package io.waymark.discovery;

import org.jspecify.annotations.Nullable;

/**
 * A name as one caller spelled it, and its parsed query. Snapshots are shared by every
 * spelling of a query; this hands each caller the snapshot under its own spelling,
 * re-wrapping only when the shared snapshot changed (so cached resolves allocate nothing).
 *
 * <p>Threading: a benign race; two threads may both re-wrap the same snapshot.
 */
final class Alias {

    final String name;
    final ServiceQuery query;
    private volatile @Nullable Endpoints renamed;
    /** The watches last used for this name: the fast path skips the cache lookup. */
    volatile @Nullable NameWatch watch;
    volatile @Nullable NameWatch everyInstanceWatch;

    Alias(String name, ServiceQuery query) {
        this.name = name;
        this.query = query;
    }

    // identity on purpose: the copy is reused only for the very answer it was made from; an equal
    // answer in other objects is a new one, copied again (cheap), never a wrong reuse
    @SuppressWarnings("ReferenceEquality")
    Endpoints named(Endpoints e) {
        if (e.name().equals(name)) {
            return e;
        }
        Endpoints r = renamed;
        if (r != null && r.all() == e.all() && r.stale() == e.stale() && r.index() == e.index()
                && r.confirmedAt() == e.confirmedAt()) {
            return r;
        }
        r = Endpoints.of(name, e.all(), e.stale(), e.confirmedAt(), e.index());
        renamed = r;
        return r;
    }
}
