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
public final class RedisReplication implements AutoCloseable {

    private static final Duration SYNC_TIMEOUT = Duration.ofSeconds(30);

    private final List<LocalRedisNode> nodes;
    private final FixtureResources resources;
    private final String password;
    private volatile LocalRedisNode master;

    private RedisReplication(List<LocalRedisNode> nodes, FixtureResources resources,
            String password) {
        this.nodes = List.copyOf(nodes);
        this.resources = resources;
        this.password = password;
        this.master = nodes.get(0);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The current master as this fixture configured it (after switchover/promote: the new one). */
    public RedisNode master() {
        return master;
    }

    /** Every node but the current master, in creation order. */
    public List<RedisNode> replicas() {
        return LocalProcessNode.except(nodes, master);
    }

    /** All nodes in creation order (the first was the initial master). */
    public List<RedisNode> nodes() {
        return List.copyOf(nodes);
    }

    public String password() {
        return password;
    }

    /**
     * Coordinated promotion of {@code replica}: pauses writes on the master, waits until the replica
     * has its whole replication stream, promotes it, repoints every other node (the old master
     * too) and then releases the writes. Returns once all running replicas are in sync with it.
     */
    public synchronized void switchover(RedisNode replica) {
        LocalRedisNode target = own(replica);
        LocalRedisNode old = master;
        if (target == old) {
            throw new IllegalArgumentException(replica + " is already the master");
        }
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
        LocalRedisNode target = own(replica);
        if (target == master) {
            throw new IllegalArgumentException(replica + " is already the master");
        }
        makeMaster(target);
    }

    /** SIGKILL on {@code node}; no promotion follows (see {@link #promoteWhenMasterFails}). */
    public void kill(RedisNode node) {
        own(node).kill();
    }

    /**
     * An outside actor promotes, {@code delay} from now, the replica with the highest replication
     * offset among those that answer, repoints the other replicas to it, and demotes the old master
     * ({@code REPLICAOF}) as soon as it answers again. Nothing is coordinated: writes the master
     * acknowledged after the promoted replica's offset are lost. See {@link Promotion}.
     */
    public Promotion<RedisNode> promoteBestReplica(Duration delay) {
        return Promotion.after("outside promotion in " + this, delay, new OutsideActor(), resources);
    }

    /**
     * Like {@link #promoteBestReplica}, but the actor first watches the master and counts
     * {@code delay} from when it saw it fail (killed, stopped or frozen: it no longer answers PING
     * within {@value Promotion#PROBE_TIMEOUT_MS} ms, {@value Promotion#FAILED_PROBES} probes in a
     * row). Arm it before the fault.
     */
    public Promotion<RedisNode> promoteWhenMasterFails(Duration delay) {
        return Promotion.whenWritableFails("outside promotion in " + this, delay, new OutsideActor(),
                resources);
    }

    /** The outside promoter's view: network probes only, with short timeouts. */
    private final class OutsideActor implements Promotion.Actor<RedisNode> {
        private final Duration timeout = Duration.ofMillis(Promotion.PROBE_TIMEOUT_MS);

        @Override
        public boolean writableAnswers() {
            return "PONG".equals(String.valueOf(master.callWithin(timeout, "PING")));
        }

        @Override
        public Promotion.Promoted<RedisNode> promoteBest() {
            synchronized (RedisReplication.this) {
                LocalRedisNode old = master;
                LocalRedisNode best = null;
                long bestOffset = -1;
                for (LocalRedisNode n : LocalProcessNode.except(nodes, old)) {
                    try {
                        String info = String.valueOf(n.callWithin(timeout, "INFO", "replication"));
                        long offset = Long.parseLong(Resp.infoField(info, "slave_repl_offset"));
                        if (offset > bestOffset) {
                            best = n;
                            bestOffset = offset;
                        }
                    } catch (RuntimeException e) {
                        // down, frozen or no replica: not a candidate
                    }
                }
                if (best == null) {
                    throw new IllegalStateException("no replica of " + old + " answered: nothing to promote");
                }
                return new Promotion.Promoted<>(best, old, makeMaster(best));
            }
        }

        @Override
        public boolean fenceOld(RedisNode old) {
            LocalRedisNode o = (LocalRedisNode) old;
            // the probe without the fixture's lock: a frozen node would hold it for the timeout
            if (!"master".equals(String.valueOf(((List<?>) o.callWithin(timeout, "ROLE")).get(0)))) {
                return true;
            }
            synchronized (RedisReplication.this) {
                LocalRedisNode m = master;
                if (m != o) {
                    o.callWithin(timeout, "REPLICAOF", m.host(), String.valueOf(m.port()));
                }
                return true;
            }
        }
    }

    /**
     * REPLICAOF NO ONE on {@code target}, then every other node follows it; returns when
     * {@code target} became writable ({@link System#nanoTime()}).
     */
    private long makeMaster(LocalRedisNode target) {
        target.call("REPLICAOF", "NO", "ONE");
        long writable = System.nanoTime();
        master = target;
        target.upstream(null);
        for (LocalRedisNode n : LocalProcessNode.except(nodes, target)) {
            // a stopped or paused node follows it from its next start
            n.upstream(target);
            if (n.isServing()) {
                n.call("REPLICAOF", target.host(), String.valueOf(target.port()));
            }
        }
        return writable;
    }

    /** Waits until every running, unpaused replica has its link to the current master up. */
    public void awaitReplicasInSync() {
        LocalRedisNode m = master;
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

    private LocalRedisNode own(RedisNode node) {
        return LocalProcessNode.member(nodes, node, "fixture");
    }

    /**
     * Cancels outside promotions and timed thaws, stops every node (thawing frozen ones), deletes
     * the data and releases the addresses.
     */
    @Override
    public void close() {
        resources.close();
    }

    @Override
    public String toString() {
        return "RedisReplication[master " + master + ", nodes " + nodes + "]";
    }

    /** Builds and starts a {@link RedisReplication}; not thread-safe. */
    public static final class Builder {
        private int replicas = 1;
        private int port = 6379;
        private String password = "secret";
        private Duration startTimeout = Duration.ofSeconds(30);

        private Builder() {}

        /** Number of replicas, 0..5; default 1. */
        public Builder replicas(int replicas) {
            this.replicas = Checks.inRange("replicas", replicas, 0, 5);
            return this;
        }

        /** The port of every node (each has its own address); default 6379. */
        public Builder port(int port) {
            this.port = Checks.inRange("port", port, 1, 65535);
            return this;
        }

        /** requirepass and masterauth; default "secret". */
        public Builder password(String password) {
            this.password = Checks.password(password);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Checks.positive("startTimeout", timeout);
            return this;
        }

        /** Starts the nodes and waits until every replica is in sync. */
        public RedisReplication start() {
            FixtureResources resources = new FixtureResources("waymark-redis-", "RedisReplication",
                    Launcher.Image.REDIS, "redis-server");
            try {
                List<LocalRedisNode> nodes = new ArrayList<>();
                for (int i = 0; i <= replicas; i++) {
                    // the Consul ports too: RoleChecks agents bind to the node's address
                    String host = resources.hold(
                            LoopbackAddresses.acquire(LocalConsulAgent.withClientAgentPorts(port)));
                    nodes.add(new LocalRedisNode("redis" + (i + 1), host, port, password, resources,
                            null, startTimeout));
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
            } catch (RuntimeException e) {
                throw resources.startFailed(e);
            } catch (Error e) {
                resources.closeAfter(e);
                throw e;
            }
        }
    }
}
