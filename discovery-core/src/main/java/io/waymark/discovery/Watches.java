package io.waymark.discovery;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running watches, one per {@link WatchKey}, at most {@code maxWatches} of them. A watch
 * nobody used for the idle timeout stops (one with listeners never does). At the cap, a new
 * key takes the place of the least recently used watch that has no listener and has
 * answered; when there is none, {@link #get} answers null and the caller does without a
 * watch.
 *
 * <p>Caffeine keeps the idle clock; the cap is counted here rather than by Caffeine's size
 * bound, which could evict a watch with listeners, or the very watch a caller waits on.
 *
 * <p>Threading: thread-safe. Each watch in the cache holds one of the {@code maxWatches}
 * slots, taken before it is made and given back by the removal listener.
 */
final class Watches {

    private static final Logger LOG = LoggerFactory.getLogger(Watches.class);

    private final Cache<WatchKey, NameWatch> cache;
    private final Function<WatchKey, NameWatch> factory;
    private final Counters counters;
    private final int max;
    private final AtomicInteger slots = new AtomicInteger();
    private final ScheduledFuture<?> sweep;

    /**
     * @param factory makes and starts the watch of a key
     */
    Watches(Settings s, ScheduledExecutorService scheduler, Counters counters, Function<WatchKey, NameWatch> factory) {
        this.factory = factory;
        this.counters = counters;
        this.max = s.maxWatches;
        long idleNanos = Checks.nanos(s.idleWatchTimeout);
        Duration idle = s.idleWatchTimeout;
        this.cache = Caffeine.newBuilder()
                // on the calling thread: no ForkJoinPool threads of ours
                .executor(Runnable::run)
                .scheduler(Scheduler.forScheduledExecutorService(scheduler))
                .expireAfter(new Expiry<WatchKey, NameWatch>() {
                    @Override
                    public long expireAfterCreate(WatchKey key, NameWatch w, long now) {
                        return idleNanos;
                    }

                    @Override
                    public long expireAfterUpdate(WatchKey key, NameWatch w, long now, long current) {
                        return idleNanos;
                    }

                    @Override
                    public long expireAfterRead(WatchKey key, NameWatch w, long now, long current) {
                        return w.hasRegistrations() ? Long.MAX_VALUE : idleNanos;
                    }
                })
                .removalListener((@Nullable WatchKey key, @Nullable NameWatch w, RemovalCause c) -> {
                    slots.decrementAndGet();
                    if (w != null) {
                        if (c == RemovalCause.EXPIRED) {
                            LOG.debug("{}: unused for {}, watch stopped", key, idle);
                        }
                        w.stop();
                    }
                })
                .build();
        // resolve() only flags a watch as used; this turns the flags into cache accesses
        long sweepNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10), idleNanos / 4);
        this.sweep = scheduler.scheduleAtFixedRate(this::sweepIdle, sweepNanos, sweepNanos, TimeUnit.NANOSECONDS);
    }

    /**
     * The running watch of {@code key}, made if need be; null when {@code maxWatches} watches
     * run and none of them may make room.
     */
    @Nullable NameWatch get(WatchKey key) {
        for (;;) {
            NameWatch w = cache.getIfPresent(key);
            if (w == null) {
                if (!reserveSlot()) {
                    return null;
                }
                boolean[] made = {false};
                try {
                    w = cache.get(key, k -> {
                        NameWatch fresh = factory.apply(k);
                        made[0] = true;
                        return fresh;
                    });
                } finally {
                    if (!made[0]) {
                        // another thread made it, or the factory failed
                        slots.decrementAndGet();
                    }
                }
            }
            if (!w.isStopped()) {
                return w;
            }
            // lost a race with idle expiry or eviction: replace the stopped watch
            cache.asMap().remove(key, w);
        }
    }

    /** Re-computes the idle expiry of {@code key}'s watch (listeners came or went). */
    @SuppressWarnings("CheckReturnValue") // the read itself is the point: it runs expireAfterRead
    void touch(WatchKey key) {
        cache.getIfPresent(key);
    }

    private boolean reserveSlot() {
        for (;;) {
            int n = slots.get();
            if (n < max) {
                if (slots.compareAndSet(n, n + 1)) {
                    return true;
                }
            } else if (!evictOne()) {
                return false;
            }
        }
    }

    /**
     * Stops the least recently used watch that has no listener and has answered (a caller
     * may wait on one that has not). Returns false when there is none.
     */
    private boolean evictOne() {
        NameWatch victim = null;
        for (NameWatch w : cache.asMap().values()) {
            if (w.isStopped() || w.hasRegistrations() || w.current() == null) {
                continue;
            }
            if (victim == null || lessRecentlyUsed(w, victim)) {
                victim = w;
            }
        }
        if (victim == null) {
            return false;
        }
        if (cache.asMap().remove(victim.key, victim)) {
            counters.watchesEvicted.increment();
            LOG.debug("{}: watch stopped to stay within maxWatches ({})", victim.key, max);
        }
        return true;
    }

    /** Not used since the last sweep before used; then the earlier use. */
    private static boolean lessRecentlyUsed(NameWatch a, NameWatch b) {
        if (a.usedSinceSweep() != b.usedSinceSweep()) {
            return !a.usedSinceSweep();
        }
        return a.lastUsedNanos() - b.lastUsedNanos() < 0;
    }

    @SuppressWarnings("CheckReturnValue") // getIfPresent for its expireAfterRead, as in touch
    private void sweepIdle() {
        for (NameWatch w : cache.asMap().values()) {
            if (w.takeUsed()) {
                cache.getIfPresent(w.key);
            }
        }
        cache.cleanUp();
    }

    /** The watches now; a weakly consistent view. */
    Collection<NameWatch> all() {
        return cache.asMap().values();
    }

    /** Watches running now, expired ones removed first. */
    int size() {
        cache.cleanUp();
        return slots.get();
    }

    /** Watches holding a slot now (without clean-up: callable while the cache computes). */
    int count() {
        return slots.get();
    }

    /** Stops every watch. */
    void close() {
        sweep.cancel(false);
        for (NameWatch w : cache.asMap().values()) {
            w.stop();
        }
        cache.invalidateAll();
    }
}
