package io.waymark.jdbc.internal;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.DiscoveryException;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.EndpointListener;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/** An in-memory ConsulDiscovery for unit tests: names are set by the test, refreshes are counted. */
final class FakeDiscovery implements ConsulDiscovery {

    final Map<String, Endpoints> names = new ConcurrentHashMap<>();
    final Map<String, AtomicInteger> refreshes = new ConcurrentHashMap<>();
    final Map<String, List<EndpointListener>> watchers = new ConcurrentHashMap<>();
    /** What resolving a name throws instead of answering. */
    final Map<String, RuntimeException> failures = new ConcurrentHashMap<>();
    volatile boolean closed;

    void set(String name, String... addresses) {
        List<Endpoint> all = Arrays.stream(addresses).map(a -> {
            int colon = a.lastIndexOf(':');
            return Endpoint.of(a.substring(0, colon), Integer.parseInt(a.substring(colon + 1)));
        }).collect(Collectors.toList());
        Endpoints endpoints = Endpoints.of(name, all, false, Instant.now(), 1);
        names.put(name, endpoints);
        watchers.getOrDefault(name, List.of()).forEach(l -> l.onChange(endpoints));
    }

    int watchers(String name) {
        return watchers.getOrDefault(name, List.of()).size();
    }

    int refreshes(String name) {
        AtomicInteger n = refreshes.get(name);
        return n == null ? 0 : n.get();
    }

    @Override
    public Endpoints resolve(String name) {
        if (name.contains(" ")) {
            throw new IllegalArgumentException("bad name: " + name);
        }
        RuntimeException failure = failures.get(name);
        if (failure != null) {
            throw failure;
        }
        Endpoints e = names.get(name);
        if (e == null) {
            throw new DiscoveryException("nothing known of " + name);
        }
        return e;
    }

    @Override
    public CompletableFuture<Endpoints> resolveAsync(String name) {
        try {
            return CompletableFuture.completedFuture(resolve(name));
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** Run at each refresh of a name, before it answers (a test's way to change Consul's mind). */
    final Map<String, Runnable> onRefresh = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Endpoints> refresh(String name) {
        refreshes.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
        onRefresh.getOrDefault(name, () -> { }).run();
        return resolveAsync(name);
    }

    @Override
    public Watch watch(String name, EndpointListener listener) {
        List<EndpointListener> list = watchers.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>());
        list.add(listener);
        Endpoints current = names.get(name);
        if (current != null) {
            listener.onChange(current);
        }
        return () -> list.remove(listener);
    }

    @Override
    public void close() {
        closed = true;
    }
}
