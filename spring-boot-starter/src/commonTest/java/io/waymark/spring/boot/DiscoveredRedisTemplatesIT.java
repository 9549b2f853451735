package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.WaymarkTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.springframework.cache.Cache;
import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.cache.RedisCacheManager;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.core.RedisOperations;
import org.springframework.data.redis.core.SessionCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;

/**
 * Boot's own templates and Spring's message listener container on the starter's connection factory,
 * against a real standalone replication: a switchover under load reaches no template call, a killed
 * node moves the subscription, Spring Cache and the reactive template route too.
 */
@WaymarkTopology(redisReplicas = 2, roleChecks = true)
class DiscoveredRedisTemplatesIT {

    private static final int WRITERS = 4;

    /**
     * {@code waymark.redis.database} is the database the factory reports (Spring Session builds its event
     * channel names from it) and the one the template's writes land in.
     */
    @Test
    void theFactoryReportsAndUsesTheConfiguredDatabase(RedisReplication redis, ConsulCluster consul) {
        consul.awaitPassing(WaymarkTopology.REDIS_MASTER_SERVICE, 1, Duration.ofSeconds(60));
        WaymarkContexts.replication(redis, consul).withPropertyValues("waymark.redis.database=3",
                "waymark.redis.read-policy=master").run(context -> {
                    assertThat(context).hasNotFailed();
                    LettuceConnectionFactory factory = context.getBean(LettuceConnectionFactory.class);
                    assertThat(factory.getDatabase()).isEqualTo(3);
                    context.getBean(StringRedisTemplate.class).opsForValue().set("in-db-3", "yes");
                    RedisURI uri = RedisURI.builder().withHost(redis.master().host()).withPort(redis.master().port())
                            .withPassword(redis.password().toCharArray()).withDatabase(3).build();
                    RedisClient client = RedisClient.create(uri);
                    try (StatefulRedisConnection<String, String> c = client.connect()) {
                        assertThat(c.sync().get("in-db-3")).isEqualTo("yes");
                    } finally {
                        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
                    }
                });
    }

    @Test
    void templatesAndListenersFollowASwitchoverAndADeadNode(RedisReplication redis, ConsulCluster consul) {
        consul.awaitPassing(WaymarkTopology.REDIS_MASTER_SERVICE, 1, Duration.ofSeconds(60));
        consul.awaitPassing(WaymarkTopology.REDIS_REPLICA_SERVICE, 2, Duration.ofSeconds(60));
        Set<String> threadsBefore = Threads.names();
        WaymarkContexts.replication(redis, consul)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
                    RedisConnectionFactory factory = context.getBean(RedisConnectionFactory.class);
                    template.opsForValue().set("greeting", "hello");
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                            assertThat(template.opsForValue().get("greeting")).isEqualTo("hello"));

                    List<String> received = new CopyOnWriteArrayList<>();
                    RedisMessageListenerContainer container = new RedisMessageListenerContainer();
                    container.setConnectionFactory(factory);
                    container.addMessageListener((message, pattern) -> received.add(new String(message.getBody())),
                            new ChannelTopic("events"));
                    container.afterPropertiesSet();
                    container.start();
                    try {
                        publishUntilReceived(template, received, "e1");

                        // a switchover under load: no error reaches a template call, every increment counted
                        AtomicBoolean stop = new AtomicBoolean();
                        AtomicLong acknowledged = new AtomicLong();
                        List<Throwable> errors = new CopyOnWriteArrayList<>();
                        List<Thread> writers = new ArrayList<>();
                        for (int i = 0; i < WRITERS; i++) {
                            Thread t = new Thread(() -> {
                                while (!stop.get()) {
                                    try {
                                        template.opsForValue().increment("counter");
                                        acknowledged.incrementAndGet();
                                    } catch (DataAccessException e) {
                                        errors.add(e);
                                    }
                                }
                            }, "template-writer-" + i);
                            t.start();
                            writers.add(t);
                        }
                        await().atMost(Duration.ofSeconds(10)).until(() -> acknowledged.get() > 200);
                        RedisNode oldMaster = redis.master();
                        redis.switchover(redis.replicas().get(0));
                        long atSwitch = acknowledged.get();
                        await().atMost(Duration.ofSeconds(20)).until(() -> acknowledged.get() > atSwitch + 200);
                        stop.set(true);
                        for (Thread t : writers) {
                            t.join(10_000);
                        }
                        assertThat(errors).isEmpty();
                        assertThat(template.opsForValue().get("counter")).isEqualTo(Long.toString(acknowledged.get()));
                        WaymarkRedisClients clients = context.getBean(WaymarkRedisClients.class);
                        assertThat(clients.all().get("template").stats().masters()).containsExactly(
                                redis.master().address());
                        publishUntilReceived(template, received, "e2");

                        // the subscription's node dies: it moves to another listed node
                        DiscoveredRedis<?, ?> templateRedis = clients.all().get("template");
                        redis.kill(oldMaster);
                        publishUntilReceived(template, received, "e3");
                        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                                assertThat(templateRedis.stats().replicas()).doesNotContain(oldMaster.address()));
                    } finally {
                        container.stop();
                        container.destroy();
                    }

                    // Spring Cache on the same factory: put, get, evict, clear
                    Cache cache = RedisCacheManager.create(factory).getCache("prices");
                    cache.put("apple", "1.20");
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                            assertThat(cache.get("apple", String.class)).isEqualTo("1.20"));
                    cache.clear();
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(cache.get("apple")).isNull());

                    ReactiveStringRedisTemplate reactive = context.getBean(ReactiveStringRedisTemplate.class);
                    assertThat(reactive.opsForValue().set("reactive", "yes").block(Duration.ofSeconds(10))).isTrue();
                    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                            assertThat(reactive.opsForValue().get("reactive").block(Duration.ofSeconds(10)))
                                    .isEqualTo("yes"));
                    assertThat(context.getBean(WaymarkRedisClients.class).all()).containsKey("reactive");

                    // a transaction needs a pinned connection: refused, saying where to go instead
                    assertThatThrownBy(() -> template.execute(new SessionCallback<Object>() {
                        @Override
                        @SuppressWarnings({"unchecked", "rawtypes"})
                        public Object execute(RedisOperations operations) {
                            operations.multi();
                            operations.opsForValue().set("tx", "1");
                            return operations.exec();
                        }
                    })).hasStackTraceContaining("withWriteConnection");
                });
        // the context closed: every connector, Pub/Sub client and Lettuce resource with it
        Threads.awaitNoneLeftSince(threadsBefore);
    }


    private static void publishUntilReceived(StringRedisTemplate template, List<String> received, String message) {
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            template.convertAndSend("events", message);
            assertThat(received).contains(message);
        });
    }
}
