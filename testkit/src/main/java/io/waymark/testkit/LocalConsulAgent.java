package io.waymark.testkit;

import io.waymark.testkit.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * A consul agent (a local process or a container). Its config file (which holds the agent token in
 * a secured cluster) is readable by its owner only.
 *
 * <p>Threading: thread-safe.
 */
final class LocalConsulAgent extends LocalProcessNode implements ConsulAgent {

    static final int DNS_PORT = 8600;
    // both API ports always: a host leased for a plain agent may later get a secured one
    static final int[] SERVER_PORTS =
            {8300, 8301, 8302, ConsulAccess.HTTP_PORT, ConsulAccess.HTTPS_PORT, DNS_PORT};
    static final int[] CLIENT_PORTS = {8301, ConsulAccess.HTTP_PORT, ConsulAccess.HTTPS_PORT, DNS_PORT};

    private final String nodeName;
    private final boolean server;
    private final Path configFile;
    private final ConsulAccess access;

    /**
     * @param tls this agent's certificate and key in a secured cluster (with {@code ca}), else null
     * @param image what it runs from on the containers backend: a plain Consul image, or one with the
     *     client its role checks run
     * @param scriptDirs dirs holding its check scripts, mounted read-only on the containers backend
     * @param options the caller's, "--name=value" (consul agent's flags)
     */
    LocalConsulAgent(String nodeName, String host, boolean server, int bootstrapExpect,
            List<String> join, String datacenter, FixtureResources resources, Duration readyTimeout,
            ConsulAccess access, Path ca, ConsulCertificates.Pair tls, Launcher.Image image,
            List<Path> scriptDirs, List<String> options) {
        super(Kind.consul(image), "consul agent " + nodeName + "@" + host, nodeName, host, access.port(),
                resources, readyTimeout, scriptDirs, options);
        this.nodeName = nodeName;
        this.server = server;
        this.access = access;
        Path dir = dir();
        Path data = dir.resolve("data");
        this.configFile = dir.resolve("config.json");
        Map<String, Object> config = config(bootstrapExpect, join, datacenter, data);
        if (tls != null) {
            secure(config, ca, tls);
        }
        try {
            Files.createDirectories(data);
            Files.writeString(configFile, "");
            Files.setPosixFilePermissions(configFile, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(configFile, Json.write(config));
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
        return List.of(binary(), "agent", "-config-file=" + configFile);
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
        c.put("ports", new LinkedHashMap<>(Map.of("grpc", -1)));
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

    /**
     * HTTPS only (plain HTTP off), mutual TLS on the API and between agents, server host names
     * verified; ACLs on with default deny, the agent token for the agent's own work.
     */
    @SuppressWarnings("unchecked")
    private void secure(Map<String, Object> c, Path ca, ConsulCertificates.Pair tls) {
        Map<String, Object> ports = (Map<String, Object>) c.get("ports");
        ports.put("http", -1);
        ports.put("https", ConsulAccess.HTTPS_PORT);
        c.put("ca_file", ca.toString());
        c.put("cert_file", tls.certificate().toString());
        c.put("key_file", tls.key().toString());
        c.put("verify_incoming", true);
        c.put("verify_outgoing", true);
        c.put("verify_server_hostname", true);
        Map<String, Object> acl = new LinkedHashMap<>();
        acl.put("enabled", true);
        acl.put("default_policy", "deny");
        acl.put("down_policy", "extend-cache");
        // created through the API once the cluster is bootstrapped, with this very secret
        acl.put("tokens", Map.of("agent", access.agentToken()));
        c.put("acl", acl);
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
        if (access.isSecured()) {
            throw new IllegalStateException("consul agent " + nodeName + " is secured: no plain HTTP "
                    + "(ports.http = -1); use httpsAddress()");
        }
        return address();
    }

    @Override
    public String httpsAddress() {
        if (!access.isSecured()) {
            throw new IllegalStateException("consul agent " + nodeName + " serves plain HTTP only; "
                    + "use httpAddress(), or build the cluster with secured()");
        }
        return address();
    }

    /** GET on this agent's API (with the management token when secured) that must answer 200. */
    String apiGet(String path) {
        return access.http().getOk(address(), path, access.managementToken());
    }

    /** PUT with the management token (when secured) that must answer 200. */
    String apiPut(String path, String body) {
        return access.http().putOk(address(), path, body, access.managementToken());
    }

    /** DELETE with the management token (when secured) that must answer 200. */
    String apiDelete(String path) {
        return access.http().deleteOk(address(), path, access.managementToken());
    }

    /** PUT with the agent token (when secured), as the agent's own registrations are made. */
    private void agentPut(String path, String body) {
        access.http().putOk(address(), path, body, access.agentToken());
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
        Object o = Json.parse(apiGet("/v1/status/leader"));
        return o == null ? "" : o.toString();
    }

    /** Node names this agent sees alive (serf status 1). */
    Set<String> aliveMembers() {
        Set<String> alive = new TreeSet<>();
        for (Object o : (List<?>) Json.parse(apiGet("/v1/agent/members"))) {
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
        agentPut("/v1/agent/service/register", spec.toJson());
    }

    @Override
    public void deregister(String serviceId) {
        agentPut("/v1/agent/service/deregister/" + enc(serviceId), "");
    }

    @Override
    public void updateTtl(String checkId, String status) {
        if (!Set.of("passing", "warning", "critical").contains(status)) {
            throw new IllegalArgumentException(
                    "status must be passing, warning or critical: " + status);
        }
        agentPut("/v1/agent/check/update/" + enc(checkId), Json.write(Map.of("Status", status)));
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public String toString() {
        return "ConsulAgent[" + nodeName + "@" + host() + (server ? " server" : " client")
                + (access.isSecured() ? " https" : "") + " pid " + pid() + "]";
    }
}
