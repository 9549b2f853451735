package io.waymark.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/** Reader threads that GET one key through a DiscoveredRedis and record every failed or wrong read. */
final class ReadLoad {

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    final AtomicLong reads = new AtomicLong();
    final List<Throwable> failures = new CopyOnWriteArrayList<>();

    ReadLoad(DiscoveredRedis<String, String> redis, String key, String expected, int threadCount) {
        for (int t = 0; t < threadCount; t++) {
            Thread thread = new Thread(() -> {
                while (running.get()) {
                    try {
                        String v = redis.sync().get(key);
                        if (!expected.equals(v)) {
                            failures.add(new AssertionError("read " + v + " instead of " + expected));
                        }
                        reads.incrementAndGet();
                    } catch (RuntimeException e) {
                        failures.add(e);
                    }
                }
            }, "reader-" + t);
            thread.setDaemon(true);
            threads.add(thread);
        }
    }

    ReadLoad start() {
        threads.forEach(Thread::start);
        return this;
    }

    void stop() throws InterruptedException {
        running.set(false);
        for (Thread t : threads) {
            t.join(15_000);
        }
    }
}
