package io.waymark.testkit;

import io.waymark.testkit.internal.ManagedProcess;
import io.waymark.testkit.internal.Poll;
import io.waymark.testkit.internal.Reaper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Redis master with N replicas (standalone replication, AUTH on), each node on its own
 * 127.0.0.x address and the same port. No persistence.
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
  private final List<LoopbackAddresses.Lease> leases;
  private final Path dir;
  private final String password;
  private volatile LocalRedisNode master;
  private volatile boolean closed;

  private RedisReplication(List<LocalRedisNode> nodes, List<LoopbackAddresses.Lease> leases,
      Path dir, String password) {
    this.nodes = List.copyOf(nodes);
    this.leases = List.copyOf(leases);
    this.dir = dir;
    this.password = password;
    this.master = nodes.isEmpty() ? null : nodes.get(0);
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
    LocalRedisNode m = master;
    List<RedisNode> out = new ArrayList<>();
    for (LocalRedisNode n : nodes) {
      if (n != m) {
        out.add(n);
      }
    }
    return out;
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
      target.call("REPLICAOF", "NO", "ONE");
      master = target;
      target.upstream(null);
      for (LocalRedisNode n : nodes) {
        if (n != target) {
          repoint(n, target);
        }
      }
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
    target.call("REPLICAOF", "NO", "ONE");
    master = target;
    target.upstream(null);
    for (LocalRedisNode n : nodes) {
      if (n != target) {
        repoint(n, target);
      }
    }
  }

  /** SIGKILL on {@code node}; no promotion follows. */
  public void kill(RedisNode node) {
    own(node).kill();
  }

  private void repoint(LocalRedisNode n, LocalRedisNode to) {
    n.upstream(to);
    if (n.isRunning() && !n.process().isPaused()) {
      n.call("REPLICAOF", to.host(), String.valueOf(to.port()));
    }
  }

  /** Waits until every running, unpaused replica has its link to the current master up. */
  public void awaitReplicasInSync() {
    LocalRedisNode m = master;
    Poll.until(SYNC_TIMEOUT, () -> "master".equals(m.role()), () -> m + " is not master");
    for (LocalRedisNode n : nodes) {
      if (n != m && n.isRunning() && !n.process().isPaused()) {
        Poll.until(SYNC_TIMEOUT, Duration.ofMillis(50), () ->
            m.host().equals(n.infoField("replication", "master_host"))
                && "up".equals(n.infoField("replication", "master_link_status")),
            () -> n + " did not sync with " + m);
      }
    }
  }

  private LocalRedisNode own(RedisNode node) {
    Objects.requireNonNull(node, "node");
    for (LocalRedisNode n : nodes) {
      if (n == node) {
        return n;
      }
    }
    throw new IllegalArgumentException("not a node of this fixture: " + node);
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
      if (replicas < 0 || replicas > 5) {
        throw new IllegalArgumentException("replicas must be in 0..5: " + replicas);
      }
      this.replicas = replicas;
      return this;
    }

    /** The port of every node (each has its own address); default 6379. */
    public Builder port(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be in 1..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** requirepass and masterauth; default "secret". */
    public Builder password(String password) {
      this.password = checkPassword(password);
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("startTimeout must be positive: " + timeout);
      }
      this.startTimeout = timeout;
      return this;
    }

    /** Starts the nodes and waits until every replica is in sync. */
    public RedisReplication start() {
      Path dir = Reaper.tempDir("waymark-redis-");
      List<LoopbackAddresses.Lease> leases = new ArrayList<>();
      List<LocalRedisNode> nodes = new ArrayList<>();
      RedisReplication rr = null;
      try {
        for (int i = 0; i <= replicas; i++) {
          // the Consul ports too: RoleChecks agents bind to the node's address
          LoopbackAddresses.Lease lease = LoopbackAddresses.acquire(port, 8301, 8500, 8600);
          leases.add(lease);
          nodes.add(new LocalRedisNode("redis" + (i + 1), lease.address(), port, password, dir,
              null, startTimeout));
        }
        for (int i = 1; i < nodes.size(); i++) {
          nodes.get(i).upstream(nodes.get(0));
        }
        rr = new RedisReplication(nodes, leases, dir, password);
        for (LocalRedisNode n : nodes) {
          n.launch();
        }
        for (LocalRedisNode n : nodes) {
          n.awaitReady(startTimeout);
        }
        rr.awaitReplicasInSync();
        return rr;
      } catch (RuntimeException | Error e) {
        if (rr != null) {
          rr.close();
        } else {
          leases.forEach(LoopbackAddresses.Lease::close);
          Reaper.deleteDir(dir);
        }
        throw e;
      }
    }
  }

  static String checkPassword(String password) {
    if (password == null || password.isEmpty() || !password.matches("[A-Za-z0-9_.@%+=:-]+")) {
      // the value itself stays out of the message
      throw new IllegalArgumentException(
          "password must be non-empty and use only [A-Za-z0-9_.@%+=:-]");
    }
    return password;
  }

}
