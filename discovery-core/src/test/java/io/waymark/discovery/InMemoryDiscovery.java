package io.waymark.discovery;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link ConsulDiscovery} held in memory, for unit tests of code that uses one (the Redis
 * and JDBC connectors): the test sets each name's endpoints, marks them stale, makes names
 * fail, and counts what the code under test asked. Published in discovery-core's test-jar:
 * <pre>{@code
 * <dependency>
 *   <groupId>io.waymark</groupId>
 *   <artifactId>waymark-discovery-core</artifactId>
 *   <type>test-jar</type>
 *   <scope>test</scope>
 * </dependency>
 * }</pre>
 *
 * <p>As the real one: names are validated by {@link ServiceQuery} (an invalid one throws
 * {@link IllegalArgumentException}); every spelling of one query ({@code web},
 * {@code web.service.consul}) shares its endpoints, each answer named as the caller spelled
 * it; a name nothing was set for resolves to empty endpoints, as Consul answers for an
 * unknown service (unless {@link #failUnknownNames()}); listeners get the current endpoints,
 * then each change of the set (not a mere stale mark); {@link #registered} answers what
 * {@link #setRegistered} set, else the healthy endpoints; everything throws
 * {@link IllegalStateException} after {@link #close()}.
 *
 * <p>Unlike the real one, everything happens at once on the caller's thread: listeners are
 * called by {@link #set} itself, in registration order.
 *
 * <p><b>Threading:</b> thread-safe; concurrent {@code set}s of one name may reach its
 * listeners in either order.
 */
public final class InMemoryDiscovery implements ConsulDiscovery {

    private final Map<ServiceQuery, Endpoints> healthy = new ConcurrentHashMap<>();
    private final Map<ServiceQuery, List<Endpoint>> registered = new ConcurrentHashMap<>();
    private final Map<ServiceQuery, RuntimeException> failures = new ConcurrentHashMap<>();
    private final Map<ServiceQuery, List<Listener>> listeners = new ConcurrentHashMap<>();
    private final Map<ServiceQuery, AtomicInteger> resolves = new ConcurrentHashMap<>();
    private final Map<ServiceQuery, AtomicInteger> refreshes = new ConcurrentHashMap<>();
    private final Map<ServiceQuery, AtomicInteger> registeredCalls = new ConcurrentHashMap<>();
    private final AtomicLong index = new AtomicLong();
    private volatile boolean failUnknown;
    private volatile boolean closed;

    private record Listener(String name, EndpointListener listener) {}

    /** Sets {@code name}'s endpoints (fresh) and tells its listeners when the set changed. */
    public InMemoryDiscovery set(String name, Endpoint... endpoints) {
        ServiceQuery q = ServiceQuery.parse(name);
        Endpoints next = Endpoints.of(q.toString(), Arrays.asList(endpoints), false, Instant.now(),
                index.incrementAndGet());
        Endpoints prev = healthy.put(q, next);
        failures.remove(q);
        if (prev == null || !prev.sameEndpoints(next)) {
            for (Listener l : listeners.getOrDefault(q, List.of())) {
                l.listener.onChange(renamed(next, l.name));
            }
        }
        return this;
    }

    /** {@link #set(String, Endpoint...)} with {@code host:port} strings ({@code [v6]:port} for IPv6). */
    public InMemoryDiscovery set(String name, String... hostPorts) {
        Endpoint[] endpoints = new Endpoint[hostPorts.length];
        for (int i = 0; i < hostPorts.length; i++) {
            String hp = hostPorts[i];
            int colon = hp.lastIndexOf(':');
            String host = hp.substring(0, colon);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            }
            endpoints[i] = Endpoint.of(host, Integer.parseInt(hp.substring(colon + 1)));
        }
        return set(name, endpoints);
    }

    /** Marks {@code name}'s endpoints stale (Consul unreachable) or fresh again; listeners are not called. */
    public InMemoryDiscovery stale(String name, boolean stale) {
        healthy.computeIfPresent(ServiceQuery.parse(name), (q, e) -> e.withStale(stale));
        return this;
    }

    /** What {@link #registered} answers for {@code name}: every instance, with its health. */
    public InMemoryDiscovery setRegistered(String name, Endpoint... endpoints) {
        registered.put(ServiceQuery.parse(name), List.of(endpoints));
        return this;
    }

    /**
     * Makes {@code resolve}, {@code refresh} and {@code registered} of {@code name} throw
     * {@code failure} (for a {@code resolveAsync}, fail with it) until the next {@link #set}.
     */
    public InMemoryDiscovery fail(String name, RuntimeException failure) {
        failures.put(ServiceQuery.parse(name), failure);
        return this;
    }

    /** From now on, names nothing was set for throw a {@link DiscoveryException}, as when Consul is unreachable. */
    public InMemoryDiscovery failUnknownNames() {
        failUnknown = true;
        return this;
    }

    /** {@code resolve} and {@code resolveAsync} calls for {@code name}, every spelling counted. */
    public int resolves(String name) {
        return count(resolves, name);
    }

    public int refreshes(String name) {
        return count(refreshes, name);
    }

    public int registeredCalls(String name) {
        return count(registeredCalls, name);
    }

    /** Listeners of {@code name} not closed yet. */
    public int watchers(String name) {
        return listeners.getOrDefault(ServiceQuery.parse(name), List.of()).size();
    }

    public boolean isClosed() {
        return closed;
    }

    private static int count(Map<ServiceQuery, AtomicInteger> counts, String name) {
        AtomicInteger n = counts.get(ServiceQuery.parse(name));
        return n == null ? 0 : n.get();
    }

    private ServiceQuery query(String name, Map<ServiceQuery, AtomicInteger> counts) {
        if (closed) {
            throw new IllegalStateException("this ConsulDiscovery is closed");
        }
        ServiceQuery q = ServiceQuery.parse(name);
        if (counts != null) {
            counts.computeIfAbsent(q, k -> new AtomicInteger()).incrementAndGet();
        }
        RuntimeException failure = failures.get(q);
        if (failure != null) {
            throw failure;
        }
        return q;
    }

    private Endpoints current(ServiceQuery q, String name) {
        Endpoints e = healthy.get(q);
        if (e == null) {
            if (failUnknown) {
                throw new DiscoveryException("nothing is known of '" + name + "' and Consul is unreachable");
            }
            return Endpoints.of(name, List.of(), false, Instant.now(), 0);
        }
        return renamed(e, name);
    }

    private static Endpoints renamed(Endpoints e, String name) {
        return Endpoints.of(name, e.all(), e.stale(), e.confirmedAt(), e.index());
    }

    @Override
    public Endpoints resolve(String name) {
        return current(query(name, resolves), name);
    }

    @Override
    public CompletableFuture<Endpoints> resolveAsync(String name) {
        try {
            return CompletableFuture.completedFuture(resolve(name));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public CompletableFuture<Endpoints> refresh(String name) {
        try {
            return CompletableFuture.completedFuture(current(query(name, refreshes), name));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public Endpoints registered(String name) {
        ServiceQuery q = query(name, registeredCalls);
        if (q.preparedQuery()) {
            throw new IllegalArgumentException("registered instances are listed for services, not for prepared "
                    + "queries: '" + name + "'");
        }
        List<Endpoint> all = registered.get(q);
        if (all == null) {
            return current(q, name);
        }
        Endpoints e = healthy.get(q);
        return Endpoints.of(name, all, e != null && e.stale(), Instant.now(), e == null ? 0 : e.index());
    }

    @Override
    public Watch watch(String name, EndpointListener listener) {
        ServiceQuery q = query(name, null);
        Listener l = new Listener(name, listener);
        List<Listener> list = listeners.computeIfAbsent(q, k -> new CopyOnWriteArrayList<>());
        list.add(l);
        Endpoints e = healthy.get(q);
        if (e != null) {
            listener.onChange(renamed(e, name));
        }
        return () -> list.remove(l);
    }

    /** Counts only what this double sees: watched names and requests (calls); every other counter is 0. */
    @Override
    public DiscoveryStats stats() {
        List<ServiceQuery> watched = new ArrayList<>();
        listeners.forEach((q, l) -> {
            if (!l.isEmpty()) {
                watched.add(q);
            }
        });
        long calls = 0;
        for (Map<ServiceQuery, AtomicInteger> m : List.of(resolves, refreshes, registeredCalls)) {
            calls += m.values().stream().mapToLong(AtomicInteger::get).sum();
        }
        return new DiscoveryStats(watched.size(), calls, new long[DiscoveryStats.ErrorKind.values().length], 0, 0,
                java.time.Duration.ZERO, 0, 0, 0, 0);
    }

    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "InMemoryDiscovery" + healthy.values() + (closed ? " (closed)" : "");
    }
}
