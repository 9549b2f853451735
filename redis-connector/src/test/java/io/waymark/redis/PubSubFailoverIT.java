package io.waymark.redis;

import static io.waymark.redis.RoleCheckedRedis.PASSWORD;
import static io.waymark.redis.RoleCheckedRedis.READ;
import static io.waymark.redis.RoleCheckedRedis.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisException;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * Pub/Sub subscriptions follow their node: a switchover keeps them (the old master, now a replica,
 * still receives what the new master publishes), a dead node moves them to another listed node,
 * and the gap is reported.
 */
class PubSubFailoverIT {

    private static final Duration CHECK = Duration.ofSeconds(1);

    /** Messages and gaps as the listeners saw them. */
    private static final class Seen extends RedisPubSubAdapter<String, String> {
        final List<String> messages = new CopyOnWriteArrayList<>();
        final List<DiscoveredPubSub.Gap> gaps = new CopyOnWriteArrayList<>();

        @Override
        public void message(String channel, String message) {
            messages.add(channel + ":" + message);
        }

        @Override
        public void message(String pattern, String channel, String message) {
            messages.add(pattern + ">" + channel + ":" + message);
        }
    }

    private static ConsulCluster agentsFor(List<RedisNode> nodes) {
        return RoleCheckedRedis.consul(ConsulCluster.builder().servers(1), "redis", nodes, CHECK, "app");
    }

    private static DiscoveredRedis<String, String> connector(ConsulCluster consul) {
        return RoleCheckedRedis.services(DiscoveredRedis.builder()).consulAgent(consul.agent("app").httpAddress())
                .build();
    }

    /**
     * Publishes {@code message} until it shows up (a move may still be settling). A publish that fails is
     * tried again: in cluster mode a PUBLISH has no key, and Lettuce sends it to its default node, which
     * may be the killed one until the cluster has failed over (the connector then reports it refused).
     */
    private static void publishUntilSeen(DiscoveredRedis<String, String> redis, Seen seen, String channel,
            String message, Function<String, String> expected) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptionsInstanceOf(RedisException.class).untilAsserted(() -> {
            redis.sync().publish(channel, message);
            assertThat(seen.messages).contains(expected.apply(message));
        });
    }

    @Test
    void standaloneSubscriptionsSurviveASwitchoverAndMoveOffADeadNode() {
        try (RedisReplication replication = RedisReplication.builder().replicas(2).password(PASSWORD).start();
                ConsulCluster consul = agentsFor(replication.nodes())) {
            consul.awaitPassing(WRITE, 1, Duration.ofSeconds(60));
            consul.awaitPassing(READ, 2, Duration.ofSeconds(60));
            try (DiscoveredRedis<String, String> redis = connector(consul)) {
                DiscoveredPubSub<String, String> pubSub = redis.pubSub();
                Seen seen = new Seen();
                pubSub.addListener(seen);
                pubSub.addGapListener(seen.gaps::add);
                pubSub.subscribe(List.of("orders")).join();
                pubSub.psubscribe(List.of("audit.*")).join();
                await().atMost(Duration.ofSeconds(10)).until(() -> pubSub.node() != null);
                String first = pubSub.node();
                publishUntilSeen(redis, seen, "orders", "m1", m -> "orders:" + m);
                publishUntilSeen(redis, seen, "audit.login", "a1", m -> "audit.*>audit.login:" + m);

                // a switchover: the subscribed node stays listed (as master or replica) and keeps receiving
                RedisNode target = replication.replicas().stream().filter(n -> !n.address().equals(first))
                        .findFirst().orElseThrow();
                replication.switchover(target);
                publishUntilSeen(redis, seen, "orders", "m2", m -> "orders:" + m);
                assertThat(pubSub.gaps()).isZero();

                // the subscribed node dies: the subscriptions move to another listed node, one gap reported
                String holder = pubSub.node();
                RedisNode dead = replication.nodes().stream().filter(n -> n.address().equals(holder))
                        .findFirst().orElseThrow();
                if (dead.address().equals(replication.master().address())) {
                    RedisNode next = replication.replicas().get(0);
                    replication.kill(dead);
                    replication.promote(next);
                } else {
                    replication.kill(dead);
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> pubSub.gaps() == 1);
                assertThat(pubSub.node()).isNotEqualTo(holder);
                assertThat(seen.gaps).singleElement().satisfies(g -> {
                    assertThat(g.lostNode()).isEqualTo(holder);
                    assertThat(g.newNode()).isEqualTo(pubSub.node());
                    assertThat(g.length()).isPositive().isLessThan(Duration.ofSeconds(20));
                });
                publishUntilSeen(redis, seen, "orders", "m3", m -> "orders:" + m);
                publishUntilSeen(redis, seen, "audit.logout", "a2", m -> "audit.*>audit.logout:" + m);

                pubSub.unsubscribe(List.of("orders")).join();
                assertThat(pubSub.channels()).isEmpty();
                assertThat(pubSub.patterns()).containsExactly("audit.*");
                pubSub.close();
                assertThat(pubSub.isClosed()).isTrue();
            }
        }
    }

    @Test
    void clusterSubscriptionsMoveOffAKilledMaster() {
        try (RedisCluster cluster = RedisCluster.builder().password(PASSWORD).start();
                ConsulCluster consul = agentsFor(cluster.nodes())) {
            consul.awaitPassing(WRITE, 3, Duration.ofSeconds(60));
            consul.awaitPassing(READ, 3, Duration.ofSeconds(60));
            try (DiscoveredRedis<String, String> redis = connector(consul)) {
                assertThat(redis.stats().mode()).isEqualTo(TopologyMode.CLUSTER);
                DiscoveredPubSub<String, String> pubSub = redis.pubSub();
                Seen seen = new Seen();
                pubSub.addListener(seen);
                pubSub.addGapListener(seen.gaps::add);
                pubSub.subscribe(List.of("orders")).join();
                await().atMost(Duration.ofSeconds(10)).until(() -> pubSub.node() != null);
                publishUntilSeen(redis, seen, "orders", "c1", m -> "orders:" + m);

                String holder = pubSub.node();
                RedisNode dead = cluster.nodes().stream().filter(n -> n.address().equals(holder)).findFirst()
                        .orElseThrow();
                cluster.kill(dead);

                await().atMost(Duration.ofSeconds(30)).until(() -> pubSub.gaps() == 1);
                assertThat(pubSub.node()).isNotEqualTo(holder);
                assertThat(seen.gaps).singleElement().satisfies(g -> assertThat(g.lostNode()).isEqualTo(holder));
                // a publish on a key-less channel goes to any master: it reaches every node of the cluster
                publishUntilSeen(redis, seen, "orders", "c2", m -> "orders:" + m);
            }
        }
    }
}
