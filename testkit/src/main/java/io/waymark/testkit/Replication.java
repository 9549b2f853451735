package io.waymark.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What a fixture of one writable node and its replicas shares ({@link RedisReplication},
 * {@link MariaDbReplication}): the nodes in creation order, the current writable node (master or
 * primary), faults, the outside promoter's plumbing, and closing.
 *
 * <p>Threading: thread-safe; topology changes synchronize on the fixture, the writable node is read
 * without blocking.
 *
 * @param <N> the public node type, {@link RedisNode} or {@link MariaDbNode}
 * @param <L> its implementation, which implements {@code N}
 */
abstract class Replication<N, L extends LocalProcessNode> implements AutoCloseable {

    final List<L> nodes;
    final FixtureResources resources;
    /** What the writable node is called, "master" or "primary". */
    private final String role;
    /** The master or primary as this fixture configured it. */
    volatile L writable;

    Replication(List<L> nodes, FixtureResources resources, String role) {
        this.nodes = List.copyOf(nodes);
        this.resources = resources;
        this.role = role;
        this.writable = nodes.get(0);
    }

    /**
     * Every node but the current master or primary, in creation order; for MariaDB, after an
     * outside promotion, this includes the detached old primary (read-only, not replicating).
     */
    public List<N> replicas() {
        return view(LocalProcessNode.except(nodes, writable));
    }

    /** All nodes in creation order (the first was the initial master or primary). */
    public List<N> nodes() {
        return view(nodes);
    }

    /**
     * Coordinated promotion of {@code replica}, nothing lost. Redis: pauses writes on the master,
     * waits until the replica has its whole replication stream, promotes it, repoints every other
     * node (the old master too), then releases the writes; returns once every running replica is
     * in sync with it. MariaDB: the primary goes {@code read_only}, the replica applies everything
     * the primary logged, then stops replicating and becomes writable; the old primary and the
     * other replicas then replicate from it; returns once every running replica replicates.
     *
     * @throws IllegalArgumentException when {@code replica} is not a node of this fixture, is the
     *     master or primary already, or (MariaDB) was detached by an outside promotion
     */
    public final synchronized void switchover(N replica) {
        switchover(writable, toPromote(replica));
    }

    /** The switchover from {@code old}, the writable node, to {@code target}; under the fixture's lock. */
    abstract void switchover(L old, L target);

    /** SIGKILL on {@code node}; no promotion follows (see the outside promoter, {@link #promoteBestReplica}). */
    public void kill(N node) {
        own(node).kill();
    }

    /**
     * An outside actor promotes, {@code delay} from now, the replica that got the furthest in the
     * writable node's stream among those that answer (Redis: the highest replication offset;
     * MariaDB: the highest {@code Gtid_IO_Pos}, once it applied all it received), and repoints the
     * other replicas to it. Then it deals with the old writable node as soon as it answers again:
     * a Redis master is demoted ({@code REPLICAOF} the new one); a MariaDB primary is fenced (it
     * restarts read-only and is set {@code read_only}) but stays detached, not replicating, as it
     * may hold transactions nobody else got. Nothing is coordinated: what the old node acknowledged
     * and no replica received is lost. See {@link Promotion}.
     */
    public final Promotion<N> promoteBestReplica(Duration delay) {
        return Promotion.after("outside promotion in " + this, delay, outsideActor, resources);
    }

    /** Like {@link #promoteBestReplica}, {@code delay} counted from when the actor saw the writable node fail. */
    final Promotion<N> promoteWhenWritableFails(Duration delay) {
        return Promotion.whenWritableFails("outside promotion in " + this, delay, outsideActor, resources);
    }

    /**
     * The outside promoter's view of the writable node (see {@link Promotion.Actor}), a network
     * probe with {@link Promotion#PROBE_TIMEOUT}.
     */
    abstract boolean writableAnswers();

    /** Promotes the replica that got the furthest and repoints the others; see {@link Promotion.Actor}. */
    abstract Promotion.Promoted<N> promoteBest();

    /** Demotes or fences {@code old} if it answers; see {@link Promotion.Actor}. */
    abstract boolean fenceOld(L old);

    /** The outside promoter's actions: this fixture's, kept off its public API. */
    private final Promotion.Actor<N> outsideActor = new Promotion.Actor<>() {
        @Override
        public boolean writableAnswers() {
            return Replication.this.writableAnswers();
        }

        @Override
        public Promotion.Promoted<N> promoteBest() {
            return Replication.this.promoteBest();
        }

        @Override
        public boolean fenceOld(N old) {
            return Replication.this.fenceOld(own(old));
        }
    };

    /** A replica's answer to the outside promoter: how far it got in the writable node's stream. */
    record Progress<L>(L node, String position, long amount) {}

    /**
     * Asks each replica of {@code old} that {@code candidate} accepts, in creation order, how far it
     * got ({@code probe}, bounded by short timeouts); one whose probe fails (down, frozen) goes to
     * {@code silent}. Returns the answers.
     */
    final List<Progress<L>> probeReplicas(L old, Predicate<L> candidate, Function<L, Progress<L>> probe,
            Consumer<L> silent) {
        List<Progress<L>> answers = new ArrayList<>();
        for (L n : LocalProcessNode.except(nodes, old)) {
            if (candidate.test(n)) {
                try {
                    answers.add(probe.apply(n));
                } catch (RuntimeException e) {
                    silent.accept(n);
                }
            }
        }
        return answers;
    }

    /**
     * The first of the answers that got the furthest.
     *
     * @throws IllegalStateException when no replica of {@code old} answered
     */
    static <L> Progress<L> furthest(List<Progress<L>> answers, Object old) {
        Progress<L> best = null;
        for (Progress<L> a : answers) {
            if (best == null || a.amount() > best.amount()) {
                best = a;
            }
        }
        if (best == null) {
            throw new IllegalStateException("no replica of " + old + " answered: nothing to promote");
        }
        return best;
    }

    L own(Object node) {
        return LocalProcessNode.member(nodes, node, "fixture");
    }

    /**
     * {@code replica} as this fixture's node, to be promoted by hand.
     *
     * @throws IllegalArgumentException when it is the writable one already
     */
    final L toPromote(Object replica) {
        L target = own(replica);
        if (target == writable) {
            throw new IllegalArgumentException(replica + " is already the " + role);
        }
        return target;
    }

    @SuppressWarnings("unchecked") // L implements N; Java cannot bound one type variable by another as well
    private List<N> view(List<L> in) {
        return List.copyOf((List<N>) (List<?>) in);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + role + " " + writable + ", nodes " + nodes + "]";
    }

    /**
     * Cancels outside promotions and timed thaws, stops every node (thawing frozen ones), deletes
     * the data and releases the addresses.
     */
    @Override
    public void close() {
        resources.close();
    }

    /**
     * What both builders take besides {@link FixtureBuilder}'s: the number of replicas and the port.
     *
     * @param <B> the builder itself
     */
    abstract static class NodesBuilder<B extends NodesBuilder<B>> extends FixtureBuilder<B> {
        private final int maxReplicas;
        int replicas = 1;
        int port;

        NodesBuilder(int maxReplicas, int port, Duration startTimeout) {
            super(startTimeout);
            this.maxReplicas = maxReplicas;
            this.port = port;
        }

        /** Number of replicas, 0..5 for Redis, 0..4 for MariaDB; default 1. */
        public B replicas(int replicas) {
            this.replicas = Checks.inRange("replicas", replicas, 0, maxReplicas);
            return self();
        }

        /** The port of every node (each has its own address); default 6379 for Redis, 3306 for MariaDB. */
        public B port(int port) {
            this.port = Checks.inRange("port", port, 1, 65535);
            return self();
        }

        /**
         * Holds an address for each node, with its port free and a Consul client agent's (RoleChecks
         * agents bind to the node's address).
         */
        final List<String> holdAddresses(FixtureResources resources) {
            return resources.holdAddresses(replicas + 1, null, null, LocalConsulAgent.withClientAgentPorts(port));
        }
    }
}
