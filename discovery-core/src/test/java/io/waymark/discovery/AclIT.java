package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.waymark.discovery.DiscoveryStats.ErrorKind;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Against a real Consul server with ACLs on and {@code default_policy = deny}: a refused token
 * is an ACL error (never an agent outage, never a rotation), and an empty answer that only
 * says the token may not read the service is not published as "no instances".
 *
 * <p>The second configured agent is a bare listening socket: a rotation would send it a
 * request, so any connection to it shows one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AclIT {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final AtomicInteger SEQ = new AtomicInteger();
    private static final String READ_ALL = "service_prefix \"\" { policy = \"read\" }\n"
            + "node_prefix \"\" { policy = \"read\" }";

    @AutoClose
    private AclConsul consul;
    @AutoClose
    private ServerSocket sentinel;
    private final AtomicInteger sentinelConnections = new AtomicInteger();
    private final List<ConsulDiscovery> opened = new ArrayList<>();

    @BeforeAll
    void start() throws IOException {
        consul = AclConsul.start();
        sentinel = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        Thread acceptor = new Thread(() -> {
            while (!sentinel.isClosed()) {
                try (Socket s = sentinel.accept()) {
                    sentinelConnections.incrementAndGet();
                } catch (IOException e) {
                    // closed: the test class is done
                }
            }
        }, "acl-it-sentinel");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    @AfterEach
    void closeDiscoveries() {
        opened.forEach(ConsulDiscovery::close);
        opened.clear();
    }

    private ConsulDiscovery discovery(String token) {
        ConsulDiscovery d = ConsulDiscovery.builder().agent(consul.httpAddress())
                .agent("127.0.0.1:" + sentinel.getLocalPort()).token(token).blockingWait(Duration.ofSeconds(1))
                .retryBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).resolveTimeout(Duration.ofSeconds(5))
                .build();
        opened.add(d);
        return d;
    }

    private static String unique(String prefix) {
        return prefix + "-" + SEQ.incrementAndGet();
    }

    /** A new token that may read every service and node: {secret, accessor}. */
    private String[] readAllToken() {
        String policy = unique("read-all");
        consul.createPolicy(policy, READ_ALL);
        return consul.token(policy);
    }

    @Test
    @DisplayName("403 (token deleted): last endpoints kept stale, new names fail naming the ACL problem, no rotation")
    void refusedToken() {
        String svc = unique("acl-web");
        consul.register(svc, svc + "-1", "127.0.0.61", 80);
        String[] token = readAllToken();
        ConsulDiscovery d = discovery(token[0]);
        assertThat(Recorder.addresses(d.resolve(svc))).containsExactly("127.0.0.61:80");

        consul.deleteToken(token[1]);
        await().atMost(WAIT).until(() -> d.resolve(svc).stale());
        assertThat(Recorder.addresses(d.resolve(svc))).containsExactly("127.0.0.61:80");
        String other = unique("acl-other");
        assertThatThrownBy(() -> d.resolve(other)).isInstanceOf(DiscoveryException.class)
                .hasMessageContaining("refused to list '" + other + ".service.consul'")
                .hasMessageContaining("ACL not found")
                .hasMessageContaining("service:read on '" + other + "'")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain(token[0]));
        // the watch keeps retrying (backoff up to 500 ms) on the same agent
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> d.resolve(svc).stale());
        assertThat(sentinelConnections.get()).as("requests sent to the second agent").isZero();
        DiscoveryStats stats = d.stats();
        assertThat(stats.errors(ErrorKind.ACL_DENIED)).isGreaterThanOrEqualTo(2);
        assertThat(stats.agentRotations()).isZero();
        assertThat(stats.oldestStale()).isPositive();
    }

    @Test
    @DisplayName("an empty answer while the token may not read the service is withheld, stale; a real one is published")
    void emptyByAcl() {
        String svc = unique("acl-db");
        consul.register(svc, svc + "-1", "127.0.0.62", 3306);
        String name = unique("read-" + svc);
        String rules = "service \"" + svc + "\" { policy = \"read\" }\nnode_prefix \"\" { policy = \"read\" }";
        String policy = consul.createPolicy(name, rules);
        ConsulDiscovery d = discovery(consul.token(name)[0]);
        Recorder rec = new Recorder();
        d.watch(svc, rec);
        await().atMost(WAIT).until(() -> rec.addresses().equals(List.of("127.0.0.62:3306")));

        // the token loses service:read: Consul answers 200 [] rather than refusing
        consul.updatePolicy(policy, name, "node_prefix \"\" { policy = \"read\" }");
        await().atMost(WAIT).until(() -> d.stats().aclEmptySuspicions() > 0);
        Endpoints e = d.resolve(svc);
        assertThat(e.stale()).isTrue();
        assertThat(Recorder.addresses(e)).containsExactly("127.0.0.62:3306");
        assertThat(rec.calls).hasSize(1);

        // allowed again: fresh, same endpoints, never an empty list in between
        consul.updatePolicy(policy, name, rules);
        await().atMost(WAIT).until(() -> !d.resolve(svc).stale());
        assertThat(Recorder.addresses(d.resolve(svc))).containsExactly("127.0.0.62:3306");
        assertThat(rec.calls).hasSize(1);

        // really gone: published as empty, fresh
        consul.deregister(svc + "-1");
        await().atMost(WAIT).until(() -> rec.last().isEmpty());
        assertThat(d.resolve(svc).stale()).isFalse();
        assertThat(sentinelConnections.get()).isZero();
    }

    @Test
    @DisplayName("the probe needs no token: an agent enforcing ACLs is not taken for a dead one")
    void probeWithoutToken() {
        String svc = unique("acl-probe");
        consul.register(svc, svc + "-1", "127.0.0.63", 80);
        ConsulDiscovery d = discovery(readAllToken()[0]);
        assertThat(d.resolve(svc).isEmpty()).isFalse();
        // blocking queries in flight get probed every 2 s; a refused probe would mark the agent down
        await().during(Duration.ofSeconds(5)).atMost(Duration.ofSeconds(8)).until(() -> !d.resolve(svc).stale());
        assertThat(sentinelConnections.get()).isZero();
        assertThat(d.stats().agentRotations()).isZero();
    }
}
