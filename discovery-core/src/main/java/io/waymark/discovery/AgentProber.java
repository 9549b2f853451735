package io.waymark.discovery;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices an agent that stopped answering while requests wait on it. A blocking query
 * only fails after its read timeout ({@code wait + wait/16} plus the request timeout,
 * minutes by default), and an agent that is paused, hung, or on a host whose TCP never
 * resets answers nothing before that. So while requests are in flight on an agent (or
 * while it is down), one cheap request checks that it still answers, every interval: one
 * probe per agent at a time, however many watches wait on it.
 *
 * <p>The state machine of one agent: a failed probe is repeated at once; after
 * {@link #FAILURES_TO_DOWN} failures in a row the agent is down, and {@link Io#down} is
 * called (cancel its requests, rotate away), and again after each further failed probe
 * so that requests that reached it meanwhile do not hang either. A down agent keeps
 * being probed; the first answer makes it up again. Probing, I/O and reactions are
 * behind {@link Io} so that this class can be driven by hand in tests.
 *
 * <p>Threading: thread-safe; {@link #tick()} runs on the scheduler, probe completions on
 * whatever thread completes the probe; each agent's state is guarded by its own monitor,
 * and {@link Io#down} is called outside it.
 */
final class AgentProber<A> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AgentProber.class);

    /** Consecutive failed probes that make an agent down: one lost answer is not an outage. */
    static final int FAILURES_TO_DOWN = 2;

    /** What probing needs of the transport. */
    interface Io<A> {
        /** Whether requests are in flight on {@code agent} now. */
        boolean busy(A agent);

        /** One probe; completes normally when the agent answered anything, bounded by a timeout. */
        CompletableFuture<?> ping(A agent);

        /** {@code agent} is down: cancel its requests in flight and move the rotation past it. */
        void down(A agent);
    }

    /** One agent's probe state; guarded by itself. */
    private static final class State {
        boolean probing;
        int failures;
        boolean down;
    }

    private final List<A> agents;
    private final Map<A, State> states = new IdentityHashMap<>();
    private final Io<A> io;
    private volatile boolean closed;
    private volatile @Nullable ScheduledFuture<?> ticks;

    AgentProber(List<A> agents, Io<A> io) {
        this.agents = List.copyOf(agents);
        for (A a : this.agents) {
            states.put(a, new State());
        }
        this.io = io;
    }

    /** Probes every {@code interval} on {@code scheduler} until {@link #close()}. */
    void start(ScheduledExecutorService scheduler, Duration interval) {
        long nanos = Checks.nanos(interval);
        try {
            ticks = scheduler.scheduleAtFixedRate(this::tick, nanos, nanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            // a caller's scheduler that is already shut down: no probes, as before this feature
            LOG.warn("the scheduler rejected the agent probe; frozen agents are noticed by request timeouts only");
        }
        if (closed && ticks != null) {
            ticks.cancel(false);
        }
    }

    /** Starts a probe on each agent that has requests in flight or is down, unless one is running. */
    void tick() {
        for (A a : agents) {
            if (closed) {
                return;
            }
            // every agent has its state from the constructor on
            State st = Objects.requireNonNull(states.get(a));
            synchronized (st) {
                if (st.probing || !(st.down || io.busy(a))) {
                    continue;
                }
                st.probing = true;
            }
            probe(a, st);
        }
    }

    private void probe(A a, State st) {
        CompletableFuture<?> f;
        try {
            f = io.ping(a);
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((ok, error) -> completed(a, st, error));
    }

    private void completed(A a, State st, Throwable error) {
        boolean again = false;
        boolean wentDown = false;
        boolean stillDown = false;
        boolean cameBack = false;
        int failures;
        synchronized (st) {
            st.probing = false;
            if (closed) {
                return;
            }
            if (error == null) {
                cameBack = st.down;
                st.down = false;
                st.failures = 0;
            } else {
                st.failures++;
                if (st.failures >= FAILURES_TO_DOWN) {
                    wentDown = !st.down;
                    stillDown = st.down;
                    st.down = true;
                } else {
                    // suspect: ask again at once rather than an interval later
                    again = true;
                    st.probing = true;
                }
            }
            failures = st.failures;
        }
        if (cameBack) {
            LOG.info("Consul agent {} answers its probe again", a);
        } else if (wentDown) {
            LOG.warn("Consul agent {} did not answer {} probes in a row ({}); cancelling its requests and "
                    + "moving on", a, failures, NameWatch.describe(error));
        } else if (stillDown) {
            LOG.debug("Consul agent {} still does not answer ({} probes)", a, failures);
        }
        if (wentDown || stillDown) {
            try {
                io.down(a);
            } catch (RuntimeException e) {
                LOG.warn("reacting to Consul agent {} being down failed", a, e);
            }
        }
        if (again) {
            probe(a, st);
        }
    }

    /** Whether {@code agent} is down: did not answer its last {@link #FAILURES_TO_DOWN} or more probes. */
    boolean isDown(A agent) {
        State st = states.get(agent);
        if (st == null) {
            return false;
        }
        synchronized (st) {
            return st.down;
        }
    }

    /** Stops probing; probes in flight are ignored when they complete (the transport cancels them). */
    @Override
    public void close() {
        closed = true;
        ScheduledFuture<?> t = ticks;
        if (t != null) {
            t.cancel(false);
        }
    }
}
