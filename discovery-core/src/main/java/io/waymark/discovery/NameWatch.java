package io.waymark.discovery;

import io.waymark.discovery.DiscoveryStats.ErrorKind;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
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
    record Answer(List<Endpoint> endpoints, long index) {
    }

    final WatchKey key;
    final ServiceQuery query;
    final DefaultConsulDiscovery owner;
    private final SerialExecutor listenerQueue;
    private final CopyOnWriteArrayList<Registration> registrations = new CopyOnWriteArrayList<>();
    private final TokenBucket limiter;
    private final Backoff backoff;

    private volatile @Nullable Endpoints current;
    private volatile boolean stopped;
    // set by users, cleared by the idle sweep: cheaper than a cache access on every resolve
    private volatile boolean used = true;
    /** System.nanoTime() when the idle sweep last found the watch used (or when it was made). */
    private volatile long lastUsedNanos = System.nanoTime();
    // guarded by this
    private CompletableFuture<Endpoints> firstAnswer = new CompletableFuture<>();
    private @Nullable ScheduledFuture<?> pending;
    private int failures;
    private @Nullable CompletableFuture<Endpoints> refreshing;
    private boolean aclSuspected;

    NameWatch(WatchKey key, DefaultConsulDiscovery owner) {
        this.key = key;
        this.query = key.query();
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

    /** Called once when the watch stops: cancel what is in flight. */
    void onStop() {
    }

    /** The agents asked, for messages. */
    String agents() {
        return owner.agentsDescription();
    }

    final void start() {
        next(0);
    }

    final boolean isStopped() {
        return stopped;
    }

    final @Nullable Endpoints current() {
        return current;
    }

    final void markUsed() {
        if (!used) {
            used = true;
        }
    }

    /** Whether the watch was used since the last call; notes the time when it was. */
    final boolean takeUsed() {
        if (used) {
            used = false;
            lastUsedNanos = System.nanoTime();
            return true;
        }
        return false;
    }

    /** Whether it was used since the idle sweep last looked. */
    final boolean usedSinceSweep() {
        return used;
    }

    /** When the idle sweep last found it used. */
    final long lastUsedNanos() {
        return lastUsedNanos;
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
            Endpoints next = Endpoints.of(query.toString(), answer.endpoints(), false, owner.clock.instant(),
                    answer.index());
            current = next;
            if (failures > 0) {
                LOG.info("{}: Consul answers again after {} failed request(s)", key, failures);
            }
            failures = 0;
            aclSuspected = false;
            firstAnswer.complete(next);
            if (prev == null || !prev.sameEndpoints(next)) {
                owner.counters.changesPublished.increment();
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
        Throwable cause = Counters.cause(error);
        ErrorKind kind = Counters.kind(cause);
        int n;
        CompletableFuture<Endpoints> giveUp = null;
        synchronized (this) {
            n = ++failures;
            markStale();
            // a first lookup waits for the other agents only when another agent may answer differently
            if (current == null && (n >= agentCount() || !Counters.leavesAgent(kind)) && !firstAnswer.isDone()) {
                giveUp = firstAnswer;
                firstAnswer = new CompletableFuture<>();
            }
        }
        if (n == 1 && kind == ErrorKind.ACL_DENIED) {
            LOG.warn("{}; serving the last known endpoints as stale and retrying", problem(agent, cause));
        } else if (n == 1) {
            String tls = TlsHint.explain(cause, owner.settings);
            LOG.warn("{}: Consul agent {} failed ({}{}); serving the last known endpoints as stale and retrying", key,
                    agent, describe(cause), tls == null ? "" : "; " + tls);
        } else {
            LOG.debug("{}: Consul agent {} failed again ({}), attempt {}", key, agent, describe(cause), n);
        }
        if (giveUp != null) {
            giveUp.completeExceptionally(new DiscoveryException(problem(agent, cause), cause));
        }
        next(backoff.delayNanos(n));
    }

    /**
     * An empty answer withheld because the name had instances and the agent says the token
     * may not read the service: the last endpoints stay, marked stale; said once per episode.
     */
    final void withheldEmpty(String agent) {
        if (stopped) {
            return;
        }
        boolean first;
        synchronized (this) {
            markStale();
            first = !aclSuspected;
            aclSuspected = true;
        }
        owner.counters.aclEmptySuspicions.increment();
        if (first) {
            LOG.warn("{}: Consul agent {} answered no instances, but there were some and the agent says the ACL "
                    + "token may not read service '{}' (service:read): keeping the last known endpoints, marked "
                    + "stale, until it may", key, agent, query.service());
        }
    }

    // guarded by this
    private void markStale() {
        Endpoints c = current;
        if (c != null && !c.stale()) {
            current = c.withStale(true);
        }
    }

    /**
     * What went wrong, for a log line or a DiscoveryException; ACL refusals say what
     * permission is needed. {@code agent} may be null when unknown.
     */
    final String problem(@Nullable String agent, Throwable cause) {
        if (Counters.kind(cause) == ErrorKind.ACL_DENIED) {
            String permission = query.preparedQuery()
                    ? "query:read on '" + query.service() + "' or service:read on its service"
                    : "service:read on '" + query.service() + "' (and node:read on its nodes)";
            ConsulToken token = owner.settings.token;
            String which = token == null ? "no ACL token is set (token, tokenFile, CONSUL_HTTP_TOKEN or "
                    + "CONSUL_HTTP_TOKEN_FILE), so the agent's default token is used, which"
                    : "the ACL token (" + token.setting() + ")";
            if (cause instanceof HttpWatch.AclFilteredException) {
                return cause.getMessage() + ": " + which + " lacks " + permission;
            }
            return (agent == null ? "Consul" : "Consul agent " + agent) + " refused to list '" + query + "' ("
                    + cause.getMessage() + "): " + which + " is missing, unknown, expired or deleted, or lacks "
                    + permission;
        }
        String tls = TlsHint.explain(cause, owner.settings);
        return "Consul did not answer for '" + query + "' (agents: " + agents() + "): "
                + describe(cause) + (tls == null ? "" : "; " + tls);
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
                if (c == null || answer.index() == 0 || answer.index() >= c.index() || c.stale()) {
                    succeeded(answer);
                }
                mine.complete(current);
            } else {
                Endpoints c = current;
                Throwable cause = Counters.cause(error);
                if (c != null) {
                    mine.complete(c.withStale(true));
                } else {
                    mine.completeExceptionally(new DiscoveryException(problem(null, cause), cause));
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
        onStop();
    }

    /** One listener of this watch. */
    final class Registration implements Watch {
        private final Alias alias;
        private final EndpointListener listener;
        private volatile boolean closed;
        // confined to the listener queue
        private @Nullable Endpoints lastDelivered;

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
                owner.released(key);
            }
        }

        @Override
        public String toString() {
            return "Watch(" + alias.name + ")";
        }
    }
}
