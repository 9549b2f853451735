package io.waymark.testkit;

import io.waymark.testkit.internal.ManagedProcess;
import io.waymark.testkit.internal.Poll;
import io.waymark.testkit.internal.Reaper;
import io.waymark.testkit.internal.Resp;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

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
  private final List<LoopbackAddresses.Lease> leases;
  private final Path dir;
  private final String password;
  private volatile boolean closed;

  private RedisCluster(List<LocalRedisNode> nodes, List<LoopbackAddresses.Lease> leases, Path dir,
      String password) {
    this.nodes = List.copyOf(nodes);
    this.leases = List.copyOf(leases);
    this.dir = dir;
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
    boolean oldUp = old != null && old.isRunning() && !old.process().isPaused();
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
      Poll.until(SETTLE_TIMEOUT, Duration.ofMillis(100),
          () -> "ok".equals(Resp.infoField(String.valueOf(n.call("CLUSTER", "INFO")),
              "cluster_state")),
          () -> n + " does not report cluster_state:ok; " + n.process().describe());
    }
  }

  private List<LocalRedisNode> running() {
    return nodes.stream().filter(n -> n.isRunning() && !n.process().isPaused()).toList();
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
    RuntimeException last = null;
    for (LocalRedisNode n : running()) {
      try {
        return parse(String.valueOf(n.call("CLUSTER", "NODES")));
      } catch (RuntimeException e) {
        last = e;
      }
    }
    throw new IllegalStateException("no running cluster node answers", last);
  }

  private NodeLine lineOf(LocalRedisNode from, LocalRedisNode about) {
    String id = ids.get(about);
    for (NodeLine l : parse(String.valueOf(from.call("CLUSTER", "NODES")))) {
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
    Objects.requireNonNull(node, "node");
    for (LocalRedisNode n : nodes) {
      if (n == node) {
        return n;
      }
    }
    throw new IllegalArgumentException("not a node of this cluster: " + node);
  }

  /** Stops every node, deletes the data and releases the addresses. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      ManagedProcess.stopAll(nodes.stream().map(LocalRedisNode::process).toList(),
          Duration.ofSeconds(10));
    } finally {
      leases.forEach(LoopbackAddresses.Lease::close);
      Reaper.deleteDir(dir);
    }
  }

  @Override
  public String toString() {
    return "RedisCluster" + nodes;
  }

  /** Creates the cluster: slots on the masters, meet, then each replica follows its master. */
  private void create(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (LocalRedisNode n : nodes) {
      n.launch();
    }
    for (LocalRedisNode n : nodes) {
      n.awaitReady(remaining(deadline));
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
    AtomicReference<String> seen = new AtomicReference<>("");
    for (LocalRedisNode n : nodes) {
      Poll.until(remaining(deadline), Duration.ofMillis(100), () -> {
        List<NodeLine> v = parse(String.valueOf(n.call("CLUSTER", "NODES")));
        seen.set(n + " sees " + v);
        return v.size() == nodes.size() && v.stream().allMatch(l -> l.node != null
            && !l.flags.contains("handshake") && !l.flags.contains("noaddr"));
      }, seen::get);
    }
    for (int i = 3; i < 6; i++) {
      nodes.get(i).call("CLUSTER", "REPLICATE", ids.get(nodes.get(i - 3)));
    }
    for (LocalRedisNode n : nodes) {
      Poll.until(remaining(deadline), Duration.ofMillis(100), () -> {
        List<NodeLine> v = parse(String.valueOf(n.call("CLUSTER", "NODES")));
        seen.set(n + " sees " + v);
        for (int i = 3; i < 6; i++) {
          String masterId = ids.get(nodes.get(i - 3));
          String replicaId = ids.get(nodes.get(i));
          boolean ok = v.stream().anyMatch(l -> l.id.equals(replicaId)
              && l.flags.contains("slave") && masterId.equals(l.masterId));
          if (!ok) {
            return false;
          }
        }
        return "ok".equals(Resp.infoField(
            String.valueOf(n.call("CLUSTER", "INFO")), "cluster_state"));
      }, seen::get);
    }
    for (int i = 3; i < 6; i++) {
      nodes.get(i).awaitLinkUp(remaining(deadline));
    }
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }

  /** Builds and starts a {@link RedisCluster}; not thread-safe. */
  public static final class Builder {
    private int port = 6379;
    private String password = "secret";
    private List<String> hosts;
    private Duration nodeTimeout = Duration.ofSeconds(5);
    private Duration startTimeout = Duration.ofSeconds(60);
    private Duration addressWait = Duration.ofSeconds(120);

    private Builder() {}

    /** The port of every node, 1..55535 (the bus is port + 10000); default 6379. */
    public Builder port(int port) {
      if (port < 1 || port > 55535) {
        throw new IllegalArgumentException("port must be in 1..55535: " + port);
      }
      this.port = port;
      return this;
    }

    /** requirepass and masterauth; default "secret". */
    public Builder password(String password) {
      this.password = RedisReplication.checkPassword(password);
      return this;
    }

    /**
     * Six fixed addresses (first three masters) instead of leased ones; waited for (see
     * {@link #addressWait}) when another fixture holds them.
     */
    public Builder hosts(List<String> hosts) {
      if (hosts == null || hosts.size() != 6) {
        throw new IllegalArgumentException("hosts must hold 6 addresses: " + hosts);
      }
      hosts.forEach(LoopbackAddresses::requireLoopback);
      if (new HashSet<>(hosts).size() != 6) {
        throw new IllegalArgumentException("hosts must be distinct: " + hosts);
      }
      this.hosts = List.copyOf(hosts);
      return this;
    }

    /** cluster-node-timeout: how long until a silent node is failed over; default 5 s. */
    public Builder nodeTimeout(Duration timeout) {
      if (timeout == null || timeout.toMillis() < 100) {
        throw new IllegalArgumentException("nodeTimeout must be >= 100 ms: " + timeout);
      }
      this.nodeTimeout = timeout;
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("startTimeout must be positive: " + timeout);
      }
      this.startTimeout = timeout;
      return this;
    }

    /** How long to wait for fixed hosts held by another fixture; default 120 s. */
    public Builder addressWait(Duration wait) {
      if (wait == null || wait.isNegative()) {
        throw new IllegalArgumentException("addressWait must be >= 0: " + wait);
      }
      this.addressWait = wait;
      return this;
    }

    /** Starts the six nodes and waits until the cluster is ok with every replica in sync. */
    public RedisCluster start() {
      Path dir = Reaper.tempDir("waymark-redis-cluster-");
      List<LoopbackAddresses.Lease> leases = new ArrayList<>();
      RedisCluster rc = null;
      try {
        List<LocalRedisNode> nodes = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
          LoopbackAddresses.Lease lease = hosts != null
              ? LoopbackAddresses.acquire(hosts.get(i), addressWait, port, port + 10000, 8301,
                  8500, 8600)
              : LoopbackAddresses.acquire(port, port + 10000, 8301, 8500, 8600);
          leases.add(lease);
          nodes.add(new LocalRedisNode("node" + (i + 1), lease.address(), port, password, dir,
              nodeTimeout, startTimeout));
        }
        rc = new RedisCluster(nodes, leases, dir, password);
        rc.create(startTimeout);
        return rc;
      } catch (RuntimeException | Error e) {
        if (rc != null) {
          rc.close();
        } else {
          leases.forEach(LoopbackAddresses.Lease::close);
          Reaper.deleteDir(dir);
        }
        throw e;
      }
    }
  }
}
