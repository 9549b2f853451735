package io.waymark.jdbc.internal;

import io.waymark.discovery.Endpoint;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * What the connections of one shared discovery client know of the servers beyond Consul's
 * current healthy answer, and the small pool that probes them: the instances seen for each
 * service and those registered under it whatever their health (so that a demoted primary, or a
 * promoted replica Consul has not moved yet, can still be asked), the probes in flight (so that
 * connections failing over together share one probe of a server instead of each opening its own),
 * which servers stopped answering ({@link #silent}) or were cut off ({@link #abandon}), and the
 * {@link PrimaryWatch} of the primary connections.
 *
 * <p>The pool is bounded ({@value #THREADS} daemon threads named {@code waymark-jdbc-probe-N},
 * started on first use and ended when idle, at most {@value #QUEUE} probes waiting; beyond that a
 * probe is refused, which counts as "no answer"). {@link #close} ends it; the registry closes the
 * prober with its discovery client.
 *
 * <p><b>Threading:</b> thread-safe; {@link #remember} and {@link #known} synchronize briefly on
 * the prober, probes run on the pool.
 */
final class NodeProber implements AutoCloseable {

    static final int THREADS = 4;
    static final int QUEUE = 64;
    /** Instances remembered per service: enough for any single-primary group, bounded against churn. */
    static final int REMEMBERED = 16;
    /** Consul names whose registered instances are looked up: two per URL, bounded against misuse. */
    static final int NAMES = 64;
    /** Servers whose state is remembered (probe statements, silence, abandonment), bounded against churn. */
    static final int MAX_SERVERS = 1024;
    /** A probe that has not answered for this long makes its server {@link #silent}. */
    static final long SILENT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    /** {@link #replicationStatus(String)}: no replication status statement works for that server. */
    static final int NOT_READABLE = -1;

    private static final AtomicInteger THREAD_NUMBER = new AtomicInteger();

    /** One server's answer to a probe. */
    static final class Probe {

        enum State {
            /** {@code @@read_only = 0} and not replicating (or replication status not readable). */
            WRITABLE,
            READ_ONLY,
            /** {@code @@read_only = 0} but its replication threads run: a replica someone made writable. */
            REPLICATING,
            UNREACHABLE
        }

        final State state;
        final String detail;

        Probe(State state, String detail) {
            this.state = Objects.requireNonNull(state, "state");
            this.detail = detail;
        }

        @Override
        public String toString() {
            return state.name().toLowerCase(Locale.ROOT) + (detail == null ? "" : " (" + detail + ")");
        }
    }

    private static final class InFlight {
        final long startedNanos;
        final CompletableFuture<Probe> future = new CompletableFuture<>();

        InFlight(long startedNanos) {
            this.startedNanos = startedNanos;
        }
    }

    /**
     * How long a failover round waits for the registered instances of a name: discovery answers
     * from memory once it knows the name, but its first lookup blocks up to its resolve timeout.
     */
    static final long REGISTERED_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

    private final Map<String, LinkedHashMap<String, Endpoint>> seen = new HashMap<>();
    private final Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
    /** Per Consul name: the lookup of its registered instances in progress or last done. */
    private final Map<String, CompletableFuture<List<Endpoint>>> registeredLookups = new ConcurrentHashMap<>();
    /** Per Consul name: the last registered instances a lookup gave. */
    private final Map<String, List<Endpoint>> registeredAnswers = new ConcurrentHashMap<>();
    /** Per probed server: the replication status statement that works, or {@link #NOT_READABLE}. */
    private final Map<String, Integer> replicationStatus = new ConcurrentHashMap<>();
    private final Map<String, SplitBrain> splitBrains = new ConcurrentHashMap<>();
    /** Per probe key: when the probe that found nobody started (see {@link #silent}). */
    private final Map<String, Long> silentSince = new ConcurrentHashMap<>();
    /** Servers ({@code host:port}) whose connections were cut off (see {@link #abandon}). */
    private final java.util.Set<String> abandoned = ConcurrentHashMap.newKeySet();
    private ThreadPoolExecutor executor;
    private boolean closed;

    private record SplitBrain(boolean open, int episodes) {
    }

    private final PrimaryWatch watch = new PrimaryWatch(this);

    NodeProber() {
    }

    /** The watch of the primary connections of this discovery client. */
    PrimaryWatch watch() {
        return watch;
    }

    /** Runs {@code task} on the pool, or here when the pool refuses it (full or closed). */
    void execute(Runnable task) {
        try {
            executor().execute(task);
        } catch (RejectedExecutionException e) {
            task.run();
        }
    }

    /**
     * The instances registered under {@code service} whatever their health, as {@code lookup}
     * (discovery's {@code registered}, with its caching and outage rules) gives them. The lookup
     * runs on the pool, one at a time per name, and is waited for at most {@code waitNanos}: a
     * first lookup that takes longer goes on and serves a later round, this one gets the previous
     * answer (empty when there is none, the lookup failed, or the prober is closed).
     */
    List<Endpoint> registered(String service, Supplier<List<Endpoint>> lookup, long waitNanos) {
        if (service == null || isClosed()
                || (registeredLookups.size() >= NAMES && !registeredLookups.containsKey(service))) {
            return List.of();
        }
        CompletableFuture<List<Endpoint>> mine = new CompletableFuture<>();
        CompletableFuture<List<Endpoint>> lookupNow = registeredLookups.compute(service,
                (k, running) -> running != null && !running.isDone() ? running : mine);
        if (lookupNow == mine) {
            try {
                executor().execute(() -> {
                    try {
                        List<Endpoint> answer = List.copyOf(lookup.get());
                        registeredAnswers.put(service, answer);
                        mine.complete(answer);
                    } catch (RuntimeException | Error e) {
                        mine.completeExceptionally(e);
                    }
                });
            } catch (RejectedExecutionException e) {
                mine.completeExceptionally(e);
            }
        }
        try {
            return lookupNow.get(waitNanos, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            // the previous answer, below
        }
        return registeredAnswers.getOrDefault(service, List.of());
    }

    /** Records the instances Consul gave for {@code service}, most recent last. */
    synchronized void remember(String service, List<Endpoint> endpoints) {
        if (closed || service == null || endpoints.isEmpty()) {
            return;
        }
        LinkedHashMap<String, Endpoint> known = seen.computeIfAbsent(service, s -> new LinkedHashMap<>());
        for (Endpoint e : endpoints) {
            known.remove(e.address());
            known.put(e.address(), e);
        }
        Iterator<String> oldest = known.keySet().iterator();
        while (known.size() > REMEMBERED && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
    }

    /** Every instance ever remembered for {@code service} (bounded), oldest first. */
    synchronized List<Endpoint> known(String service) {
        LinkedHashMap<String, Endpoint> known = seen.get(service);
        return known == null ? List.of() : new ArrayList<>(known.values());
    }

    /**
     * Probes a server on the pool, or joins a probe of the same server that started at or after
     * {@code notBefore} (a {@link System#nanoTime} value): an answer older than the caller's own
     * evidence of a failover could be stale, so it is never shared.
     *
     * @param key the server and the credentials used to ask it
     * @return completes with the answer, or exceptionally when the pool refused the probe
     */
    CompletableFuture<Probe> probe(String key, long notBefore, Supplier<Probe> task) {
        return probe(key, running -> running.startedNanos - notBefore >= 0, task);
    }

    /**
     * Joins the probe of the server running now, whenever it started, or starts one: for a
     * {@link #silent} server, which gets no more than one probe at a time (each may hang for the
     * whole probe timeout), and whose next answer is all that matters.
     */
    CompletableFuture<Probe> probeOnce(String key, Supplier<Probe> task) {
        return probe(key, running -> true, task);
    }

    private CompletableFuture<Probe> probe(String key, java.util.function.Predicate<InFlight> joins,
            Supplier<Probe> task) {
        InFlight mine = new InFlight(System.nanoTime());
        InFlight chosen = inFlight.compute(key, (k, running) -> running != null && joins.test(running) ? running : mine);
        if (chosen != mine) {
            return chosen.future;
        }
        Runnable run = () -> {
            try {
                Probe answer = task.get();
                silence(key, answer, mine.startedNanos);
                mine.future.complete(answer);
            } catch (RuntimeException | Error e) {
                mine.future.completeExceptionally(e);
            } finally {
                inFlight.remove(key, mine);
            }
        };
        try {
            executor().execute(run);
        } catch (RejectedExecutionException e) {
            inFlight.remove(key, mine);
            mine.future.completeExceptionally(e);
        }
        return mine.future;
    }

    /**
     * Whether the server of {@code key} does not answer: a probe of it has been running for more
     * than {@link #SILENT_NANOS}, or the last one ran that long and reached nobody, and none has
     * answered since. That is a frozen or cut-off host (the kernel takes the connection, nobody
     * speaks): it is neither connected to nor waited for until a probe gets an answer again. A dead
     * server refuses at once and is not silent: asking it again costs nothing.
     */
    boolean silent(String key) {
        InFlight running = inFlight.get(key);
        return (running != null && System.nanoTime() - running.startedNanos > SILENT_NANOS)
                || silentSince.containsKey(key);
    }

    private void silence(String key, Probe answer, long startedNanos) {
        if (answer.state == Probe.State.UNREACHABLE && System.nanoTime() - startedNanos > SILENT_NANOS) {
            if (silentSince.size() < MAX_SERVERS) {
                silentSince.putIfAbsent(key, startedNanos);
            }
        } else {
            silentSince.remove(key);
        }
    }

    /**
     * Records that the connections to {@code address} were cut off because it stopped answering
     * while another server answered writable: until it answers read-only again, it is used as
     * the primary only after the other known servers were asked (a frozen primary that wakes up
     * is still writable until someone fences it).
     */
    void abandon(String address) {
        if (abandoned.size() < MAX_SERVERS) {
            abandoned.add(address);
        }
    }

    boolean abandoned(String address) {
        return !abandoned.isEmpty() && abandoned.contains(address);
    }

    /** {@code address} answered read-only: it was demoted (or fenced), nothing is left to guard against. */
    void demoted(String address) {
        abandoned.remove(address);
    }

    private synchronized ThreadPoolExecutor executor() {
        if (closed) {
            throw new RejectedExecutionException("the discovery client is closed");
        }
        if (executor == null) {
            ThreadPoolExecutor e = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS,
                    new ArrayBlockingQueue<>(QUEUE), r -> {
                        Thread t = new Thread(r, "waymark-jdbc-probe-" + THREAD_NUMBER.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            // idle between failovers: no thread should stay around for them
            e.allowCoreThreadTimeOut(true);
            executor = e;
        }
        return executor;
    }

    /** The replication status statement known to work for {@code server}; 0 (try from the first) when unknown. */
    int replicationStatus(String server) {
        return replicationStatus.getOrDefault(server, 0);
    }

    void replicationStatus(String server, int statement) {
        if (replicationStatus.size() < MAX_SERVERS || replicationStatus.containsKey(server)) {
            replicationStatus.put(server, statement);
        }
    }

    /**
     * Records that more than one server answered {@code @@read_only = 0} for {@code service} at
     * once. Returns true when this starts an episode (the caller warns then, once), false while
     * one is open; each episode is counted.
     */
    boolean splitBrain(String service) {
        boolean[] started = new boolean[1];
        splitBrains.compute(service, (k, e) -> {
            if (e != null && e.open) {
                return e;
            }
            started[0] = true;
            return new SplitBrain(true, (e == null ? 0 : e.episodes) + 1);
        });
        return started[0];
    }

    /** Whether a split brain of {@code service} is open: only a round that sees one writable server ends it. */
    boolean inSplitBrain(String service) {
        SplitBrain e = splitBrains.get(service);
        return e != null && e.open;
    }

    /** A round saw exactly one writable server for {@code service}: an open split brain is over. */
    void oneWritable(String service) {
        SplitBrain e = splitBrains.get(service);
        if (e != null && e.open) {
            splitBrains.computeIfPresent(service, (k, v) -> new SplitBrain(false, v.episodes));
        }
    }

    /** How many split brains of {@code service} were seen (for tests and the warning). */
    int splitBrains(String service) {
        SplitBrain e = splitBrains.get(service);
        return e == null ? 0 : e.episodes;
    }

    /** Threads alive in the pool (for tests). */
    synchronized int threads() {
        return executor == null ? 0 : executor.getPoolSize();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    /** Stops the pool (interrupting running probes) and forgets the servers. */
    @Override
    public void close() {
        ThreadPoolExecutor e;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            seen.clear();
            registeredAnswers.clear();
            e = executor;
            executor = null;
        }
        watch.close();
        if (e != null) {
            e.shutdownNow();
        }
    }
}
