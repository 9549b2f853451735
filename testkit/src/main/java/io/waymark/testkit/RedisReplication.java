package io.waymark.testkit;

import io.waymark.testkit.internal.Poll;
import io.waymark.testkit.internal.Resp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Redis master with N replicas (standalone replication, AUTH on), each node on its own
 * 127.0.0.x address and the same port. No persistence. Failovers: coordinated
 * ({@link #switchover}), by hand ({@link #promote}), or by an outside actor after a fault
 * ({@link #promoteWhenMasterFails}, {@link #promoteBestReplica}); faults through each node's
 * {@link FaultControls}.
 *
 * <pre>{@code
 * try (RedisReplication rr = RedisReplication.builder().replicas(2).start()) {
 *   rr.switchover(rr.replicas().get(0));
 * }
 * }</pre>
 *
 * <p>Threading: thread-safe; topology changes are serialized, {@link #master()} never blocks.
 */
public final class RedisReplication extends Replication<RedisNode, LocalRedisNode> {

    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);

    private final String password;

    private RedisReplication(List<LocalRedisNode> nodes, FixtureResources resources, String password) {
        super(nodes, resources, "master");
        this.password = password;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The current master as this fixture configured it (after switchover/promote: the new one). */
    public RedisNode master() {
        return writable;
    }

    public String password() {
        return password;
    }

    @Override
    void switchover(LocalRedisNode old, LocalRedisNode target) {
        old.call("CLIENT", "PAUSE", "30000", "WRITE");
        try {
            long goal = Long.parseLong(old.infoField("replication", "master_repl_offset"));
            long[] seen = {-1};
            Poll.until(SYNC_TIMEOUT, Duration.ofMillis(20), () -> {
                seen[0] = Long.parseLong(target.infoField("replication", "slave_repl_offset"));
                return seen[0] >= goal;
            }, () -> "replica " + target.address() + " did not reach offset " + goal + " (at " + seen[0]
                    + ")");
            makeMaster(target);
        } finally {
            try {
                old.call("CLIENT", "UNPAUSE");
            } catch (RuntimeException e) {
                // the pause expires on its own
            }
        }
        awaitReplicasInSync();
    }

    /** Uncoordinated promotion: REPLICAOF NO ONE on {@code replica}, then repoint the others. */
    public synchronized void promote(RedisNode replica) {
        makeMaster(toPromote(replica));
    }

    /**
     * Like {@link #promoteBestReplica}, but the actor first watches the master and counts
     * {@code delay} from when it saw it fail (killed, stopped or frozen: it no longer answers PING
     * within {@value Promotion#PROBE_TIMEOUT_MS} ms, {@value Promotion#FAILED_PROBES} probes in a
     * row). Arm it before the fault.
     */
    public Promotion<RedisNode> promoteWhenMasterFails(Duration delay) {
        return promoteWhenWritableFails(delay);
    }

    @Override
    boolean writableAnswers() {
        return "PONG".equals(String.valueOf(writable.callWithin(Promotion.PROBE_TIMEOUT, "PING")));
    }

    @Override
    synchronized Promotion.Promoted<RedisNode> promoteBest() {
        LocalRedisNode old = writable;
        // a replica that does not answer is down, frozen or no replica: not a candidate
        LocalRedisNode best = furthest(probeReplicas(old, n -> true, n -> {
            String info = String.valueOf(n.callWithin(Promotion.PROBE_TIMEOUT, "INFO", "replication"));
            String offset = Resp.infoField(info, "slave_repl_offset");
            return new Progress<>(n, offset, Long.parseLong(offset));
        }, n -> { }), old).node();
        return new Promotion.Promoted<>(best, old, makeMaster(best));
    }

    @Override
    boolean fenceOld(LocalRedisNode old) {
        // the probe without the fixture's lock: a frozen node would hold it for the timeout
        if (!"master".equals(String.valueOf(((List<?>) old.callWithin(Promotion.PROBE_TIMEOUT, "ROLE")).get(0)))) {
            return true;
        }
        synchronized (this) {
            LocalRedisNode m = writable;
            if (m != old) {
                old.callWithin(Promotion.PROBE_TIMEOUT, "REPLICAOF", m.host(), String.valueOf(m.port()));
            }
            return true;
        }
    }

    /**
     * REPLICAOF NO ONE on {@code target}, then every other node follows it; returns when
     * {@code target} became writable ({@link System#nanoTime()}).
     */
    private long makeMaster(LocalRedisNode target) {
        target.call("REPLICAOF", "NO", "ONE");
        long writableAt = System.nanoTime();
        writable = target;
        target.upstream(null);
        for (LocalRedisNode n : LocalProcessNode.except(nodes, target)) {
            // a stopped or paused node follows it from its next start
            n.upstream(target);
            if (n.isServing()) {
                n.call("REPLICAOF", target.host(), String.valueOf(target.port()));
            }
        }
        return writableAt;
    }

    /** Waits until every running, unpaused replica has its link to the current master up. */
    public void awaitReplicasInSync() {
        LocalRedisNode m = writable;
        Poll.until(SYNC_TIMEOUT, () -> "master".equals(m.role()), () -> m + " is not master");
        for (LocalRedisNode n : nodes) {
            if (n != m && n.isServing()) {
                Poll.until(SYNC_TIMEOUT, Duration.ofMillis(50), () ->
                        m.host().equals(n.infoField("replication", "master_host"))
                                && "up".equals(n.infoField("replication", "master_link_status")),
                        () -> n + " did not sync with " + m);
            }
        }
    }

    /** Builds and starts a {@link RedisReplication}; not thread-safe. */
    public static final class Builder extends NodesBuilder<Builder> {
        private String password = "secret";

        private Builder() {
            super(5, 6379, Duration.ofSeconds(30));
        }

        /** requirepass and masterauth; default "secret". */
        public Builder password(String password) {
            this.password = Checks.password(password);
            return this;
        }

        /** Starts the nodes and waits until every replica is in sync. */
        public RedisReplication start() {
            FixtureResources resources = new FixtureResources("waymark-redis-", "RedisReplication",
                    Launcher.Image.REDIS, "redis-server");
            return resources.start(() -> {
                List<LocalRedisNode> nodes = new ArrayList<>();
                for (String host : holdAddresses(resources)) {
                    nodes.add(new LocalRedisNode("redis" + (nodes.size() + 1), host, port, password, resources,
                            null, startTimeout, serverOptions));
                }
                for (int i = 1; i < nodes.size(); i++) {
                    nodes.get(i).upstream(nodes.get(0));
                }
                resources.stopOnClose(nodes);
                RedisReplication rr = new RedisReplication(nodes, resources, password);
                LocalProcessNode.launchAll(nodes, resources);
                for (LocalRedisNode n : nodes) {
                    n.awaitReady(startTimeout);
                }
                rr.awaitReplicasInSync();
                return rr;
            });
        }
    }
}
