package io.waymark.jdbc.internal;

import io.waymark.discovery.ServiceQuery;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What happened to the connections of one primary service in this JVM, for
 * {@code ConsulDriver.stats}: counted where it happens (a failover, a re-run, a probe), never on
 * the path of a statement that runs normally. One instance per primary Consul name, however it
 * is spelled ({@code db} and {@code db.service.consul} count together), kept for the life of the
 * JVM so that the counters only grow.
 *
 * <p><b>Threading:</b> thread-safe; the counters are {@link LongAdder}s.
 */
public final class JdbcCounters {

    /** Names counted, bounded against misuse (every URL naming a new service adds one). */
    static final int MAX_SERVICES = 256;
    private static final Map<String, JdbcCounters> BY_SERVICE = new ConcurrentHashMap<>();
    /** Where the services beyond {@link #MAX_SERVICES} are counted. */
    private static final JdbcCounters OVERFLOW = new JdbcCounters();

    /** The verified primary moved to another server (seen by a connection being opened or moved). */
    final LongAdder failovers = new LongAdder();
    /** Statements refused as read-only and run again on a new primary. */
    final LongAdder statementsReRun = new LongAdder();
    /** Servers asked {@code @@read_only} besides Consul's answer. */
    final LongAdder probes = new LongAdder();
    /** Connections that turned invalid (their server left Consul, refused a write as read-only, or broke). */
    final LongAdder connectionsInvalidated = new LongAdder();
    /** Connections to a primary that stopped answering, cut off once another server answered writable. */
    final LongAdder connectionsCutOff = new LongAdder();
    /** Times two or more servers answered writable at once. */
    final LongAdder splitBrains = new LongAdder();
    /** The last verified primary ({@code host:port}), to tell a failover from another connection to it. */
    private volatile String primary;

    private JdbcCounters() {
    }

    /** The counters of the primary service {@code service} (a valid Consul name). */
    public static JdbcCounters of(String service) {
        String name = canonical(service);
        JdbcCounters c = BY_SERVICE.get(name);
        if (c != null) {
            return c;
        }
        if (BY_SERVICE.size() >= MAX_SERVICES) {
            return OVERFLOW;
        }
        return BY_SERVICE.computeIfAbsent(name, k -> new JdbcCounters());
    }

    private static String canonical(String service) {
        try {
            return ServiceQuery.parse(service).toString();
        } catch (IllegalArgumentException e) {
            return service;
        }
    }

    /** A verified primary connection to {@code address} was opened: a failover when the last one was elsewhere. */
    void primaryAt(String address) {
        String last = primary;
        if (!address.equals(last)) {
            primary = address;
            if (last != null) {
                failovers.increment();
            }
        }
    }

    public long failovers() {
        return failovers.sum();
    }

    public long statementsReRun() {
        return statementsReRun.sum();
    }

    public long probes() {
        return probes.sum();
    }

    public long connectionsInvalidated() {
        return connectionsInvalidated.sum();
    }

    public long connectionsCutOff() {
        return connectionsCutOff.sum();
    }

    public long splitBrains() {
        return splitBrains.sum();
    }
}
