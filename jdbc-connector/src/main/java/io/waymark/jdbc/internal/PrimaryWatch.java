package io.waymark.jdbc.internal;

import io.waymark.discovery.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the primary connections of one shared discovery client for the failures that a
 * connection error does not report, or reports to one connection only:
 * <ul>
 *   <li><b>a crash</b> closes every socket to the server, but each connection learns it only when
 *       it sends: when one fails with a connection error, every other connection to that server
 *       is marked suspect, and is checked ({@code isValid}) before it sends anything more, so that
 *       a statement sent after the failure was seen is not lost to a dead socket but moves to the
 *       new primary ({@link Routing#usable});</li>
 *   <li><b>a freeze</b> (a paused VM, a cut-off host: connections are accepted, nobody answers)
 *       holds every statement sent there for good: neither delegate has a read timeout by default.
 *       A statement in flight on a primary for more than {@value #STALL_MILLIS} ms makes the watch
 *       probe that server; once the server has not answered a probe for
 *       {@link NodeProber#SILENT_NANOS} it asks the other known servers every {@value #TICK_MILLIS}
 *       ms, and as soon as exactly one of them answers {@code @@read_only = 0} (an outside actor
 *       promoted it), it cuts off every connection to the silent server: their statements in
 *       flight fail with an unknown outcome (they may still run if it wakes up), the next ones go
 *       to the new primary. The silent server stays {@link NodeProber#abandon abandoned}: it is
 *       used again only after the other known servers were asked, since when it wakes up it may
 *       still be writable until someone fences it.</li>
 * </ul>
 * A slow statement is not a failure: a server that answers the probe is left alone (and asked
 * again at most once a second while the statement runs).
 *
 * <p>The watch runs on one daemon thread, {@code waymark-jdbc-watch-N}, ticking every
 * {@value #TICK_MILLIS} ms while connections are open and ending 30 s after the last one closed.
 * Statements pay for it with two volatile writes ({@link Physical#begin}, {@link Physical#end}).
 *
 * <p><b>Threading:</b> thread-safe; {@link #add} and {@link #remove} synchronize briefly on the
 * watch, the ticks run on its thread.
 */
final class PrimaryWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PrimaryWatch.class);

    static final long STALL_MILLIS = 300;
    static final long TICK_MILLIS = 100;
    /** How long a search round waits for the other servers' answers (silent ones are not waited for). */
    private static final long ROUND_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(200);
    /** A server that answered a probe is not asked again this soon for the same stalled statement. */
    private static final long ANSWERED_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();

    private final NodeProber prober;
    private final Set<Routing> routings = ConcurrentHashMap.newKeySet();
    /** Per server ({@code host:port}): when it last answered a probe of the watch. */
    private final Map<String, Long> answered = new ConcurrentHashMap<>();
    private ScheduledThreadPoolExecutor timer;
    private ScheduledFuture<?> ticking;
    private boolean closed;

    PrimaryWatch(NodeProber prober) {
        this.prober = prober;
    }

    /** Watches the primary of {@code routing} from now until {@link #remove}. */
    synchronized void add(Routing routing) {
        if (closed) {
            return;
        }
        routings.add(routing);
        if (ticking == null) {
            if (timer == null) {
                timer = new ScheduledThreadPoolExecutor(1, r -> {
                    Thread t = new Thread(r, "waymark-jdbc-watch-" + THREAD_NUMBER.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
                timer.setKeepAliveTime(30, TimeUnit.SECONDS);
                timer.allowCoreThreadTimeOut(true);
                timer.setRemoveOnCancelPolicy(true);
            }
            ticking = timer.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
        }
    }

    synchronized void remove(Routing routing) {
        routings.remove(routing);
        if (routings.isEmpty() && ticking != null) {
            ticking.cancel(false);
            ticking = null;
        }
    }

    /**
     * {@code failed} broke with a connection error: every other connection to its server is
     * checked before it sends again (the server may be gone, as after a crash, or only that
     * connection, as after a {@code KILL}).
     */
    void connectionLost(Physical failed) {
        for (Routing r : routings) {
            Physical p = r.primaryNow();
            if (p != failed && !p.broken && p.sameServer(failed)) {
                p.suspect = true;
            }
        }
    }

    private void tick() {
        try {
            long now = System.nanoTime();
            Map<String, List<Routing>> stalled = new HashMap<>();
            for (Routing r : routings) {
                Physical p = r.primaryNow();
                long since = p.inFlightSince;
                if (since != 0 && !p.broken && now - since > TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS)) {
                    stalled.computeIfAbsent(p.address(), k -> new ArrayList<>()).add(r);
                }
            }
            answered.keySet().retainAll(stalled.keySet());
            stalled.forEach((server, stuck) -> check(server, stuck, now));
        } catch (RuntimeException | Error e) {
            // a tick must never end the schedule
            LOG.warn("the watch of the primary connections failed; it goes on", e);
        }
    }

    /** Statements have been in flight on {@code server} for a while: is it still there, and is there another primary? */
    private void check(String server, List<Routing> stuck, long now) {
        Routing first = stuck.get(0);
        Physical p = first.primaryNow();
        KnownServers known = first.connector().known();
        if (!known.silent(p.host, p.port)) {
            Long last = answered.get(server);
            if (last == null || now - last > ANSWERED_NANOS) {
                long since = stuck.stream().mapToLong(r -> r.primaryNow().inFlightSince).filter(t -> t != 0)
                        .min().orElse(now);
                known.probe(p.host, p.port, since).thenAccept(a -> {
                    if (a.state != NodeProber.Probe.State.UNREACHABLE) {
                        answered.put(server, System.nanoTime());
                    }
                });
            }
            return;
        }
        List<String> failures = new ArrayList<>();
        List<Endpoint> writable;
        try {
            writable = known.writable(Set.of(server), now, ROUND_WAIT_NANOS, failures);
        } catch (java.sql.SQLException e) {
            return;
        }
        if (writable.size() != 1) {
            LOG.debug("'{}': {} does not answer and no other server is the one writable: {}",
                    first.connector().url().service(), server, failures);
            return;
        }
        cut(server, known.address(writable.get(0)), first.connector());
    }

    /** Cuts off every connection to {@code server}: it does not answer, and {@code next} is writable. */
    private void cut(String server, String next, Connector connector) {
        String reason = server + " stopped answering (statements in flight for over " + STALL_MILLIS
                + " ms, no answer to a probe) while " + next + " answers @@read_only = 0";
        prober.abandon(server);
        int n = 0;
        Executor executor = prober::execute;
        for (Routing r : routings) {
            Physical p = r.primaryNow();
            if (!p.broken && p.address().equals(server) && r.cut(p, reason, executor)) {
                n++;
            }
        }
        connector.refresh(connector.url().service());
        LOG.warn("'{}': {}: cut off {} connection(s) to it; what they had in flight has an unknown outcome (it may"
                + " still run if {} wakes up), their next statements go to the new primary",
                connector.url().service(), reason, n, server);
    }

    /** Connections watched now (for tests). */
    int size() {
        return routings.size();
    }

    /** Whether the watch thread is scheduled (for tests). */
    synchronized boolean ticking() {
        return ticking != null;
    }

    @Override
    public void close() {
        ScheduledThreadPoolExecutor t;
        synchronized (this) {
            closed = true;
            routings.clear();
            ticking = null;
            t = timer;
            timer = null;
        }
        if (t != null) {
            t.shutdownNow();
        }
    }
}
