package io.waymark.discovery;

import io.waymark.testkit.LoopbackAddresses;
import io.waymark.testkit.internal.Binaries;
import io.waymark.testkit.internal.ManagedProcess;
import io.waymark.testkit.internal.Reaper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real Consul server with ACLs on and {@code default_policy = deny}, on a leased loopback
 * address, for the ACL tests. The testkit's {@code ConsulCluster} has no ACL option yet (a
 * secured-cluster fixture is being added there); this writes the agent's config itself and
 * runs it through the testkit's process and address management, so it is reaped like every
 * fixture.
 *
 * <p>Threading: not thread-safe; one test class at a time.
 */
final class AclConsul implements AutoCloseable {

    /** The bootstrap ("master") token: may do anything. A test secret. */
    static final String MASTER = "7c1d9e4a-5b2f-4e60-9a13-0d8e7f6a5b41";

    private static final int[] PORTS = {8300, 8301, 8302, 8500, 8600};
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final Pattern ACCESSOR = Pattern.compile("\"AccessorID\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern ID = Pattern.compile("\"ID\"\\s*:\\s*\"([^\"]+)\"");

    private final LoopbackAddresses.Lease lease;
    private final Path dir;
    private final ManagedProcess process;

    private AclConsul(LoopbackAddresses.Lease lease, Path dir, ManagedProcess process) {
        this.lease = lease;
        this.dir = dir;
        this.process = process;
    }

    /** Starts the server and waits until the bootstrap token works. */
    static AclConsul start() {
        LoopbackAddresses.Lease lease = LoopbackAddresses.acquire(PORTS);
        Path dir = Reaper.tempDir("waymark-acl-consul-");
        String host = lease.address();
        String config = "{\"datacenter\":\"dc1\",\"node_name\":\"acl-server\",\"data_dir\":\"" + dir.resolve("data")
                + "\",\"bind_addr\":\"" + host + "\",\"client_addr\":\"" + host + "\",\"advertise_addr\":\"" + host
                + "\",\"server\":true,\"bootstrap_expect\":1,\"log_level\":\"INFO\",\"disable_update_check\":true,"
                + "\"ports\":{\"grpc\":-1},\"performance\":{\"raft_multiplier\":1},\"ui\":false,"
                + "\"acl\":{\"enabled\":true,\"default_policy\":\"deny\",\"down_policy\":\"extend-cache\","
                + "\"enable_token_persistence\":false,\"tokens\":{\"master\":\"" + MASTER + "\",\"agent\":\""
                + MASTER + "\"}}}";
        Path file = dir.resolve("config.json");
        try {
            Files.createDirectories(dir.resolve("data"));
            Files.writeString(file, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String consul = Binaries.require("consul");
        ManagedProcess p = new ManagedProcess("consul agent acl-server@" + host,
                () -> List.of(consul, "agent", "-config-file=" + file), dir, dir.resolve("consul.log"), Map.of());
        AclConsul c = new AclConsul(lease, dir, p);
        try {
            p.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!c.ready()) {
                if (!p.isRunning() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("ACL Consul did not become ready: " + p.describe() + "\n"
                            + p.logTail(30));
                }
                Thread.sleep(200);
            }
            return c;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            c.close();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    private boolean ready() {
        try {
            return call("GET", "/v1/status/leader", null, null).status != 200 ? false
                    : call("GET", "/v1/acl/token/self", null, MASTER).status == 200
                    && call("GET", "/v1/catalog/node/acl-server", null, MASTER).body.contains("acl-server");
        } catch (UncheckedIOException e) {
            return false;
        }
    }

    String httpAddress() {
        return lease.address() + ":8500";
    }

    /** Creates policy {@code name}; returns its ID. */
    String createPolicy(String name, String rules) {
        return group(ID, ok(call("PUT", "/v1/acl/policy", policyJson(name, rules), MASTER)));
    }

    /** Replaces the rules of the policy {@code id}. */
    void updatePolicy(String id, String name, String rules) {
        ok(call("PUT", "/v1/acl/policy/" + id, policyJson(name, rules), MASTER));
    }

    private static String policyJson(String name, String rules) {
        return "{\"Name\":\"" + name + "\",\"Rules\":" + quote(rules) + "}";
    }

    /** A new token with the given policy; returns {secret, accessor}. */
    String[] token(String policyName) {
        String body = ok(call("PUT", "/v1/acl/token", "{\"Policies\":[{\"Name\":\"" + policyName + "\"}]}", MASTER));
        return new String[] {group(Pattern.compile("\"SecretID\"\\s*:\\s*\"([^\"]+)\""), body), group(ACCESSOR, body)};
    }

    void deleteToken(String accessor) {
        ok(call("DELETE", "/v1/acl/token/" + accessor, null, MASTER));
    }

    void register(String name, String id, String address, int port) {
        ok(call("PUT", "/v1/agent/service/register", "{\"Name\":\"" + name + "\",\"ID\":\"" + id + "\",\"Address\":\""
                + address + "\",\"Port\":" + port + "}", MASTER));
    }

    void deregister(String id) {
        ok(call("PUT", "/v1/agent/service/deregister/" + id, "", MASTER));
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }

    private static String group(Pattern p, String body) {
        Matcher m = p.matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("no " + p + " in " + body);
        }
        return m.group(1);
    }

    private record Reply(int status, String body) {}

    private static String ok(Reply r) {
        if (r.status != 200) {
            throw new IllegalStateException("Consul answered " + r.status + ": " + r.body);
        }
        return r.body;
    }

    private Reply call(String method, String path, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + httpAddress() + path))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("X-Consul-Token", token);
        }
        try {
            HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(r.statusCode(), r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted: " + method + " " + path, e);
        }
    }

    @Override
    public void close() {
        try {
            process.stop(Duration.ofSeconds(10));
        } finally {
            lease.close();
            Reaper.deleteDir(dir);
        }
    }
}
