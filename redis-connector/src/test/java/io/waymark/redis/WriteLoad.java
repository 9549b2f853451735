package io.waymark.redis;

import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writer threads that SET unique keys through a DiscoveredRedis (sync, async and reactive
 * in turn) and record what was acknowledged.
 */
final class WriteLoad {

    /** An error a caller saw, and when. */
    record Failure(long atNanos, String thread, Throwable error) {
    }

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    /** key to the nanoTime of its acknowledgement */
    final Map<String, Long> acknowledged = new ConcurrentHashMap<>();
    final List<Failure> failures = new CopyOnWriteArrayList<>();
    final Map<String, Boolean> lastOpSucceeded = new ConcurrentHashMap<>();
    /** Longest time between two acknowledged writes of one thread, in nanoseconds (reported, never asserted). */
    final AtomicLong maxGapNanos = new AtomicLong();

    WriteLoad(DiscoveredRedis<String, String> redis, String prefix, int threadCount) {
        for (int t = 0; t < threadCount; t++) {
            String name = prefix + "-writer-" + t;
            int api = t % 3;
            Thread thread = new Thread(() -> {
                long n = 0;
                long lastAck = System.nanoTime();
                while (running.get()) {
                    String key = name + ":" + n++;
                    try {
                        set(redis, api, key);
                        long now = System.nanoTime();
                        acknowledged.put(key, now);
                        maxGapNanos.accumulateAndGet(now - lastAck, Math::max);
                        lastAck = now;
                        lastOpSucceeded.put(name, true);
                    } catch (RuntimeException e) {
                        failures.add(new Failure(System.nanoTime(), name, e));
                        lastOpSucceeded.put(name, false);
                    }
                }
            }, name);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    /** Every API in turn, so the retry path of each is exercised. */
    private static void set(DiscoveredRedis<String, String> redis, int api, String key) {
        switch (api) {
            case 0 -> redis.sync().set(key, key);
            case 1 -> {
                try {
                    redis.async().set(key, key).get(10, TimeUnit.SECONDS);
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                } catch (InterruptedException | TimeoutException e) {
                    throw new IllegalStateException(e);
                }
            }
            default -> redis.reactive().set(key, key).block(Duration.ofSeconds(10));
        }
    }

    WriteLoad start() {
        threads.forEach(Thread::start);
        return this;
    }

    int acknowledgedCount() {
        return acknowledged.size();
    }

    /** The keys of {@code keys} that {@code node} (a direct connection) does not hold. */
    static List<String> missingOn(RedisCommands<String, String> node, Set<String> keys) {
        List<String> all = new ArrayList<>(keys);
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < all.size(); i += 500) {
            List<String> batch = all.subList(i, Math.min(all.size(), i + 500));
            var values = node.mget(batch.toArray(new String[0]));
            for (int j = 0; j < batch.size(); j++) {
                if (!values.get(j).hasValue()) {
                    missing.add(batch.get(j));
                }
            }
        }
        return missing;
    }

    /** Stops the writers after their current write. */
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(15_000);
        }
    }
}
