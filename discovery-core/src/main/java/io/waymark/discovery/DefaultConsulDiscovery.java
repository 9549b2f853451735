package io.waymark.discovery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ConsulDiscovery}: one {@link NameWatch} per distinct {@link WatchKey}, kept by
 * {@link Watches} (idle expiry, the {@code maxWatches} cap).
 *
 * <p>Threading: thread-safe. {@code resolve} of a known name is a map lookup and two
 * volatile reads.
 */
final class DefaultConsulDiscovery implements ConsulDiscovery {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultConsulDiscovery.class);
    private static final int MAX_ALIASES = 10_000;
    private static final int CONNECTION_WARNING = 180;
    /** Listener threads at most; listeners of one name run one at a time anyway. */
    static final int LISTENER_THREADS = Math.max(4, Runtime.getRuntime().availableProcessors());

    final Settings settings;
    final Clock clock;
    final Counters counters = new Counters();
    final Executor listenerExecutor;
    final ScheduledExecutorService scheduler;
    private final List<ExecutorService> owned = new CopyOnWriteArrayList<>();
    private final @Nullable ExecutorService dnsExecutor;
    private final @Nullable Rotation<AgentAddress> dnsServers;
    private final @Nullable DnsClient dns;
    private final ConcurrentHashMap<String, Alias> aliases = new ConcurrentHashMap<>();
    private final Watches watches;
    private final AtomicBoolean closed = new AtomicBoolean();
    // made at once in HTTP mode, on the first registered() in DNS mode; guarded by this
    private volatile @Nullable HttpTransport http;

    DefaultConsulDiscovery(Settings s) {
        this.settings = s;
        this.clock = s.clock;
        if (s.scheduler != null) {
            this.scheduler = s.scheduler;
        } else {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                    new NamedThreadFactory("discovery-timer"));
            timer.setRemoveOnCancelPolicy(true);
            this.scheduler = own(timer);
        }
        this.listenerExecutor = s.listenerExecutor != null ? s.listenerExecutor : own(listenerPool());
        if (s.mode == DiscoveryMode.HTTP) {
            this.dnsExecutor = null;
            this.dnsServers = null;
            this.dns = null;
            this.http = newTransport();
        } else {
            this.dnsExecutor = s.httpExecutor != null ? s.httpExecutor
                    : own(pool("discovery-dns", HttpTransport.maxRequests(s.maxWatches)));
            this.dnsServers = new Rotation<>(s.dnsAgents, a -> true, counters.agentRotations);
            this.dns = new DnsClient(s.requestTimeout);
        }
        this.watches = new Watches(s, scheduler, counters, this::newWatch);
        LOG.debug("Consul discovery built: {}", s);
    }

    private <E extends ExecutorService> E own(E executor) {
        owned.add(executor);
        return executor;
    }

    /**
     * HTTP threads at most: the requests the dispatcher admits, one probe per agent, and a
     * margin for the moment a finishing call's thread hands its slot to the next call while
     * it still runs.
     */
    static int ioThreads(Settings s) {
        return HttpTransport.maxRequests(s.maxWatches) + s.agents.size() + 16;
    }

    /**
     * At most {@code threads} named daemon threads, made on demand and ended after 30 s idle;
     * a task finding them all busy is rejected (the HTTP dispatcher never submits more).
     */
    static ExecutorService pool(String purpose, int threads) {
        return new ThreadPoolExecutor(0, threads, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                new NamedThreadFactory(purpose));
    }

    /**
     * Listener tasks queue for a fixed number of threads (ended after 30 s idle): they must
     * never be rejected, and each name has at most one task queued ({@link SerialExecutor}).
     */
    private static ExecutorService listenerPool() {
        ThreadPoolExecutor p = new ThreadPoolExecutor(LISTENER_THREADS, LISTENER_THREADS, 30, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), new NamedThreadFactory("discovery-listener"));
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    private HttpTransport newTransport() {
        ExecutorService io = settings.httpExecutor != null ? settings.httpExecutor
                : own(pool("discovery-http", ioThreads(settings)));
        return new HttpTransport(settings, io, scheduler, counters);
    }

    /** The HTTP transport; in DNS mode made on first use (registered instances are HTTP only). */
    private HttpTransport http() {
        HttpTransport t = http;
        if (t == null) {
            synchronized (this) {
                checkOpen();
                t = http;
                if (t == null) {
                    t = newTransport();
                    http = t;
                }
            }
        }
        return t;
    }

    String agentsDescription() {
        return dnsServers == null ? http().describe() : dnsServers.all().toString();
    }

    private void checkOpen() {
        if (closed.get()) {
            throw new IllegalStateException("this ConsulDiscovery is closed");
        }
    }

    private Alias alias(String name) {
        Objects.requireNonNull(name, "name");
        Alias a = aliases.get(name);
        if (a == null) {
            a = new Alias(name, ServiceQuery.parse(name, settings.domain));
            if (aliases.size() >= MAX_ALIASES) {
                // a caller spelling names in unbounded ways; parsing again is cheap
                aliases.clear();
            }
            Alias prior = aliases.putIfAbsent(name, a);
            if (prior != null) {
                a = prior;
            }
        }
        return a;
    }

    private NameWatch newWatch(WatchKey k) {
        // the new watch's slot is already counted
        // over https, HTTP/2 carries many watches per connection (250 streams each on Consul's agents)
        if (dnsServers == null && watches.count() == CONNECTION_WARNING && !http().agents.current().address.https()) {
            LOG.warn("{} names are watched through {}: each holds one HTTP connection while it blocks, and Consul "
                    + "accepts at most limits.http_max_conns_per_client (default 200) per client address",
                    CONNECTION_WARNING, http().agents.current());
        }
        NameWatch w = unstarted(k);
        w.start();
        return w;
    }

    private NameWatch unstarted(WatchKey k) {
        return dnsServers == null || k.everyInstance() ? new HttpWatch(k, this, http())
                // DNS mode: made with dnsServers by the constructor
                : new DnsWatch(k, this, dnsServers, Objects.requireNonNull(dns), Objects.requireNonNull(dnsExecutor));
    }

    /**
     * The alias's watch, started if need be; null when the cap leaves no room. The fast path
     * is two volatile reads.
     */
    private @Nullable NameWatch watchOf(Alias a, boolean everyInstance) {
        NameWatch w = everyInstance ? a.everyInstanceWatch : a.watch;
        if (w == null || w.isStopped()) {
            checkOpen();
            w = watches.get(new WatchKey(a.query, everyInstance));
            if (w == null) {
                return null;
            }
            if (everyInstance) {
                a.everyInstanceWatch = w;
            } else {
                a.watch = w;
            }
        }
        w.markUsed();
        return w;
    }

    /** A registration was closed: let the watch's idle clock run again. */
    void released(WatchKey k) {
        if (!closed.get()) {
            watches.touch(k);
        }
    }

    @Override
    public Endpoints resolve(String name) {
        return lookup(alias(name), false);
    }

    @Override
    public Endpoints registered(String name) {
        return lookup(everyInstanceAlias(name), true);
    }

    private Alias everyInstanceAlias(String name) {
        Alias a = alias(name);
        Checks.requireArgument(!a.query.preparedQuery(), "registered instances are listed for services, not for "
                + "prepared queries: '" + name + "'");
        return a;
    }

    private Endpoints lookup(Alias a, boolean everyInstance) {
        NameWatch w = watchOf(a, everyInstance);
        if (w != null) {
            Endpoints e = w.current();
            if (e != null) {
                return a.named(e);
            }
        }
        CompletableFuture<Endpoints> f = w != null ? w.firstAnswer() : oneShot(a, everyInstance);
        try {
            return a.named(f.get(Checks.nanos(settings.resolveTimeout), TimeUnit.NANOSECONDS));
        } catch (TimeoutException ex) {
            throw noAnswer(a.name);
        } catch (ExecutionException ex) {
            Throwable cause = Counters.cause(ex);
            throw new DiscoveryException(cause.getMessage() == null ? "Consul did not answer for '" + a.name + "'"
                    : cause.getMessage(), cause);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new DiscoveryException("interrupted while resolving '" + a.name + "'", ex);
        }
    }

    private DiscoveryException noAnswer(String name) {
        return new DiscoveryException("no answer from Consul for '" + name + "' within " + settings.resolveTimeout
                + " (agents: " + agentsDescription() + ")");
    }

    /** One request for a name that cannot be watched at the cap; the answer is not kept. */
    private CompletableFuture<Endpoints> oneShot(Alias a, boolean everyInstance) {
        counters.uncachedLookups.increment();
        NameWatch probe = unstarted(new WatchKey(a.query, everyInstance));
        CompletableFuture<NameWatch.Answer> request;
        try {
            request = probe.fetchNow();
        } catch (RuntimeException e) {
            request = CompletableFuture.failedFuture(e);
        }
        return request.handle((answer, error) -> {
            if (error != null) {
                Throwable cause = Counters.cause(error);
                throw new CompletionException(new DiscoveryException(probe.problem(null, cause), cause));
            }
            return Endpoints.of(a.name, answer.endpoints(), false, clock.instant(), answer.index());
        });
    }

    @Override
    public CompletableFuture<Endpoints> resolveAsync(String name) {
        return async(name, false);
    }

    /**
     * {@link #resolveAsync} (the watched answer when there is one) or, {@code fresh}, {@link #refresh}
     * (a new request); a bad name fails the future instead of throwing.
     */
    private CompletableFuture<Endpoints> async(String name, boolean fresh) {
        Alias a;
        NameWatch w;
        try {
            a = alias(name);
            w = watchOf(a, false);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (w == null) {
            return bounded(oneShot(a, false), name).thenApply(a::named);
        }
        Endpoints e = fresh ? null : w.current();
        if (e != null) {
            return CompletableFuture.completedFuture(a.named(e));
        }
        return bounded(fresh ? w.refresh() : w.firstAnswer(), name).thenApply(a::named);
    }

    /** Times out on our scheduler, not on CompletableFuture's own delayer thread. */
    private CompletableFuture<Endpoints> bounded(CompletableFuture<Endpoints> f, String name) {
        CompletableFuture<Endpoints> out = new CompletableFuture<>();
        ScheduledFuture<?> timer = scheduler.schedule(() -> out.completeExceptionally(noAnswer(name)),
                Checks.nanos(settings.resolveTimeout), TimeUnit.NANOSECONDS);
        f.whenComplete((v, err) -> {
            timer.cancel(false);
            if (err != null) {
                Throwable cause = Counters.cause(err);
                out.completeExceptionally(cause instanceof DiscoveryException ? cause
                        : new DiscoveryException("Consul did not answer for '" + name + "'", cause));
            } else {
                out.complete(v);
            }
        });
        return out;
    }

    @Override
    public CompletableFuture<Endpoints> refresh(String name) {
        return async(name, true);
    }

    @Override
    public Watch watch(String name, EndpointListener listener) {
        Objects.requireNonNull(listener, "listener");
        Alias a = alias(name);
        WatchKey key = new WatchKey(a.query, false);
        for (;;) {
            checkOpen();
            NameWatch w = watches.get(key);
            if (w == null) {
                throw new IllegalStateException("cannot watch '" + name + "': all " + settings.maxWatches
                        + " watches (ConsulDiscoveryBuilder.maxWatches) have listeners or wait for a first answer");
            }
            NameWatch.Registration r = w.register(name, listener);
            if (!w.isStopped()) {
                // a read re-computes the expiry: watched names never expire
                watches.touch(key);
                return r;
            }
            r.close();
        }
    }

    @Override
    public DiscoveryStats stats() {
        Instant now = clock.instant();
        Duration oldest = Duration.ZERO;
        for (NameWatch w : watches.all()) {
            Endpoints e = w.current();
            if (e != null && e.stale()) {
                Duration age = Duration.between(e.confirmedAt(), now);
                if (age.compareTo(oldest) > 0) {
                    oldest = age;
                }
            }
        }
        return counters.snapshot(watches.count(), oldest);
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        watches.close();
        synchronized (this) {
            if (http != null) {
                http.close();
            }
        }
        for (ExecutorService e : owned) {
            e.shutdownNow();
        }
        if (NamedThreadFactory.isOurs()) {
            // closed from a listener or callback: waiting for our own thread would only time out
            return;
        }
        for (ExecutorService e : owned) {
            try {
                // so that "closed" means no thread of ours is left
                if (!e.awaitTermination(5, TimeUnit.SECONDS)) {
                    LOG.warn("threads of the Consul discovery did not stop within 5 s");
                }
            } catch (InterruptedException ex) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Watches running now (for tests). */
    int activeWatches() {
        return watches.size();
    }

    @Override
    public String toString() {
        return "ConsulDiscovery{" + settings + ", watches=" + watches.count() + (closed.get() ? ", closed" : "")
                + "}";
    }
}
