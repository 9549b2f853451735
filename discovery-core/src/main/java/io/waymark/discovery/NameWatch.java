package io.waymark.discovery;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background loop that keeps one query's endpoints in memory, shared by every caller
 * and listener of that query. Subclasses ask Consul ({@link #poll()}, {@link #fetchNow()})
 * and report with {@link #succeeded} / {@link #failed}; this class publishes snapshots,
 * marks them stale during outages, tells listeners of real changes, paces the loop
 * (token bucket, jittered backoff) and stops.
 *
 * <p>Threading: one poll is in flight at a time; {@link #current} is a volatile snapshot
 * read without locks; state changes happen under this object's monitor, and listener
 * calls are queued in publication order on a per-watch {@link SerialExecutor}.
 */
abstract class NameWatch {

    private static final Logger LOG = LoggerFactory.getLogger(NameWatch.class);

    /** A successful answer of Consul. */
    static final class Answer {
        final List<Endpoint> endpoints;
        final long index;

        Answer(List<Endpoint> endpoints, long index) {
            this.endpoints = endpoints;
            this.index = index;
        }
    }

    final ServiceQuery query;
    final DefaultConsulDiscovery owner;
    private final SerialExecutor listenerQueue;
    private final CopyOnWriteArrayList<Registration> registrations = new CopyOnWriteArrayList<>();
    private final TokenBucket limiter;
    private final Backoff backoff;

    private volatile Endpoints current;
    private volatile boolean stopped;
    // set by users, cleared by the idle sweep: cheaper than a cache access on every resolve
    private volatile boolean used = true;
    // guarded by this
    private CompletableFuture<Endpoints> firstAnswer = new CompletableFuture<>();
    private ScheduledFuture<?> pending;
    private int failures;
    private CompletableFuture<Endpoints> refreshing;

    NameWatch(ServiceQuery query, DefaultConsulDiscovery owner) {
        this.query = query;
        this.owner = owner;
        this.listenerQueue = new SerialExecutor(owner.listenerExecutor);
        this.limiter = new TokenBucket(owner.settings.watchRequestsPerSecond, owner.settings.watchBurst,
                System::nanoTime);
        this.backoff = new Backoff(owner.settings.backoffInitial, owner.settings.backoffMax,
                () -> ThreadLocalRandom.current().nextDouble());
    }

    /** Starts one request cycle; must end in {@link #succeeded} or {@link #failed} and {@link #next}. */
    abstract void poll();

    /** One immediate request that does not block in Consul, outside the loop. */
    abstract CompletableFuture<Answer> fetchNow();

    /** How many agents a failure may rotate through before a first lookup gives up. */
    abstract int agentCount();

    final void start() {
        next(0);
    }

    final boolean isStopped() {
        return stopped;
    }

    final Endpoints current() {
        return current;
    }

    final void markUsed() {
        if (!used) {
            used = true;
        }
    }

    /** Whether the watch was used since the last call. */
    final boolean takeUsed() {
        if (used) {
            used = false;
            return true;
        }
        return false;
    }

    final boolean hasRegistrations() {
        return !registrations.isEmpty();
    }

    /** Runs the next poll after at least {@code minDelayNanos}, and after the rate limit allows. */
    final void next(long minDelayNanos) {
        if (stopped) {
            return;
        }
        long delay = Math.max(minDelayNanos, limiter.reserve());
        if (delay <= 0) {
            runPoll();
            return;
        }
        synchronized (this) {
            if (stopped) {
                return;
            }
            try {
                pending = owner.scheduler.schedule(this::runPoll, delay, TimeUnit.NANOSECONDS);
            } catch (RejectedExecutionException e) {
                // the scheduler is shut down: the discovery is closing
                stopped = true;
            }
        }
    }

    private void runPoll() {
        if (stopped) {
            return;
        }
        try {
            poll();
        } catch (RuntimeException e) {
            if (!stopped) {
                failed("(no request sent)", e);
            }
        }
    }

    /** Publishes an answer: always the new snapshot, and to listeners only when the set changed. */
    final void succeeded(Answer answer) {
        if (stopped) {
            return;
        }
        synchronized (this) {
            Endpoints prev = current;
            Endpoints next = Endpoints.of(query.toString(), answer.endpoints, false, owner.clock.instant(),
                    answer.index);
            current = next;
            if (failures > 0) {
                LOG.info("{}: Consul answers again after {} failed request(s)", query, failures);
            }
            failures = 0;
            firstAnswer.complete(next);
            if (prev == null || !prev.sameEndpoints(next)) {
                for (Registration r : registrations) {
                    listenerQueue.execute(() -> r.deliver(next));
                }
            }
        }
    }

    /** A request failed: serve the last endpoints as stale, back off, keep trying. */
    final void failed(String agent, Throwable error) {
        if (stopped) {
            return;
        }
        int n;
        CompletableFuture<Endpoints> giveUp = null;
        synchronized (this) {
            n = ++failures;
            Endpoints c = current;
            if (c != null && !c.stale()) {
                current = c.withStale(true);
            }
            if (c == null && n >= agentCount() && !firstAnswer.isDone()) {
                giveUp = firstAnswer;
                firstAnswer = new CompletableFuture<>();
            }
        }
        if (n == 1) {
            LOG.warn("{}: Consul agent {} failed ({}); serving the last known endpoints as stale and retrying",
                    query, agent, describe(error));
        } else {
            LOG.debug("{}: Consul agent {} failed again ({}), attempt {}", query, agent, describe(error), n);
        }
        if (giveUp != null) {
            giveUp.completeExceptionally(new DiscoveryException("Consul did not answer for '" + query
                    + "' (agents: " + owner.agentsDescription() + "): " + describe(error), error));
        }
        next(backoff.delayNanos(n));
    }

    static String describe(Throwable t) {
        String m = t.getMessage();
        return t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** The endpoints once known; waits for the first answer (caller bounds the wait). */
    final CompletableFuture<Endpoints> firstAnswer() {
        Endpoints c = current;
        if (c != null) {
            return CompletableFuture.completedFuture(c);
        }
        synchronized (this) {
            c = current;
            return c != null ? CompletableFuture.completedFuture(c) : firstAnswer;
        }
    }

    /** Asks Consul at once; concurrent refreshes share one request. */
    final CompletableFuture<Endpoints> refresh() {
        CompletableFuture<Endpoints> mine;
        synchronized (this) {
            if (refreshing != null) {
                return refreshing;
            }
            refreshing = mine = new CompletableFuture<>();
        }
        CompletableFuture<Answer> request;
        try {
            request = fetchNow();
        } catch (RuntimeException e) {
            request = CompletableFuture.failedFuture(e);
        }
        request.whenComplete((answer, error) -> {
            synchronized (this) {
                refreshing = null;
            }
            if (error == null) {
                Endpoints c = current;
                // an older answer than the loop's must not overwrite it
                if (c == null || answer.index == 0 || answer.index >= c.index() || c.stale()) {
                    succeeded(answer);
                }
                mine.complete(current);
            } else {
                Endpoints c = current;
                if (c != null) {
                    mine.complete(c.withStale(true));
                } else {
                    mine.completeExceptionally(new DiscoveryException("Consul did not answer for '" + query
                            + "' (agents: " + owner.agentsDescription() + "): " + describe(error), error));
                }
            }
        });
        return mine;
    }

    final Registration register(String name, EndpointListener listener) {
        Registration r = new Registration(name, listener);
        registrations.add(r);
        synchronized (this) {
            // after adding: a publication racing with us reaches r either way; r drops the duplicate
            Endpoints c = current;
            if (c != null) {
                listenerQueue.execute(() -> r.deliver(c));
            }
        }
        return r;
    }

    final void stop() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            if (pending != null) {
                pending.cancel(false);
            }
            firstAnswer.completeExceptionally(new DiscoveryException("discovery of '" + query + "' was stopped"));
        }
        registrations.clear();
    }

    /** One listener of this watch. */
    final class Registration implements Watch {
        private final Alias alias;
        private final EndpointListener listener;
        private volatile boolean closed;
        // confined to the listener queue
        private Endpoints lastDelivered;

        Registration(String name, EndpointListener listener) {
            this.alias = new Alias(name, query);
            this.listener = listener;
        }

        void deliver(Endpoints e) {
            if (closed || (lastDelivered != null && lastDelivered.sameEndpoints(e))) {
                return;
            }
            lastDelivered = e;
            try {
                listener.onChange(alias.named(e));
            } catch (Throwable t) {
                LOG.warn("a listener of {} threw; the other listeners are still called", alias.name, t);
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                registrations.remove(this);
                owner.released(query);
            }
        }

        @Override
        public String toString() {
            return "Watch(" + alias.name + ")";
        }
    }
}
