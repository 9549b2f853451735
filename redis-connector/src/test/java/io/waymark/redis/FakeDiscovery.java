package io.waymark.redis;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.EndpointListener;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/** A ConsulDiscovery that answers from a map, for unit tests without a Consul agent. */
public final class FakeDiscovery implements ConsulDiscovery {

    private final Map<String, List<Endpoint>> answers = new ConcurrentHashMap<>();
    private final Map<EndpointListener, String> listeners = new ConcurrentHashMap<>();
    public final AtomicInteger refreshes = new AtomicInteger();
    public volatile boolean closed;

    public FakeDiscovery answer(String name, Endpoint... endpoints) {
        answers.put(name, List.of(endpoints));
        for (Map.Entry<EndpointListener, String> l : listeners.entrySet()) {
            if (l.getValue().equals(name)) {
                l.getKey().onChange(resolve(name));
            }
        }
        return this;
    }

    @Override
    public Endpoints resolve(String name) {
        return Endpoints.of(name, answers.getOrDefault(name, List.of()), false, Instant.now(), 1);
    }

    @Override
    public CompletableFuture<Endpoints> resolveAsync(String name) {
        return CompletableFuture.completedFuture(resolve(name));
    }

    @Override
    public CompletableFuture<Endpoints> refresh(String name) {
        refreshes.incrementAndGet();
        return resolveAsync(name);
    }

    @Override
    public Watch watch(String name, EndpointListener listener) {
        listeners.put(listener, name);
        listener.onChange(resolve(name));
        return () -> listeners.remove(listener);
    }

    public int watchers() {
        return listeners.size();
    }

    @Override
    public void close() {
        closed = true;
    }
}
