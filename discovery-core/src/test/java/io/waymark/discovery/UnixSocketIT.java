package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.LoopbackAddresses;
import io.waymark.testkit.internal.Binaries;
import io.waymark.testkit.internal.ManagedProcess;
import io.waymark.testkit.internal.Reaper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An agent whose HTTP API listens on a Unix domain socket only ({@code addresses.http =
 * "unix://..."}), reached as {@code unix:///path}: resolve, watch, changes, and an empty
 * answer (its ACL check is a POST on a pooled connection, for which OkHttp first reads with a
 * 1 ms timeout to see whether the connection is still open: the socket must honour it). The
 * testkit has no such agent: this one is configured here and runs under the testkit's
 * process and address management, so it is reaped like every fixture.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnixSocketIT {

    private static final int[] PORTS = {8300, 8301, 8302, 8600};
    private static final Duration WAIT = Duration.ofSeconds(30);

    private LoopbackAddresses.Lease lease;
    private Path dir;
    private ManagedProcess agent;
    private Path socket;
    private String consul;

    @BeforeAll
    void start() throws Exception {
        lease = LoopbackAddresses.acquire(PORTS);
        dir = Reaper.tempDir("waymark-unix-consul-");
        socket = dir.resolve("http.sock");
        String host = lease.address();
        String config = "{\"datacenter\":\"dc1\",\"node_name\":\"unix-server\",\"data_dir\":\"" + dir.resolve("data")
                + "\",\"bind_addr\":\"" + host + "\",\"client_addr\":\"" + host + "\",\"advertise_addr\":\"" + host
                + "\",\"addresses\":{\"http\":\"unix://" + socket + "\"},\"server\":true,\"bootstrap_expect\":1,"
                + "\"log_level\":\"INFO\",\"disable_update_check\":true,\"ports\":{\"grpc\":-1},"
                + "\"performance\":{\"raft_multiplier\":1},\"ui\":false,\"services\":[{\"name\":\"unix-web\","
                + "\"id\":\"unix-web-1\",\"address\":\"127.0.0.81\",\"port\":80}]}";
        Files.createDirectories(dir.resolve("data"));
        Path file = Files.writeString(dir.resolve("config.json"), config);
        consul = Binaries.require("consul");
        agent = new ManagedProcess("consul agent unix-server@" + host,
                () -> List.of(consul, "agent", "-config-file=" + file), dir, dir.resolve("consul.log"), Map.of());
        agent.start();
    }

    @AfterAll
    void stop() {
        try {
            if (agent != null) {
                agent.stop(Duration.ofSeconds(10));
            }
        } finally {
            if (lease != null) {
                lease.close();
            }
            if (dir != null) {
                Reaper.deleteDir(dir);
            }
        }
    }

    /** {@code consul services <subcommand> <flags>} through the socket, as an operator would. */
    private void services(String subcommand, String... flags) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(consul, "services", subcommand, "-http-addr=unix://" + socket));
        cmd.addAll(List.of(flags));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    @Test
    @DisplayName("unix:///path: resolve, watch, a change, and an empty answer after its ACL check")
    void overUnixSocket() throws Exception {
        try (ConsulDiscovery d = ConsulDiscovery.builder().environment(Map.of()).agent("unix://" + socket)
                .resolveTimeout(Duration.ofSeconds(2)).retryBackoff(Duration.ofMillis(50), Duration.ofMillis(500))
                .build()) {
            // the agent elects itself and syncs its service: until then the name is unknown or empty
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> Recorder.addresses(d.refresh("unix-web").get(5, TimeUnit.SECONDS))
                            .equals(List.of("127.0.0.81:80")));
            Recorder rec = new Recorder();
            d.watch("unix-web", rec);
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.81:80")));

            services("register", "-name=unix-web", "-id=unix-web-2", "-address=127.0.0.82", "-port=80");
            await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.81:80", "127.0.0.82:80")));

            services("deregister", "-id=unix-web-2");
            services("deregister", "-id=unix-web-1");
            await().atMost(WAIT).until(() -> rec.last().isEmpty());
            assertThat(d.resolve("unix-web").stale()).isFalse();
            assertThat(d.toString()).contains("unix://" + socket);
        } catch (IOException | RuntimeException | AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nagent log:\n" + agent.logTail(30), e);
        }
    }
}
