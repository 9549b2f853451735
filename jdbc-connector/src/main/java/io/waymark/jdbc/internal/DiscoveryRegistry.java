package io.waymark.jdbc.internal;

import io.waymark.discovery.ConsulDiscovery;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@link ConsulDiscovery} per distinct {@link DiscoveryKey} in the JVM, shared by every
 * connection of that key.
 *
 * <p>Reference counted: each open connection holds a {@link Lease}. When the last lease of a key
 * is released the client is closed after a grace period ({@code linger}, 5 s for the shared
 * registry), so that a pool replacing all of its connections at once (as after a failover) keeps
 * its warm watches instead of starting over, while an application that closed its last
 * connection does not keep Consul watches and threads alive for the rest of the JVM's life.
 *
 * <p>Each client comes with a {@link NodeProber} (the servers its connections have seen, and a
 * small pool probing them during a failover), closed with it.
 *
 * <p><b>Threading:</b> thread-safe; {@link #acquire} and {@link Lease#close} synchronize on the
 * registry only for bookkeeping, discovery clients are built and closed outside that lock.
 */
public final class DiscoveryRegistry {

    private static final Logger LOG = LoggerFactory.getLogger(DiscoveryRegistry.class);

    private static final DiscoveryRegistry SHARED = new DiscoveryRegistry(DiscoveryRegistry::build,
            Duration.ofSeconds(5));

    private final Function<DiscoveryKey, ConsulDiscovery> factory;
    private final Duration linger;
    private final Map<DiscoveryKey, Entry> entries = new HashMap<>();
    private ScheduledExecutorService reaper;

    DiscoveryRegistry(Function<DiscoveryKey, ConsulDiscovery> factory, Duration linger) {
        this.factory = Objects.requireNonNull(factory, "factory");
        this.linger = Objects.requireNonNull(linger, "linger");
    }

    /** The JVM-wide registry. */
    public static DiscoveryRegistry shared() {
        return SHARED;
    }

    /** A lease on the discovery client for a key, building the client on first use. */
    public Lease acquire(DiscoveryKey key) {
        Entry entry;
        synchronized (this) {
            entry = entries.get(key);
            if (entry == null) {
                entry = new Entry(key, new NodeProber());
                entries.put(key, entry);
            }
            entry.refs++;
            if (entry.pendingClose != null) {
                entry.pendingClose.cancel(false);
                entry.pendingClose = null;
            }
        }
        try {
            return new Lease(entry, entry.discovery(), entry.prober);
        } catch (RuntimeException | Error e) {
            release(entry);
            throw e;
        }
    }

    /** Number of discovery clients alive (for tests). */
    synchronized int size() {
        return entries.size();
    }

    private void release(Entry entry) {
        boolean closeNow = false;
        synchronized (this) {
            entry.refs--;
            if (entry.refs > 0) {
                return;
            }
            if (linger.isZero() || entry.discovery == null) {
                entries.remove(entry.key);
                closeNow = true;
            } else {
                entry.pendingClose = reaper().schedule(() -> expire(entry), linger.toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        if (closeNow) {
            entry.close();
        }
    }

    private void expire(Entry entry) {
        synchronized (this) {
            if (entry.refs > 0 || entries.get(entry.key) != entry) {
                return;
            }
            entries.remove(entry.key);
            entry.pendingClose = null;
        }
        entry.close();
    }

    private synchronized ScheduledExecutorService reaper() {
        if (reaper == null) {
            reaper = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "waymark-jdbc-discovery-reaper");
                t.setDaemon(true);
                return t;
            });
        }
        return reaper;
    }

    /**
     * The discovery client of {@code key}: its settings through discovery's one parser, read
     * against the environment the key recorded; {@code build()} reads the files.
     *
     * @throws IllegalStateException when discovery refuses the settings (naming the setting and
     *     the file, never a secret or key material)
     */
    static ConsulDiscovery build(DiscoveryKey key) {
        LOG.debug("starting a Consul discovery client for {}", key);
        return key.configure(ConsulDiscovery.builder()).build();
    }

    private final class Entry {
        final DiscoveryKey key;
        /** Shares the discovery client's life: closed with it. */
        final NodeProber prober;
        int refs;
        ScheduledFuture<?> pendingClose;
        private volatile ConsulDiscovery discovery;

        Entry(DiscoveryKey key, NodeProber prober) {
            this.key = key;
            this.prober = prober;
        }

        // built lazily outside the registry lock: building may take a moment, other keys must not wait
        ConsulDiscovery discovery() {
            ConsulDiscovery d = discovery;
            if (d == null) {
                synchronized (this) {
                    d = discovery;
                    if (d == null) {
                        d = factory.apply(key);
                        discovery = d;
                    }
                }
            }
            return d;
        }

        void close() {
            prober.close();
            ConsulDiscovery d;
            synchronized (this) {
                d = discovery;
                discovery = null;
            }
            if (d != null) {
                LOG.debug("closing the Consul discovery client for {}", key);
                try {
                    d.close();
                } catch (RuntimeException e) {
                    LOG.warn("closing the Consul discovery client for {} failed", key, e);
                }
            }
        }
    }

    /** One user's hold on a shared discovery client. Closing it twice is harmless. */
    public final class Lease implements AutoCloseable {
        private final Entry entry;
        private final ConsulDiscovery discovery;
        private final NodeProber prober;
        private boolean closed;

        private Lease(Entry entry, ConsulDiscovery discovery, NodeProber prober) {
            this.entry = entry;
            this.discovery = discovery;
            this.prober = prober;
        }

        public ConsulDiscovery discovery() {
            return discovery;
        }

        /** The known servers and probe pool of this discovery client. */
        NodeProber prober() {
            return prober;
        }

        @Override
        public void close() {
            synchronized (this) {
                if (closed) {
                    return;
                }
                closed = true;
            }
            release(entry);
        }
    }
}
