package io.waymark.testkit;

import io.waymark.testkit.internal.Poll;
import io.waymark.testkit.internal.Resp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiPredicate;

/**
 * A Redis Cluster of 3 masters and 3 replicas, each node on its own 127.0.0.x address and the
 * same port, with {@code cluster-announce-ip} so the nodes see each other by those addresses. The
 * layout is deterministic: the first three nodes are the masters (slots 0-5460, 5461-10922,
 * 10923-16383), node 4 replicates node 1, node 5 node 2, node 6 node 3.
 *
 * <p>{@link #masters()}, {@link #replicas()} and {@link #replicaOf} read the cluster's own view
 * ({@code CLUSTER NODES} from a running node), so they follow failovers.
 *
 * <p>Threading: thread-safe; failovers are serialized.
 */
public final class RedisCluster implements AutoCloseable {

    private static final Duration SETTLE_TIMEOUT = Duration.ofSeconds(30);
    private static final int[][] SLOTS = {{0, 5460}, {5461, 10922}, {10923, 16383}};

    private final List<LocalRedisNode> nodes;
    private final Map<LocalRedisNode, String> ids = new ConcurrentHashMap<>();
    private final FixtureResources resources;
    private final String password;

    private RedisCluster(List<LocalRedisNode> nodes, FixtureResources resources, String password) {
        this.nodes = List.copyOf(nodes);
        this.resources = resources;
        this.password = password;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** All six nodes in creation order. */
    public List<RedisNode> nodes() {
        return List.copyOf(nodes);
    }

    public String password() {
        return password;
    }

    /** Nodes serving slots as masters, in creation order (a failed one until it is replaced). */
    public List<RedisNode> masters() {
        List<RedisNode> out = new ArrayList<>();
        for (NodeLine l : view()) {
            if (l.flags.contains("master") && l.hasSlots && l.node != null) {
                out.add(l.node);
            }
        }
        return sorted(out);
    }

    /** Nodes flagged as replicas, in creation order. */
    public List<RedisNode> replicas() {
        List<RedisNode> out = new ArrayList<>();
        for (NodeLine l : view()) {
            if (l.flags.contains("slave") && l.node != null) {
                out.add(l.node);
            }
        }
        return sorted(out);
    }

    /** The replica of {@code master}, per the cluster's view. */
    public RedisNode replicaOf(RedisNode master) {
        String id = ids.get(own(master));
        for (NodeLine l : view()) {
            if (l.flags.contains("slave") && id.equals(l.masterId) && l.node != null) {
                return l.node;
            }
        }
        throw new IllegalStateException("no replica of " + master + " in " + view());
    }

    /**
     * {@code CLUSTER FAILOVER} on {@code replica} ({@code FORCE} when its master is down or
     * paused); returns once the replica is master, the old master (if running) its replica, and
     * every running node sees the cluster ok.
     */
    public synchronized void failover(RedisNode replica) {
        LocalRedisNode target = own(replica);
        NodeLine self = lineOf(target, target);
        if (!self.flags.contains("slave")) {
            throw new IllegalArgumentException(replica + " is not a replica: " + self.flags);
        }
        LocalRedisNode old = byId(self.masterId);
        boolean oldUp = old != null && old.isServing();
        if (oldUp) {
            target.call("CLUSTER", "FAILOVER");
        } else {
            target.call("CLUSTER", "FAILOVER", "FORCE");
        }
        String targetId = ids.get(target);
        Poll.until(SETTLE_TIMEOUT, Duration.ofMillis(100), () -> {
            if (!"master".equals(target.role())) {
                return false;
            }
            if (oldUp && !"slave".equals(old.role())) {
                return false;
            }
            for (LocalRedisNode n : running()) {
                NodeLine l = lineOf(n, target);
                if (!l.flags.contains("master") || !l.hasSlots) {
                    return false;
                }
                if (oldUp && !targetId.equals(lineOf(n, old).masterId)) {
                    return false;
                }
            }
            return true;
        }, () -> "failover to " + target + " did not complete; view: " + view());
        awaitOk();
    }

    /** SIGKILL on {@code node}; the cluster fails over on its own after the node timeout. */
    public void kill(RedisNode node) {
        own(node).kill();
    }

    /** Waits until every running node reports cluster_state:ok. */
    public void awaitOk() {
        for (LocalRedisNode n : running()) {
            Poll.until(SETTLE_TIMEOUT, Duration.ofMillis(100), () -> clusterOk(n),
                    () -> n + " does not report cluster_state:ok; " + n.process().describe());
        }
    }

    private static boolean clusterOk(LocalRedisNode n) {
        return "ok".equals(Resp.infoField(String.valueOf(n.call("CLUSTER", "INFO")), "cluster_state"));
    }

    private List<LocalRedisNode> running() {
        return nodes.stream().filter(LocalProcessNode::isServing).toList();
    }

    private List<RedisNode> sorted(List<RedisNode> in) {
        List<RedisNode> out = new ArrayList<>();
        for (LocalRedisNode n : nodes) {
            if (in.contains(n)) {
                out.add(n);
            }
        }
        return out;
    }

    /** CLUSTER NODES from the first running node that answers. */
    private List<NodeLine> view() {
        return LocalProcessNode.firstAnswer(nodes, this::nodesSeenBy, "no running cluster node answers");
    }

    /** CLUSTER NODES from {@code n}. */
    private List<NodeLine> nodesSeenBy(LocalRedisNode n) {
        return parse(String.valueOf(n.call("CLUSTER", "NODES")));
    }

    private NodeLine lineOf(LocalRedisNode from, LocalRedisNode about) {
        String id = ids.get(about);
        for (NodeLine l : nodesSeenBy(from)) {
            if (l.id.equals(id)) {
                return l;
            }
        }
        throw new IllegalStateException(from + " does not know " + about);
    }

    private LocalRedisNode byId(String id) {
        for (Map.Entry<LocalRedisNode, String> e : ids.entrySet()) {
            if (e.getValue().equals(id)) {
                return e.getKey();
            }
        }
        return null;
    }

    private List<NodeLine> parse(String text) {
        List<NodeLine> out = new ArrayList<>();
        for (String line : text.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 8) {
                continue;
            }
            out.add(new NodeLine(f[0], byId(f[0]), List.of(f[2].split(",")), f[3], f.length > 8));
        }
        return out;
    }

    private record NodeLine(String id, LocalRedisNode node, List<String> flags, String masterId,
            boolean hasSlots) {
        @Override
        public String toString() {
            return (node == null ? id : node.address()) + " " + flags + (hasSlots ? " slots" : "");
        }
    }

    private LocalRedisNode own(RedisNode node) {
        return LocalProcessNode.member(nodes, node, "cluster");
    }

    /** Stops every node, deletes the data and releases the addresses. */
    @Override
    public synchronized void close() {
        resources.close();
    }

    @Override
    public String toString() {
        return "RedisCluster" + nodes;
    }

    /** Creates the cluster: slots on the masters, meet, then each replica follows its master. */
    private void create(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        LocalProcessNode.launchAll(nodes, resources);
        for (LocalRedisNode n : nodes) {
            n.awaitReady(Poll.remaining(deadline));
            ids.put(n, String.valueOf(n.call("CLUSTER", "MYID")));
        }
        for (int i = 0; i < 3; i++) {
            nodes.get(i).call("CLUSTER", "ADDSLOTSRANGE", String.valueOf(SLOTS[i][0]),
                    String.valueOf(SLOTS[i][1]));
        }
        for (int i = 0; i < nodes.size(); i++) {
            // distinct epochs up front, as redis-cli --cluster create does, so no epoch collision
            nodes.get(i).call("CLUSTER", "SET-CONFIG-EPOCH", String.valueOf(i + 1));
        }
        LocalRedisNode first = nodes.get(0);
        for (int i = 1; i < nodes.size(); i++) {
            first.call("CLUSTER", "MEET", nodes.get(i).host(), String.valueOf(nodes.get(i).port()));
        }
        awaitEveryView(deadline, (n, v) -> v.size() == nodes.size() && v.stream().allMatch(
                l -> l.node != null && !l.flags.contains("handshake") && !l.flags.contains("noaddr")));
        for (int i = 3; i < 6; i++) {
            nodes.get(i).call("CLUSTER", "REPLICATE", ids.get(nodes.get(i - 3)));
        }
        awaitEveryView(deadline, (n, v) -> {
            for (int i = 3; i < 6; i++) {
                String masterId = ids.get(nodes.get(i - 3));
                String replicaId = ids.get(nodes.get(i));
                boolean ok = v.stream().anyMatch(l -> l.id.equals(replicaId)
                        && l.flags.contains("slave") && masterId.equals(l.masterId));
                if (!ok) {
                    return false;
                }
            }
            return clusterOk(n);
        });
        for (int i = 3; i < 6; i++) {
            nodes.get(i).awaitLinkUp(Poll.remaining(deadline));
        }
    }

    /** Waits until the CLUSTER NODES view {@code v} of every node {@code n} passes {@code ok(n, v)}. */
    private void awaitEveryView(long deadline, BiPredicate<LocalRedisNode, List<NodeLine>> ok) {
        AtomicReference<String> seen = new AtomicReference<>("");
        for (LocalRedisNode n : nodes) {
            Poll.until(Poll.remaining(deadline), Duration.ofMillis(100), () -> {
                List<NodeLine> v = nodesSeenBy(n);
                seen.set(n + " sees " + v);
                return ok.test(n, v);
            }, seen::get);
        }
    }

    /** Builds and starts a {@link RedisCluster}; not thread-safe. */
    public static final class Builder extends FixtureBuilder<Builder> {
        private int port = 6379;
        private String password = "secret";
        private List<String> hosts;
        private Duration nodeTimeout = Duration.ofSeconds(5);
        private Duration addressWait = Duration.ofSeconds(120);

        private Builder() {
            super(Duration.ofSeconds(60));
        }

        /** The port of every node, 1..55535 (the bus is port + 10000); default 6379. */
        public Builder port(int port) {
            this.port = Checks.inRange("port", port, 1, 55535);
            return this;
        }

        /** requirepass and masterauth; default "secret". */
        public Builder password(String password) {
            this.password = Checks.password(password);
            return this;
        }

        /**
         * Six fixed addresses (first three masters) instead of leased ones; waited for (see
         * {@link #addressWait}) when another fixture holds them.
         */
        public Builder hosts(List<String> hosts) {
            this.hosts = Checks.loopbackHosts("hosts", hosts, 6, 6);
            return this;
        }

        /** cluster-node-timeout: how long until a silent node is failed over; default 5 s. */
        public Builder nodeTimeout(Duration timeout) {
            this.nodeTimeout = checkNodeTimeout(timeout);
            return this;
        }

        /** How long to wait for fixed hosts held by another fixture; default 120 s. */
        public Builder addressWait(Duration wait) {
            this.addressWait = Checks.nonNegative("addressWait", wait);
            return this;
        }

        /** Starts the six nodes and waits until the cluster is ok with every replica in sync. */
        public RedisCluster start() {
            FixtureResources resources = new FixtureResources("waymark-redis-cluster-", "RedisCluster",
                    Launcher.Image.REDIS, "redis-server");
            return resources.start(() -> {
                // the Consul ports too: RoleChecks agents bind to the node's address
                List<LocalRedisNode> nodes = new ArrayList<>();
                for (String host : resources.holdAddresses(6, hosts, addressWait,
                        LocalConsulAgent.withClientAgentPorts(port, port + 10000))) {
                    nodes.add(new LocalRedisNode("node" + (nodes.size() + 1), host, port, password, resources,
                            nodeTimeout, startTimeout, serverOptions));
                }
                resources.stopOnClose(nodes);
                RedisCluster rc = new RedisCluster(nodes, resources, password);
                rc.create(startTimeout);
                return rc;
            });
        }
    }

    /** The check of cluster-node-timeout, shared with {@link SeedTopology.Builder#nodeTimeout}. */
    static Duration checkNodeTimeout(Duration timeout) {
        return Checks.atLeastMillis("nodeTimeout", timeout, 100);
    }
}
