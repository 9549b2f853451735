package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.internal.Http;
import io.waymark.testkit.internal.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.assertj.core.api.InstanceOfAssertFactories;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("ConsulCluster")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConsulClusterIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private ConsulCluster consul;

    @BeforeAll
    void start() {
        consul = ConsulCluster.builder().servers(3).clientAgent("plain").serverOption("--node-meta=rack:r1")
                .start();
    }

    @AfterAll
    void stop() {
        if (consul != null) {
            consul.close();
        }
    }

    @Nested
    @DisplayName("when started with 3 servers and a client agent")
    class Started {

        @Test
        void everyAgentHasItsOwnLoopbackAddressAndAUniqueNodeName() {
            List<ConsulAgent> agents = consul.agents();
            assertThat(agents).hasSize(4);
            assertThat(agents).extracting(ConsulAgent::host).doesNotHaveDuplicates()
                    .allMatch(h -> h.startsWith("127.0.0."));
            assertThat(agents).extracting(ConsulAgent::nodeName)
                    .containsExactly("consul01", "consul02", "consul03", "plain");
            assertThat(consul.httpAddress()).isEqualTo(consul.agent("plain").httpAddress())
                    .endsWith(":8500");
            assertThat(agents).allMatch(ConsulAgent::isRunning);
        }

        @Test
        void everyAgentRunsWithTheServerOptions() {
            for (ConsulAgent a : consul.agents()) {
                Map<?, ?> self = (Map<?, ?>) Json.parse(Http.PLAIN.getOk(a.httpAddress(), "/v1/agent/self"));
                assertThat(self.get("Meta")).as(a.nodeName()).asInstanceOf(InstanceOfAssertFactories.MAP)
                        .containsEntry("rack", "r1");
            }
        }

        @Test
        void aLeaderIsElectedAmongTheServers() {
            String leader = Http.PLAIN.getOk(consul.httpAddress(), "/v1/status/leader");
            Set<String> serverRaft = consul.servers().stream().map(s -> "\"" + s.host() + ":8300\"")
                    .collect(Collectors.toSet());
            assertThat(serverRaft).contains(leader.trim());
        }

        @Test
        void consulDnsOnPort8600ListsTheServers() {
            ConsulAgent plain = consul.agent("plain");
            assertThat(plain.dnsAddress().getPort()).isEqualTo(8600);
            List<String> servers = consul.servers().stream().map(ConsulAgent::host).toList();
            // the leader adds a server to the catalog's "consul" service when it reconciles serf
            // membership, a moment after the cluster is up: right after the start DNS may list 2 of 3
            await().atMost(WAIT).untilAsserted(() -> assertThat(Dig.a(plain.dnsAddress(), "consul.service.consul"))
                    .containsExactlyInAnyOrderElementsOf(servers));
        }
    }

    @Nested
    @DisplayName("services and checks")
    class Checks {

        @Test
        void ttlCheckFollowsUpdates() {
            ConsulAgent plain = consul.agent("plain");
            plain.register(ServiceSpec.builder("ttl-svc").id("ttl-1").address(plain.host()).port(1234)
                    .ttlCheck(Duration.ofMinutes(1), "ttl-1-check").build());
            try {
                consul.awaitPassing("ttl-svc", 0, WAIT);
                plain.updateTtl("ttl-1-check", "passing");
                consul.awaitPassing("ttl-svc", 1, WAIT);
                assertThat(consul.passing("ttl-svc")).containsExactly(plain.host() + ":1234");
                plain.updateTtl("ttl-1-check", "critical");
                consul.awaitPassing("ttl-svc", 0, WAIT);
            } finally {
                plain.deregister("ttl-1");
            }
        }

        @Test
        void tcpAndHttpChecksPassAgainstAListeningPort() {
            ConsulAgent plain = consul.agent("plain");
            plain.register(ServiceSpec.builder("tcp-svc").address(plain.host()).port(8500)
                    .tcpCheck(Duration.ofMillis(500), plain.httpAddress()).build());
            plain.register(ServiceSpec.builder("http-svc").address(plain.host()).port(8500)
                    .httpCheck(Duration.ofMillis(500), "http://" + plain.httpAddress() + "/v1/status/leader")
                    .build());
            plain.register(ServiceSpec.builder("dead-svc").address(plain.host()).port(1)
                    .tcpCheck(Duration.ofMillis(500), plain.host() + ":1").build());
            try {
                consul.awaitPassing("tcp-svc", 1, WAIT);
                consul.awaitPassing("http-svc", 1, WAIT);
                assertThat(consul.passing("dead-svc")).isEmpty();
            } finally {
                plain.deregister("tcp-svc");
                plain.deregister("http-svc");
                plain.deregister("dead-svc");
            }
        }

        @Test
        void scriptCheckFollowsTheExitCode(@TempDir Path dir) throws IOException {
            Path flag = dir.resolve("flag");
            Path script = dir.resolve("check.sh");
            Files.writeString(script, "#!/bin/sh\n[ -f \"$1\" ] || exit 2\n");
            Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
            ConsulAgent plain = consul.agent("plain");
            plain.register(ServiceSpec.builder("script-svc").address(plain.host()).port(7)
                    .scriptCheck(Duration.ofMillis(500), script.toString(), flag.toString()).build());
            try {
                consul.awaitPassing("script-svc", 0, WAIT);
                Files.writeString(flag, "");
                consul.awaitPassing("script-svc", 1, WAIT);
                Files.delete(flag);
                consul.awaitPassing("script-svc", 0, WAIT);
            } finally {
                plain.deregister("script-svc");
            }
        }

        @Test
        void awaitPassing_times_out_with_the_count_it_saw() {
            assertThatThrownBy(() -> consul.awaitPassing("no-such-svc", 1, Duration.ofMillis(500)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no-such-svc").hasMessageContaining("saw 0");
        }
    }

    @Nested
    @DisplayName("fault controls")
    class Faults {

        @Test
        void aKilledServerRestartsAndRejoins() {
            ConsulAgent victim = consul.servers().get(2);
            long oldPid = victim.pid();
            victim.kill();
            assertThat(victim.isRunning()).isFalse();
            assertThat(Pids.alive(oldPid)).isFalse();
            victim.start();
            assertThat(victim.pid()).isNotEqualTo(oldPid);
            await().atMost(WAIT).untilAsserted(() ->
                    assertThat(Http.PLAIN.getOk(victim.httpAddress(), "/v1/status/leader").trim()).isNotEqualTo("\"\""));
        }

        @Test
        void aFrozenAgentDoesNotAnswerUntilThawed() {
            ConsulAgent plain = consul.agent("plain");
            plain.freeze();
            try {
                assertThat(plain.isRunning()).isTrue();
                assertThatThrownBy(() -> Http.PLAIN.get(plain.httpAddress(), "/v1/agent/self",
                        Duration.ofSeconds(1)))
                        .isInstanceOf(RuntimeException.class);
            } finally {
                plain.thaw();
            }
            assertThat(Http.PLAIN.get(plain.httpAddress(), "/v1/agent/self").status()).isEqualTo(200);
        }

        @Test
        void aStoppedClientAgentRestartsWithItsConfig() {
            ConsulAgent plain = consul.agent("plain");
            plain.stop();
            assertThat(plain.isRunning()).isFalse();
            plain.start();
            assertThat(plain.isRunning()).isTrue();
            await().atMost(WAIT).until(() -> Http.PLAIN.getOk(plain.httpAddress(), "/v1/agent/members")
                    .contains("\"plain\""));
        }
    }

    @Nested
    @DisplayName("close")
    class Close {

        @Test
        void leavesNoProcessAndReleasesTheAddresses() {
            ConsulCluster small = ConsulCluster.builder().servers(1).clientAgent("c1").start();
            List<String> hosts = small.agents().stream().map(ConsulAgent::host).toList();
            Pids.assertCloseEndsAll(small.agents().stream().map(ConsulAgent::pid).toList(), small::close);
            for (String host : hosts) {
                try (LoopbackAddresses.Lease lease = LoopbackAddresses.acquire(host, Duration.ofSeconds(5),
                        8500, 8600)) {
                    assertThat(lease.address()).isEqualTo(host);
                }
            }
        }
    }
}
