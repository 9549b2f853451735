package io.waymark.discovery;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads named {@code waymark-<purpose>-<n>}, so a leak is easy to attribute. */
final class NamedThreadFactory implements ThreadFactory {

    static final String PREFIX = "waymark-";

    private static final ThreadLocal<Boolean> OURS = new ThreadLocal<>();

    private final String prefix;
    private final AtomicInteger counter = new AtomicInteger();

    NamedThreadFactory(String purpose) {
        this.prefix = PREFIX + purpose + "-";
    }

    @Override
    public Thread newThread(Runnable r) {
        Thread t = new Thread(() -> {
            OURS.set(Boolean.TRUE);
            r.run();
        }, prefix + counter.incrementAndGet());
        t.setDaemon(true);
        return t;
    }

    /** True on a thread made here (whatever name OkHttp gives it meanwhile). */
    static boolean isOurs() {
        return OURS.get() != null;
    }
}
