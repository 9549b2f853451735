package io.waymark.testkit;

import io.waymark.testkit.internal.Binaries;
import io.waymark.testkit.internal.Http;
import io.waymark.testkit.internal.Json;
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
import java.util.TreeSet;
import java.util.stream.IntStream;

/** A consul agent process. */
final class LocalConsulAgent extends LocalProcessNode implements ConsulAgent {

    static final int HTTP_PORT = 8500;
    static final int DNS_PORT = 8600;
    static final int[] SERVER_PORTS = {8300, 8301, 8302, HTTP_PORT, DNS_PORT};
    static final int[] CLIENT_PORTS = {8301, HTTP_PORT, DNS_PORT};

    private final String nodeName;
    private final boolean server;
    private final String consul;
    private final Path configFile;

    LocalConsulAgent(String nodeName, String host, boolean server, int bootstrapExpect,
            List<String> join, String datacenter, FixtureResources resources, Duration readyTimeout) {
        super("consul agent " + nodeName + "@" + host, host, HTTP_PORT,
                resources.dir().resolve(nodeName), resources, "consul.log", readyTimeout,
                Duration.ofSeconds(10));
        this.nodeName = nodeName;
        this.server = server;
        this.consul = Binaries.require("consul");
        Path dir = resources.dir().resolve(nodeName);
        Path data = dir.resolve("data");
        this.configFile = dir.resolve("config.json");
        try {
            Files.createDirectories(data);
            Files.writeString(configFile, Json.write(config(bootstrapExpect, join, datacenter, data)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the config of consul agent " + nodeName, e);
        }
    }

    /** {@code ports} plus the ports of a client agent, for hosts that get one (RoleChecks). */
    static int[] withClientAgentPorts(int... ports) {
        return IntStream.concat(IntStream.of(ports), IntStream.of(CLIENT_PORTS)).toArray();
    }

    @Override
    List<String> command() {
        return List.of(consul, "agent", "-config-file=" + configFile);
    }

    private Map<String, Object> config(int bootstrapExpect, List<String> join, String dc, Path data) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("datacenter", dc);
        // all agents share one hostname, the default node name: without unique names they clash
        c.put("node_name", nodeName);
        c.put("data_dir", data.toString());
        c.put("bind_addr", host());
        c.put("client_addr", host());
        c.put("advertise_addr", host());
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

    @Override
    public String nodeName() {
        return nodeName;
    }

    @Override
    public boolean isServer() {
        return server;
    }

    @Override
    public String httpAddress() {
        return address();
    }

    @Override
    public InetSocketAddress dnsAddress() {
        return new InetSocketAddress(host(), DNS_PORT);
    }

    /** Waits until the agent answers HTTP and knows a leader. */
    @Override
    void awaitReady(Duration timeout) {
        pollWhileRunning(timeout, Duration.ofMillis(200), () -> !leader().isEmpty(),
                () -> "consul agent " + nodeName + " did not see a leader; " + process().describe());
    }

    /** The leader's address as this agent sees it, "" when none. */
    String leader() {
        Object o = Json.parse(Http.getOk(httpAddress(), "/v1/status/leader"));
        return o == null ? "" : o.toString();
    }

    /** Node names this agent sees alive (serf status 1). */
    Set<String> aliveMembers() {
        Set<String> alive = new TreeSet<>();
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
        return "ConsulAgent[" + nodeName + "@" + host() + (server ? " server" : " client") + " pid "
                + pid() + "]";
    }
}
