package io.waymark.testkit;

import io.waymark.testkit.internal.Binaries;
import io.waymark.testkit.internal.Http;
import io.waymark.testkit.internal.Json;
import io.waymark.testkit.internal.ManagedProcess;
import io.waymark.testkit.internal.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A consul agent process. */
final class LocalConsulAgent implements ConsulAgent {

  static final int HTTP_PORT = 8500;
  static final int DNS_PORT = 8600;
  static final int[] SERVER_PORTS = {8300, 8301, 8302, HTTP_PORT, DNS_PORT};
  static final int[] CLIENT_PORTS = {8301, HTTP_PORT, DNS_PORT};

  private final String nodeName;
  private final String host;
  private final boolean server;
  private final Duration readyTimeout;
  private final ManagedProcess process;

  LocalConsulAgent(String nodeName, String host, boolean server, int bootstrapExpect,
      List<String> join, String datacenter, Path root, Duration readyTimeout) {
    this.nodeName = nodeName;
    this.host = host;
    this.server = server;
    this.readyTimeout = readyTimeout;
    String consul = Binaries.require("consul");
    Path dir = root.resolve(nodeName);
    Path data = dir.resolve("data");
    Path config = dir.resolve("config.json");
    try {
      Files.createDirectories(data);
      Files.writeString(config, Json.write(config(bootstrapExpect, join, datacenter, data)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the config of consul agent " + nodeName, e);
    }
    this.process = new ManagedProcess("consul agent " + nodeName + "@" + host,
        () -> List.of(consul, "agent", "-config-file=" + config), dir, dir.resolve("consul.log"),
        Map.of());
  }

  private Map<String, Object> config(int bootstrapExpect, List<String> join, String dc, Path data) {
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("datacenter", dc);
    // all agents share one hostname, the default node name: without unique names they clash
    c.put("node_name", nodeName);
    c.put("data_dir", data.toString());
    c.put("bind_addr", host);
    c.put("client_addr", host);
    c.put("advertise_addr", host);
    c.put("retry_join", join);
    c.put("retry_interval", "1s");
    c.put("log_level", "INFO");
    c.put("disable_update_check", true);
    c.put("enable_script_checks", true);
    c.put("enable_local_script_checks", true);
    // without this, check output is synced to the catalog only every few minutes
    c.put("check_update_interval", "0s");
    c.put("leave_on_terminate", !server);
    c.put("skip_leave_on_interrupt", server);
    c.put("ports", Map.of("grpc", -1));
    // every watched name holds one blocking HTTP connection; 1.8's default of 200 per client
    // address would refuse the 200-watch tests
    c.put("limits", Map.of("http_max_conns_per_client", 1024));
    if (server) {
      c.put("server", true);
      c.put("bootstrap_expect", bootstrapExpect);
      c.put("performance", Map.of("raft_multiplier", 1));
      c.put("ui", false);
    }
    return c;
  }

  ManagedProcess process() {
    return process;
  }

  @Override
  public String nodeName() {
    return nodeName;
  }

  @Override
  public String host() {
    return host;
  }

  @Override
  public boolean isServer() {
    return server;
  }

  @Override
  public String httpAddress() {
    return host + ":" + HTTP_PORT;
  }

  @Override
  public InetSocketAddress dnsAddress() {
    return new InetSocketAddress(host, DNS_PORT);
  }

  @Override
  public long pid() {
    return process.pid();
  }

  @Override
  public boolean isRunning() {
    return process.isRunning();
  }

  @Override
  public void stop() {
    process.stop(Duration.ofSeconds(10));
  }

  @Override
  public void start() {
    process.start();
    awaitReady(readyTimeout);
  }

  /** Starts without waiting. */
  void launch() {
    process.start();
  }

  /** Waits until the agent answers HTTP and knows a leader. */
  void awaitReady(Duration timeout) {
    Poll.until(timeout, Duration.ofMillis(200), () -> {
      if (!process.isRunning()) {
        throw new Poll.Abort("consul agent " + nodeName + " exited");
      }
      return !leader().isEmpty();
    }, () -> "consul agent " + nodeName + " did not see a leader; " + process.describe());
  }

  /** The leader's address as this agent sees it, "" when none. */
  String leader() {
    Object o = Json.parse(Http.getOk(httpAddress(), "/v1/status/leader"));
    return o == null ? "" : o.toString();
  }

  /** Node names this agent sees alive (serf status 1). */
  Set<String> aliveMembers() {
    Set<String> alive = new java.util.TreeSet<>();
    for (Object o : (List<?>) Json.parse(Http.getOk(httpAddress(), "/v1/agent/members"))) {
      Map<?, ?> m = (Map<?, ?>) o;
      Object status = m.get("Status");
      if (status instanceof Number n && n.intValue() == 1) {
        alive.add(String.valueOf(m.get("Name")));
      }
    }
    return alive;
  }

  @Override
  public void kill() {
    process.kill();
  }

  @Override
  public void pause() {
    process.pause();
  }

  @Override
  public void resume() {
    process.resume();
  }

  @Override
  public void register(ServiceSpec spec) {
    Http.putOk(httpAddress(), "/v1/agent/service/register", spec.toJson());
  }

  @Override
  public void deregister(String serviceId) {
    Http.putOk(httpAddress(), "/v1/agent/service/deregister/" + enc(serviceId), "");
  }

  @Override
  public void updateTtl(String checkId, String status) {
    if (!Set.of("passing", "warning", "critical").contains(status)) {
      throw new IllegalArgumentException(
          "status must be passing, warning or critical: " + status);
    }
    Http.putOk(httpAddress(), "/v1/agent/check/update/" + enc(checkId),
        Json.write(Map.of("Status", status)));
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  @Override
  public String toString() {
    return "ConsulAgent[" + nodeName + "@" + host + (server ? " server" : " client") + " pid "
        + pid() + "]";
  }
}
