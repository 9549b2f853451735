package io.waymark.discovery;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Scheduler;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link ConsulDiscovery}: one {@link NameWatch} per distinct {@link ServiceQuery} in
 * a Caffeine cache that stops watches nobody used for the idle timeout (watches with
 * listeners never expire).
 *
 * <p>Threading: thread-safe. {@code resolve} of a known name is a map lookup, a cache
 * read and a volatile read.
 */
final class DefaultConsulDiscovery implements ConsulDiscovery {

    private static final Logger LOG = LoggerFactory.getLogger(DefaultConsulDiscovery.class);
    private static final int MAX_ALIASES = 10_000;
    private static final int CONNECTION_WARNING = 180;

    final Settings settings;
    final Clock clock;
    final Executor listenerExecutor;
    final ScheduledExecutorService scheduler;
    private final ExecutorService ioExecutor;
    private final List<ExecutorService> owned = new ArrayList<>();
    private final HttpTransport http;
    private final Rotation<AgentAddress> dnsServers;
    private final DnsClient dns;
    private final ConcurrentHashMap<String, Alias> aliases = new ConcurrentHashMap<>();
    private final Cache<ServiceQuery, NameWatch> watches;
    private final AtomicBoolean closed = new AtomicBoolean();
    private final ScheduledFuture<?> idleSweep;

    DefaultConsulDiscovery(Settings s) {
        this.settings = s;
        this.clock = s.clock;
        if (s.scheduler != null) {
            this.scheduler = s.scheduler;
        } else {
            ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1,
                    new NamedThreadFactory("discovery-timer"));
            timer.setRemoveOnCancelPolicy(true);
            this.scheduler = timer;
            owned.add(timer);
        }
        if (s.listenerExecutor != null) {
            this.listenerExecutor = s.listenerExecutor;
        } else {
            ExecutorService listeners = cachedPool("discovery-listener");
            this.listenerExecutor = listeners;
            owned.add(listeners);
        }
        if (s.httpExecutor != null) {
            this.ioExecutor = s.httpExecutor;
        } else {
            this.ioExecutor = cachedPool(s.mode == DiscoveryMode.HTTP ? "discovery-http" : "discovery-dns");
            owned.add(ioExecutor);
        }
        if (s.mode == DiscoveryMode.HTTP) {
            this.http = new HttpTransport(s, ioExecutor, scheduler);
            this.dnsServers = null;
            this.dns = null;
        } else {
            this.http = null;
            this.dnsServers = new Rotation<>(s.dnsAgents);
            this.dns = new DnsClient(s.requestTimeout);
        }
        long idleNanos = s.idleWatchTimeout.toNanos();
        this.watches = Caffeine.newBuilder()
                // on the calling thread: no ForkJoinPool threads of ours
                .executor(Runnable::run)
                .scheduler(Scheduler.forScheduledExecutorService(scheduler))
                .expireAfter(new Expiry<ServiceQuery, NameWatch>() {
                    @Override
                    public long expireAfterCreate(ServiceQuery key, NameWatch w, long now) {
                        return idleNanos;
                    }

                    @Override
                    public long expireAfterUpdate(ServiceQuery key, NameWatch w, long now, long current) {
                        return idleNanos;
                    }

                    @Override
                    public long expireAfterRead(ServiceQuery key, NameWatch w, long now, long current) {
                        return w.hasRegistrations() ? Long.MAX_VALUE : idleNanos;
                    }
                })
                .removalListener((ServiceQuery key, NameWatch w, RemovalCause c) -> {
                    if (w != null) {
                        if (c.wasEvicted()) {
                            LOG.debug("{}: unused for {}, watch stopped", key, settings.idleWatchTimeout);
                        }
                        w.stop();
                    }
                })
                .build();
        // resolve() only flags a watch as used; this turns the flags into cache accesses
        long sweepNanos = Math.max(TimeUnit.MILLISECONDS.toNanos(10), idleNanos / 4);
        this.idleSweep = scheduler.scheduleAtFixedRate(this::sweepIdle, sweepNanos, sweepNanos, TimeUnit.NANOSECONDS);
        LOG.debug("Consul discovery built: {}", s);
    }

    private static ExecutorService cachedPool(String purpose) {
        return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                new NamedThreadFactory(purpose));
    }

    String agentsDescription() {
        return http != null ? http.describe() : dnsServers.all().toString();
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

    private NameWatch watch(ServiceQuery q) {
        for (;;) {
            if (closed.get()) {
                throw new IllegalStateException("this ConsulDiscovery is closed");
            }
            NameWatch w = watches.getIfPresent(q);
            if (w == null) {
                w = watches.get(q, this::newWatch);
            }
            if (!w.isStopped()) {
                return w;
            }
            // lost a race with idle expiry: replace the stopped watch
            watches.asMap().remove(q, w);
        }
    }

    private NameWatch newWatch(ServiceQuery q) {
        if (http != null && watches.estimatedSize() + 1 == CONNECTION_WARNING) {
            LOG.warn("{} names are watched through {}: each holds one HTTP connection while it blocks, and Consul "
                    + "accepts at most limits.http_max_conns_per_client (default 200) per client address",
                    CONNECTION_WARNING, http.agents.current());
        }
        NameWatch w = http != null ? new HttpWatch(q, this, http) : new DnsWatch(q, this, dnsServers, dns, ioExecutor);
        w.start();
        return w;
    }

    private void sweepIdle() {
        for (NameWatch w : watches.asMap().values()) {
            if (w.takeUsed()) {
                watches.getIfPresent(w.query);
            }
        }
        watches.cleanUp();
    }

    /** The alias's watch, started if need be; the fast path is two volatile reads. */
    private NameWatch watchOf(Alias a) {
        NameWatch w = a.watch;
        if (w == null || w.isStopped()) {
            w = watch(a.query);
            a.watch = w;
        }
        w.markUsed();
        return w;
    }

    /** A registration was closed: let the watch's idle clock run again. */
    void released(ServiceQuery q) {
        if (!closed.get()) {
            watches.getIfPresent(q);
        }
    }

    @Override
    public Endpoints resolve(String name) {
        Alias a = alias(name);
        NameWatch w = watchOf(a);
        Endpoints e = w.current();
        if (e != null) {
            return a.named(e);
        }
        try {
            return a.named(w.firstAnswer().get(settings.resolveTimeout.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException ex) {
            throw new DiscoveryException("no answer from Consul for '" + name + "' within "
                    + settings.resolveTimeout + " (agents: " + agentsDescription() + ")");
        } catch (ExecutionException ex) {
            Throwable cause = ex.getCause();
            throw new DiscoveryException(cause.getMessage() == null ? "Consul did not answer for '" + name + "'"
                    : cause.getMessage(), cause);
        } catch (InterruptedException ex) {
            Thread.currentThread().interrupt();
            throw new DiscoveryException("interrupted while resolving '" + name + "'", ex);
        }
    }

    @Override
    public CompletableFuture<Endpoints> resolveAsync(String name) {
        Alias a;
        NameWatch w;
        try {
            a = alias(name);
            w = watchOf(a);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        Endpoints e = w.current();
        if (e != null) {
            return CompletableFuture.completedFuture(a.named(e));
        }
        return bounded(w.firstAnswer(), name).thenApply(a::named);
    }

    /** Times out on our scheduler, not on CompletableFuture's own delayer thread. */
    private CompletableFuture<Endpoints> bounded(CompletableFuture<Endpoints> f, String name) {
        CompletableFuture<Endpoints> out = new CompletableFuture<>();
        ScheduledFuture<?> timer = scheduler.schedule(() -> out.completeExceptionally(new DiscoveryException(
                "no answer from Consul for '" + name + "' within " + settings.resolveTimeout + " (agents: "
                        + agentsDescription() + ")")), settings.resolveTimeout.toNanos(), TimeUnit.NANOSECONDS);
        f.whenComplete((v, err) -> {
            timer.cancel(false);
            if (err != null) {
                Throwable cause = err instanceof CompletionException && err.getCause() != null
                        ? err.getCause() : err;
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
        Alias a;
        NameWatch w;
        try {
            a = alias(name);
            w = watchOf(a);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return bounded(w.refresh(), name).thenApply(a::named);
    }

    @Override
    public Watch watch(String name, EndpointListener listener) {
        Objects.requireNonNull(listener, "listener");
        Alias a = alias(name);
        for (;;) {
            NameWatch w = watch(a.query);
            NameWatch.Registration r = w.register(name, listener);
            if (!w.isStopped()) {
                // a read re-computes the expiry: watched names never expire
                watches.getIfPresent(a.query);
                return r;
            }
            r.close();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        idleSweep.cancel(false);
        for (NameWatch w : watches.asMap().values()) {
            w.stop();
        }
        watches.invalidateAll();
        if (http != null) {
            http.close();
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
        watches.cleanUp();
        return (int) watches.asMap().values().stream().filter(w -> !w.isStopped()).count();
    }

    @Override
    public String toString() {
        return "ConsulDiscovery{" + settings + ", watches=" + watches.estimatedSize() + (closed.get() ? ", closed" : "")
                + "}";
    }
}
