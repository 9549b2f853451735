package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.waymark.testkit.internal.Resp;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

@DisplayName("RedisReplication")
class RedisReplicationIT {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private RedisReplication rr;

    @BeforeEach
    void start() {
        rr = RedisReplication.builder().replicas(2).password("secret").start();
    }

    @AfterEach
    void stop() {
        rr.close();
    }

    static Object call(RedisNode n, String... args) {
        return Resp.call(n.host(), n.port(), "secret", args);
    }

    @Nested
    @DisplayName("when started")
    class Started {

        @Test
        void has_one_master_and_two_replicas_on_their_own_addresses() {
            assertThat(rr.nodes()).hasSize(3).extracting(RedisNode::host).doesNotHaveDuplicates();
            assertThat(rr.nodes()).extracting(RedisNode::port).containsOnly(6379);
            assertThat(rr.master().role()).isEqualTo("master");
            assertThat(rr.replicas()).hasSize(2).allSatisfy(r -> assertThat(r.role()).isEqualTo("slave"));
            assertThat(rr.master().address()).isEqualTo(rr.master().host() + ":6379");
        }

        @Test
        void replicates_writes_and_requires_auth() {
            call(rr.master(), "SET", "k", "v");
            for (RedisNode r : rr.replicas()) {
                await().atMost(WAIT).until(() -> "v".equals(call(r, "GET", "k")));
            }
            RedisNode m = rr.master();
            assertThatThrownBy(() -> Resp.call(m.host(), m.port(), null, "GET", "k"))
                    .hasMessageContaining("NOAUTH");
        }
    }

    @Nested
    @DisplayName("switchover")
    class Switchover {

        @Test
        void promotes_the_replica_and_repoints_the_others_and_the_old_master() {
            RedisNode old = rr.master();
            RedisNode target = rr.replicas().get(0);
            RedisNode other = rr.replicas().get(1);
            call(old, "SET", "before", "1");
            rr.switchover(target);
            assertThat(rr.master()).isSameAs(target);
            assertThat(target.role()).isEqualTo("master");
            assertThat(old.role()).isEqualTo("slave");
            assertThat(other.role()).isEqualTo("slave");
            assertThat(call(target, "GET", "before")).isEqualTo("1");
            call(target, "SET", "after", "2");
            await().atMost(WAIT).until(() -> "2".equals(call(old, "GET", "after")));
            await().atMost(WAIT).until(() -> "2".equals(call(other, "GET", "after")));
            assertThatThrownBy(() -> call(old, "SET", "x", "y")).hasMessageContaining("READONLY");
        }
    }

    @Nested
    @DisplayName("faults")
    class Faults {

        @Test
        void kill_then_promote_makes_the_replica_master() {
            RedisNode old = rr.master();
            long pid = old.pid();
            rr.kill(old);
            assertThat(Pids.alive(pid)).isFalse();
            RedisNode target = rr.replicas().get(1);
            rr.promote(target);
            assertThat(target.role()).isEqualTo("master");
            RedisNode other = rr.replicas().stream().filter(n -> n != old).findFirst().orElseThrow();
            await().atMost(WAIT).until(() -> "slave".equals(other.role())
                    && String.valueOf(call(other, "INFO", "replication"))
                            .contains("master_host:" + target.host()));
            old.start();
            assertThat(old.role()).isEqualTo("slave");
        }

        @Test
        void a_paused_node_answers_nothing_until_resumed() {
            RedisNode r = rr.replicas().get(0);
            r.pause();
            try {
                assertThat(r.isRunning()).isTrue();
                assertThatThrownBy(() -> call(r, "PING")).hasMessageContaining("failed");
            } finally {
                r.resume();
            }
            assertThat(call(r, "PING")).isEqualTo("PONG");
        }

        @Test
        void a_stopped_replica_restarts_as_a_replica_and_resyncs() {
            RedisNode r = rr.replicas().get(0);
            call(rr.master(), "SET", "k", "v");
            r.stop();
            assertThat(r.isRunning()).isFalse();
            r.start();
            assertThat(r.role()).isEqualTo("slave");
            await().atMost(WAIT).until(() -> "v".equals(call(r, "GET", "k")));
        }
    }

    @Nested
    @DisplayName("close")
    class Close {

        @Test
        void leaves_no_process() {
            Pids.assertCloseEndsAll(rr.nodes().stream().map(RedisNode::pid).toList(), rr::close);
        }
    }

    @Nested
    @DisplayName("with Consul role checks")
    class WithRoleChecks {

        @Test
        void consul_follows_the_switchover() {
            ConsulCluster.Builder b = ConsulCluster.builder().servers(1);
            int i = 0;
            for (RedisNode n : rr.nodes()) {
                b.clientAgent("redis0" + (++i), RoleChecks.redis(n, "secret", "w-master-redis-6379",
                        "r-slave-redis-6379", Duration.ofMillis(500)));
            }
            try (ConsulCluster consul = b.start()) {
                assertThat(consul.clients()).extracting(ConsulAgent::host)
                        .containsExactlyElementsOf(rr.nodes().stream().map(RedisNode::host).toList());
                consul.awaitPassing("w-master-redis-6379", 1, WAIT);
                consul.awaitPassing("r-slave-redis-6379", 2, WAIT);
                assertThat(consul.passing("w-master-redis-6379")).containsExactly(rr.master().address());
                RedisNode target = rr.replicas().get(0);
                rr.switchover(target);
                await().atMost(WAIT).until(() ->
                        consul.passing("w-master-redis-6379").equals(List.of(target.address())));
                consul.awaitPassing("r-slave-redis-6379", 2, WAIT);
            }
        }
    }
}
