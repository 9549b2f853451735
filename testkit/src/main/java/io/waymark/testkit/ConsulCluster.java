package io.waymark.testkit;

import io.waymark.testkit.internal.Http;
import io.waymark.testkit.internal.Json;
import io.waymark.testkit.internal.ManagedProcess;
import io.waymark.testkit.internal.Poll;
import io.waymark.testkit.internal.Reaper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Real Consul agents (servers plus client agents) as local processes, each on its own 127.0.0.x
 * address. {@link Builder#start()} returns once a leader is elected and every agent is an alive
 * member, with the client agents' services registered.
 *
 * <pre>{@code
 * try (ConsulCluster consul = ConsulCluster.builder().servers(1).clientAgent("plain").start()) {
 *   consul.awaitPassing("web", 1, Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>Threading: thread-safe; {@link #close()} is idempotent. Processes are also stopped by a JVM
 * shutdown hook.
 */
public final class ConsulCluster implements AutoCloseable {

  private final List<LocalConsulAgent> servers;
  private final List<LocalConsulAgent> clients;
  private final List<LoopbackAddresses.Lease> leases;
  private final Path dir;
  private volatile boolean closed;

  private ConsulCluster(List<LocalConsulAgent> servers, List<LocalConsulAgent> clients,
      List<LoopbackAddresses.Lease> leases, Path dir) {
    this.servers = List.copyOf(servers);
    this.clients = List.copyOf(clients);
    this.leases = List.copyOf(leases);
    this.dir = dir;
  }

  public static Builder builder() {
    return new Builder();
  }

  public List<ConsulAgent> servers() {
    return List.copyOf(servers);
  }

  /** Client agents in the order of {@link Builder#clientAgent} calls. */
  public List<ConsulAgent> clients() {
    return List.copyOf(clients);
  }

  /** Every agent, servers first. */
  public List<ConsulAgent> agents() {
    List<ConsulAgent> all = new ArrayList<>(servers);
    all.addAll(clients);
    return all;
  }

  /** The agent named {@code nodeName}. */
  public ConsulAgent agent(String nodeName) {
    for (ConsulAgent a : agents()) {
      if (a.nodeName().equals(nodeName)) {
        return a;
      }
    }
    throw new IllegalArgumentException("no agent named " + nodeName + " in " + names());
  }

  /** "127.0.0.x:8500" of the first client agent, else of the first server. */
  public String httpAddress() {
    return clients.isEmpty() ? servers.get(0).httpAddress() : clients.get(0).httpAddress();
  }

  /** HTTP addresses of every server, e.g. for a client that fails over between agents. */
  public List<String> serverHttpAddresses() {
    return servers.stream().map(LocalConsulAgent::httpAddress).toList();
  }

  /**
   * Waits until exactly {@code count} instances of {@code service} are passing, as seen by a
   * consistent read and by every running server's own state (so Consul DNS agrees on return).
   */
  public void awaitPassing(String service, int count, Duration timeout) {
    Objects.requireNonNull(service, "service");
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0: " + count);
    }
    int[] seen = {-1};
    Poll.until(timeout, Duration.ofMillis(200), () -> {
      List<String> now = passing(service);
      seen[0] = now.size();
      // also on every server's own state, which is what DNS (stale reads) answers from
      return seen[0] == count && serversAgree(service, now);
    }, () -> "expected " + count + " passing instances of " + service + ", saw " + seen[0]);
  }

  /** Addresses ("host:port") of the passing instances of {@code service}, sorted. */
  public List<String> passing(String service) {
    RuntimeException last = null;
    for (ConsulAgent a : runningAgentsClientsFirst()) {
      try {
        return passing(a, service, false);
      } catch (RuntimeException e) {
        last = e;
      }
    }
    throw new IllegalStateException("no Consul agent answered for " + service, last);
  }

  /**
   * Whether every running server, reading its own (possibly stale) state as its DNS interface
   * does, lists exactly {@code expected} as the passing instances of {@code service}.
   */
  boolean serversAgree(String service, List<String> expected) {
    for (LocalConsulAgent s : servers) {
      if (s.isRunning() && !s.process().isPaused() && !passing(s, service, true).equals(expected)) {
        return false;
      }
    }
    return true;
  }

  private static List<String> passing(ConsulAgent a, String service, boolean stale) {
    List<String> out = new ArrayList<>();
    String body = Http.getOk(a.httpAddress(), "/v1/health/service/"
        + LocalConsulAgent.enc(service) + "?passing=true" + (stale ? "&stale" : ""));
    for (Object o : (List<?>) Json.parse(body)) {
      Map<?, ?> entry = (Map<?, ?>) o;
      Map<?, ?> svc = (Map<?, ?>) entry.get("Service");
      Map<?, ?> node = (Map<?, ?>) entry.get("Node");
      String address = String.valueOf(svc.get("Address"));
      if (address.isEmpty()) {
        address = String.valueOf(node.get("Address"));
      }
      out.add(address + ":" + ((Number) svc.get("Port")).intValue());
    }
    out.sort(null);
    return out;
  }

  private List<ConsulAgent> runningAgentsClientsFirst() {
    List<ConsulAgent> all = new ArrayList<>();
    for (LocalConsulAgent a : clients) {
      if (a.isRunning() && !a.process().isPaused()) {
        all.add(a);
      }
    }
    for (LocalConsulAgent a : servers) {
      if (a.isRunning() && !a.process().isPaused()) {
        all.add(a);
      }
    }
    return all;
  }

  private List<String> names() {
    return agents().stream().map(ConsulAgent::nodeName).toList();
  }

  /** Stops every agent (clients first), deletes the data and releases the addresses. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      ManagedProcess.stopAll(clients.stream().map(LocalConsulAgent::process).toList(),
          Duration.ofSeconds(10));
      ManagedProcess.stopAll(servers.stream().map(LocalConsulAgent::process).toList(),
          Duration.ofSeconds(10));
    } finally {
      leases.forEach(LoopbackAddresses.Lease::close);
      Reaper.deleteDir(dir);
    }
  }

  @Override
  public String toString() {
    return "ConsulCluster" + agents();
  }

  /** Builds and starts a {@link ConsulCluster}; not thread-safe. */
  public static final class Builder {
    private Integer servers;
    private List<String> serverHosts;
    private String serverNamePrefix = "consul";
    private String datacenter = "dc1";
    private Duration startTimeout = Duration.ofSeconds(60);
    private Duration addressWait = Duration.ofSeconds(60);
    private final Map<String, ClientDef> clients = new LinkedHashMap<>();

    private record ClientDef(String name, String host, List<ServiceSpec> services) {}

    private Builder() {}

    /** Number of servers, 1..7; default 3. */
    public Builder servers(int servers) {
      if (servers < 1 || servers > 7) {
        throw new IllegalArgumentException("servers must be in 1..7: " + servers);
      }
      this.servers = servers;
      return this;
    }

    /**
     * Fixed server addresses (e.g. the seed's 127.0.0.11-13) instead of leased ones; they are
     * waited for (see {@link #addressWait}) when another fixture holds them.
     */
    public Builder serverHosts(List<String> hosts) {
      if (hosts == null || hosts.isEmpty() || hosts.size() > 7) {
        throw new IllegalArgumentException("serverHosts must hold 1..7 addresses: " + hosts);
      }
      hosts.forEach(LoopbackAddresses::requireLoopback);
      if (new HashSet<>(hosts).size() != hosts.size()) {
        throw new IllegalArgumentException("serverHosts must be distinct: " + hosts);
      }
      this.serverHosts = List.copyOf(hosts);
      return this;
    }

    /** Server node names are this prefix plus 01, 02, ...; default "consul". */
    public Builder serverNamePrefix(String prefix) {
      if (prefix == null || !prefix.matches("[A-Za-z0-9-]+")) {
        throw new IllegalArgumentException("serverNamePrefix must be [A-Za-z0-9-]+: " + prefix);
      }
      this.serverNamePrefix = prefix;
      return this;
    }

    public Builder datacenter(String datacenter) {
      if (datacenter == null || !datacenter.matches("[a-z0-9-]+")) {
        throw new IllegalArgumentException("datacenter must be [a-z0-9-]+: " + datacenter);
      }
      this.datacenter = datacenter;
      return this;
    }

    /** Bound for the whole start (leader, members, registrations); default 60 s. */
    public Builder startTimeout(Duration timeout) {
      if (timeout == null || timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("startTimeout must be positive: " + timeout);
      }
      this.startTimeout = timeout;
      return this;
    }

    /** How long to wait for fixed addresses held by another fixture; default 60 s. */
    public Builder addressWait(Duration wait) {
      if (wait == null || wait.isNegative()) {
        throw new IllegalArgumentException("addressWait must be >= 0: " + wait);
      }
      this.addressWait = wait;
      return this;
    }

    /** A client agent without services, on a leased address. */
    public Builder clientAgent(String nodeName) {
      return addClient(nodeName, null, List.of());
    }

    /**
     * A client agent registering {@code services}. When every service carries the same address
     * (as {@link RoleChecks} specs do), the agent binds to it, i.e. it runs "on" that host like in
     * the seed; that address must then be free of other Consul agents. Otherwise it gets a leased
     * address.
     */
    public Builder clientAgent(String nodeName, List<ServiceSpec> services) {
      Objects.requireNonNull(services, "services");
      Set<String> addresses = new TreeSet<>();
      for (ServiceSpec s : services) {
        addresses.add(s.address() == null ? "" : s.address());
      }
      String host = addresses.size() == 1 && !addresses.contains("")
          ? addresses.iterator().next() : null;
      if (host != null) {
        LoopbackAddresses.requireLoopback(host);
      }
      return addClient(nodeName, host, services);
    }

    /** A client agent bound to {@code host} (owned by the caller), registering {@code services}. */
    public Builder clientAgent(String nodeName, String host, List<ServiceSpec> services) {
      LoopbackAddresses.requireLoopback(host);
      return addClient(nodeName, host, Objects.requireNonNull(services, "services"));
    }

    private Builder addClient(String nodeName, String host, List<ServiceSpec> services) {
      if (nodeName == null || !nodeName.matches("[A-Za-z0-9-]+")) {
        throw new IllegalArgumentException("nodeName must be [A-Za-z0-9-]+: " + nodeName);
      }
      if (clients.containsKey(nodeName)) {
        throw new IllegalArgumentException("nodeName already used: " + nodeName);
      }
      clients.put(nodeName, new ClientDef(nodeName, host, List.copyOf(services)));
      return this;
    }

    /** Starts the agents and waits for a leader, every member and the registrations. */
    public ConsulCluster start() {
      int n = serverHosts != null ? serverHosts.size() : servers == null ? 3 : servers;
      if (serverHosts != null && servers != null && servers != serverHosts.size()) {
        throw new IllegalStateException("servers(" + servers + ") conflicts with serverHosts "
            + serverHosts);
      }
      List<String> serverNames = new ArrayList<>();
      for (int i = 1; i <= n; i++) {
        serverNames.add(String.format("%s%02d", serverNamePrefix, i));
      }
      for (String name : serverNames) {
        if (clients.containsKey(name)) {
          throw new IllegalStateException("client agent name clashes with a server: " + name);
        }
      }
      Set<String> clientHosts = new HashSet<>();
      for (ClientDef c : clients.values()) {
        if (c.host() != null && !clientHosts.add(c.host())) {
          throw new IllegalStateException("two client agents on " + c.host());
        }
        if (c.host() != null && serverHosts != null && serverHosts.contains(c.host())) {
          throw new IllegalStateException("client agent " + c.name() + " on server host "
              + c.host());
        }
      }

      List<LoopbackAddresses.Lease> leases = new ArrayList<>();
      List<LocalConsulAgent> serverAgents = new ArrayList<>();
      List<LocalConsulAgent> clientAgents = new ArrayList<>();
      Path dir = Reaper.tempDir("waymark-consul-");
      ConsulCluster cluster = new ConsulCluster(List.of(), List.of(), List.of(), dir);
      try {
        List<String> hosts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          LoopbackAddresses.Lease lease = serverHosts != null
              ? LoopbackAddresses.acquire(serverHosts.get(i), addressWait,
                  LocalConsulAgent.SERVER_PORTS)
              : LoopbackAddresses.acquire(LocalConsulAgent.SERVER_PORTS);
          leases.add(lease);
          hosts.add(lease.address());
        }
        for (int i = 0; i < n; i++) {
          serverAgents.add(new LocalConsulAgent(serverNames.get(i), hosts.get(i), true, n, hosts,
              datacenter, dir, startTimeout));
        }
        for (ClientDef c : clients.values()) {
          String host = c.host();
          if (host == null) {
            LoopbackAddresses.Lease lease = LoopbackAddresses.acquire(LocalConsulAgent.CLIENT_PORTS);
            leases.add(lease);
            host = lease.address();
          }
          clientAgents.add(new LocalConsulAgent(c.name(), host, false, 0, hosts, datacenter, dir,
              startTimeout));
        }
        cluster = new ConsulCluster(serverAgents, clientAgents, leases, dir);
        long deadline = System.nanoTime() + startTimeout.toNanos();
        for (LocalConsulAgent a : serverAgents) {
          a.launch();
        }
        for (LocalConsulAgent a : clientAgents) {
          a.launch();
        }
        for (LocalConsulAgent a : serverAgents) {
          a.awaitReady(remaining(deadline));
        }
        for (LocalConsulAgent a : clientAgents) {
          a.awaitReady(remaining(deadline));
        }
        Set<String> expected = new TreeSet<>(serverNames);
        expected.addAll(clients.keySet());
        LocalConsulAgent first = serverAgents.get(0);
        java.util.concurrent.atomic.AtomicReference<Set<String>> seen =
            new java.util.concurrent.atomic.AtomicReference<>(Set.of());
        Poll.until(remaining(deadline), Duration.ofMillis(200), () -> {
          seen.set(first.aliveMembers());
          return seen.get().containsAll(expected);
        }, () -> "expected alive members " + expected + ", saw " + seen.get());
        for (LocalConsulAgent a : clientAgents) {
          for (ServiceSpec s : clients.get(a.nodeName()).services()) {
            a.register(s);
          }
        }
        return cluster;
      } catch (RuntimeException | Error e) {
        if (cluster.servers.isEmpty()) {
          leases.forEach(LoopbackAddresses.Lease::close);
          Reaper.deleteDir(dir);
        } else {
          cluster.close();
        }
        throw e;
      }
    }

    private static Duration remaining(long deadline) {
      return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }
  }
}
