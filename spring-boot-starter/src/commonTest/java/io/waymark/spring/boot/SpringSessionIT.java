package io.waymark.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.WaymarkTopology;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationEvent;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.RedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.PatternTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.data.redis.serializer.RedisSerializer;
import org.springframework.session.FindByIndexNameSessionRepository;
import org.springframework.session.Session;
import org.springframework.session.SessionRepository;
import org.springframework.session.data.redis.RedisIndexedSessionRepository;
import org.springframework.session.data.redis.RedisSessionRepository;
import org.springframework.session.data.redis.config.ConfigureNotifyKeyspaceEventsAction;
import org.springframework.session.events.AbstractSessionEvent;
import org.springframework.session.events.SessionCreatedEvent;
import org.springframework.session.events.SessionDeletedEvent;
import org.springframework.session.events.SessionExpiredEvent;

/**
 * Spring Session Data Redis on the starter's connection factory, against a real standalone replication
 * listed by Consul role checks. The repositories are built as Spring Session's own configurations build
 * them ({@code RedisHttpSessionConfiguration}, {@code RedisIndexedHttpSessionConfiguration}: those need a
 * servlet container, the repositories do not).
 *
 * <p>What is proven here: {@link RedisSessionRepository} keeps sessions, attributes and TTLs, also through a
 * switchover under load; {@link RedisIndexedSessionRepository} finds by principal and hears created, deleted
 * and expired events while the node holding the subscription has keyspace notifications on. What is shown
 * not to work: keyspace notifications configured through the factory reach the master only, so the
 * destroyed events stop when the subscription moves; and reads from replicas miss a session just saved.
 */
@WaymarkTopology(redisReplicas = 2, roleChecks = true)
class SpringSessionIT {

    private static final int THREADS = 4;
    private static final String KEYSPACE_EVENTS = "notify-keyspace-events";

    @Test
    void sessionRepositoryKeepsAttributesAndExpiry(RedisReplication redis, ConsulCluster consul) {
        awaitTopology(redis, consul);
        withSessions(redis, consul, "master", (context, sessions) -> {
            Session s = sessions.createSession();
            s.setAttribute("user", "alice");
            s.setAttribute("cart", new ArrayList<>(List.of("apple", "pear")));
            s.setAttribute("visits", 3);
            sessions.save(s);

            Session found = sessions.findById(s.getId());
            assertThat(found).isNotNull();
            assertThat(attributes(found)).isEqualTo(Map.of("user", "alice", "cart", List.of("apple", "pear"),
                    "visits", 3));
            assertThat(found.getMaxInactiveInterval()).isEqualTo(Duration.ofMinutes(30));
            assertTtlAbout(redis, sessionKey(s.getId()), Duration.ofMinutes(30));

            // the next request: an existing session changed (the repository checks it still exists first)
            found.setAttribute("visits", 4);
            found.removeAttribute("cart");
            sessions.save(found);
            assertThat(attributes(sessions.findById(s.getId()))).isEqualTo(Map.of("user", "alice", "visits", 4));

            // a login's session fixation protection: RENAME to the new id
            String oldId = found.getId();
            String newId = found.changeSessionId();
            sessions.save(found);
            assertThat(sessions.findById(oldId)).isNull();
            assertThat(attributes(sessions.findById(newId))).isEqualTo(Map.of("user", "alice", "visits", 4));
            assertTtlAbout(redis, sessionKey(newId), Duration.ofMinutes(30));

            sessions.deleteById(newId);
            assertThat(sessions.findById(newId)).isNull();
        });
    }

    @Test
    void sessionRepositoryLosesNoSessionInASwitchoverUnderLoad(RedisReplication redis, ConsulCluster consul) {
        awaitTopology(redis, consul);
        withSessions(redis, consul, "master", (context, sessions) -> {
            SessionLoad load = new SessionLoad(sessions);
            int atSwitch;
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> load.saved.size() > 200);
                redis.switchover(redis.replicas().get(0));
                atSwitch = load.saved.size();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.saved.size() > atSwitch + 200);
            } finally {
                load.close();
            }
            System.out.printf("SpringSessionIT: %d sessions saved, read back and saved again by %d threads, %d of them "
                    + "after the switchover began; errors: %s%n", load.saved.size(), THREADS,
                    load.saved.size() - atSwitch, load.errors);
            assertThat(load.errors).isEmpty();
            // the factory's connector followed the switchover
            assertThat(context.getBean(WaymarkRedisClients.class).all().get("template").stats().masters())
                    .containsExactly(redis.master().address());
            List<String> lost = new ArrayList<>();
            load.saved.forEach((id, expected) -> {
                Session s = sessions.findById(id);
                if (s == null || !attributes(s).equals(expected)) {
                    lost.add(id + ": " + (s == null ? "missing" : attributes(s)));
                }
            });
            assertThat(lost).isEmpty();
            // every session written before the switchover kept its expiry on the new master
            Map<String, Long> ttls = onNode(redis, redis.master(), c -> load.saved.keySet().stream()
                    .collect(Collectors.toMap(id -> id, id -> c.ttl(sessionKey(id)))));
            assertThat(ttls.values()).allMatch(ttl -> ttl > 0 && ttl <= Duration.ofMinutes(30).toSeconds());
        });
    }

    @Test
    void indexedRepositoryFindsByPrincipalAndHearsEventsOnlyWhereKeyspaceNotificationsAreOn(RedisReplication redis,
            ConsulCluster consul) {
        awaitTopology(redis, consul);
        // every node as redis.conf leaves it: no keyspace notifications
        for (RedisNode n : redis.nodes()) {
            onNode(redis, n, c -> c.configSet(KEYSPACE_EVENTS, ""));
        }
        Set<String> threadsBefore = Threads.names();
        RedisNode configured = redis.master();
        try {
            indexedRepositoryRun(redis, consul, configured);
        } finally {
            if (!configured.isRunning()) {
                configured.start();
            }
            redis.awaitReplicasInSync();
        }
        Threads.awaitNoneLeftSince(threadsBefore);
    }

    private static void indexedRepositoryRun(RedisReplication redis, ConsulCluster consul, RedisNode configured) {
        ApplicationContextRunner runner = WaymarkContexts.replication(redis, consul)
                .withPropertyValues("waymark.redis.read-policy=master");
        runner.run(context -> {
            assertThat(context).hasNotFailed();
            RedisConnectionFactory factory = context.getBean(RedisConnectionFactory.class);
            List<ApplicationEvent> events = new CopyOnWriteArrayList<>();
            RedisIndexedSessionRepository repository = new RedisIndexedSessionRepository(sessionTemplate(factory));
            repository.setApplicationEventPublisher(e -> events.add((ApplicationEvent) e));
            repository.afterPropertiesSet();
            @SuppressWarnings({"unchecked", "rawtypes"})
            SessionRepository<Session> sessions = (SessionRepository) repository;
            // what Spring Session's EnableRedisKeyspaceNotificationsInitializer does at startup
            try (RedisConnection c = factory.getConnection()) {
                new ConfigureNotifyKeyspaceEventsAction().configure(c);
            }
            RedisMessageListenerContainer container = new RedisMessageListenerContainer();
            container.setConnectionFactory(factory);
            container.addMessageListener(repository, List.of(new ChannelTopic(repository.getSessionDeletedChannel()),
                    new ChannelTopic(repository.getSessionExpiredChannel())));
            container.addMessageListener(repository,
                    List.of(new PatternTopic(repository.getSessionCreatedChannelPrefix() + "*")));
            container.afterPropertiesSet();
            container.start();
            try {
                // CONFIG SET went to the master only: a routed command runs on one node
                assertThat(onNode(redis, configured, SpringSessionIT::keyspaceEvents)).contains("E", "g", "x");
                for (RedisNode n : redis.replicas()) {
                    assertThat(onNode(redis, n, SpringSessionIT::keyspaceEvents)).as(n.address()).isEmpty();
                }
                saveUntilHeard(sessions, events);

                String alice1 = saveFor(sessions, "alice", "apple").getId();
                String alice2 = saveFor(sessions, "alice", "pear").getId();
                String bob = saveFor(sessions, "bob", "plum").getId();
                assertThat(repository.findByPrincipalName("alice")).containsOnlyKeys(alice1, alice2);
                assertThat(repository.findByPrincipalName("alice").get(alice2).<String>getAttribute("cart"))
                        .isEqualTo("pear");
                assertThat(repository.findByPrincipalName("bob")).containsOnlyKeys(bob);
                awaitEvent(events, SessionCreatedEvent.class, alice1);
                awaitEvent(events, SessionCreatedEvent.class, bob);

                // keyspace notifications from the master, which holds the subscription
                sessions.deleteById(alice1);
                awaitEvent(events, SessionDeletedEvent.class, alice1);
                assertThat(repository.findByPrincipalName("alice")).containsOnlyKeys(alice2);
                Session shortLived = sessions.createSession();
                shortLived.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, "carol");
                shortLived.setMaxInactiveInterval(Duration.ofSeconds(1));
                sessions.save(shortLived);
                awaitEvent(events, SessionExpiredEvent.class, shortLived.getId());
                assertThat(repository.findByPrincipalName("carol")).isEmpty();

                // the subscription's node goes: it moves to a node where nobody turned notifications on
                redis.switchover(redis.replicas().get(0));
                redis.kill(configured);
                saveUntilHeard(sessions, events);
                sessions.deleteById(alice2);
                // a later save's created event comes through the same node, after the DEL's notification
                String marker = saveFor(sessions, "dave", "fig").getId();
                awaitEvent(events, SessionCreatedEvent.class, marker);
                assertThat(sessionIds(events, SessionDeletedEvent.class)).doesNotContain(alice2);
                assertThat(repository.findByPrincipalName("alice")).isEmpty();

                // notifications on in every node's configuration, as the README asks: the events are back
                for (RedisNode n : redis.nodes()) {
                    if (n.isRunning()) {
                        onNode(redis, n, c -> c.configSet(KEYSPACE_EVENTS, "Egx"));
                    }
                }
                sessions.deleteById(bob);
                awaitEvent(events, SessionDeletedEvent.class, bob);
            } finally {
                container.stop();
                container.destroy();
                repository.destroy();
            }
        });
    }

    @Test
    void replicaReadsMissASessionSavedAMomentAgo(RedisReplication redis, ConsulCluster consul) {
        awaitTopology(redis, consul);
        // both replicas lose their master link (as in a resync or a partition): still replicas, still listed,
        // serving what they had (replica-serve-stale-data yes, Redis' default)
        for (RedisNode n : redis.replicas()) {
            onNode(redis, n, c -> {
                c.configSet("masterauth", "not-the-password");
                return c.clientKill(KillArgs.Builder.typeMaster());
            });
        }
        try {
            for (RedisNode n : redis.replicas()) {
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        onNode(redis, n, c -> c.info("replication")).contains("master_link_status:down"));
            }
            // the default with a read service
            withSessions(redis, consul, "replica-preferred", (context, sessions) -> {
                Session s = sessions.createSession();
                s.setAttribute("user", "erin");
                sessions.save(s);
                assertThat(sessions.findById(s.getId())).isNull();
                s.setAttribute("visits", 2);
                assertThatThrownBy(() -> sessions.save(s)).isInstanceOf(IllegalStateException.class)
                        .hasMessage("Session was invalidated");
            });
            withSessions(redis, consul, "master", (context, sessions) -> {
                Session s = sessions.createSession();
                s.setAttribute("user", "erin");
                sessions.save(s);
                assertThat(attributes(sessions.findById(s.getId()))).isEqualTo(Map.of("user", "erin"));
                s.setAttribute("visits", 2);
                sessions.save(s);
                assertThat(attributes(sessions.findById(s.getId()))).isEqualTo(Map.of("user", "erin", "visits", 2));
            });
        } finally {
            for (RedisNode n : redis.replicas()) {
                onNode(redis, n, c -> c.configSet("masterauth", redis.password()));
            }
            redis.awaitReplicasInSync();
        }
    }

    /**
     * {@link #THREADS} threads, each in a loop: a request that creates a session, the next one that reads it and
     * saves a change (the repository checks the session still exists first). What each left is in
     * {@link #saved}; every error, and every session not found right after its save, in {@link #errors}.
     */
    private static final class SessionLoad implements AutoCloseable {

        final Map<String, Map<String, Object>> saved = new ConcurrentHashMap<>();
        final List<String> errors = new CopyOnWriteArrayList<>();
        private final AtomicBoolean stop = new AtomicBoolean();
        private final List<Thread> workers = new ArrayList<>();

        SessionLoad(SessionRepository<Session> sessions) {
            for (int i = 0; i < THREADS; i++) {
                String name = "session-worker-" + i;
                Thread t = new Thread(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        request(sessions, name, n);
                    }
                }, name);
                t.start();
                workers.add(t);
            }
        }

        private void request(SessionRepository<Session> sessions, String name, int n) {
            String step = "save";
            try {
                Session s = sessions.createSession();
                s.setAttribute("worker", name);
                s.setAttribute("n", n);
                sessions.save(s);
                step = "findById";
                Session again = sessions.findById(s.getId());
                if (again == null || !Integer.valueOf(n).equals(again.getAttribute("n"))) {
                    errors.add(name + " " + n + ": saved, then findById answered " + again);
                    return;
                }
                step = "save again";
                again.setAttribute("seen", true);
                sessions.save(again);
                saved.put(s.getId(), Map.of("worker", name, "n", n, "seen", true));
            } catch (RuntimeException e) {
                errors.add(name + " " + n + " " + step + ": " + e);
            }
        }

        @Override
        public void close() throws InterruptedException {
            stop.set(true);
            for (Thread t : workers) {
                t.join(30_000);
            }
            assertThat(workers).noneMatch(Thread::isAlive);
        }
    }

    private static void awaitTopology(RedisReplication redis, ConsulCluster consul) {
        redis.awaitReplicasInSync();
        consul.awaitPassing(WaymarkTopology.REDIS_MASTER_SERVICE, 1, Duration.ofSeconds(60));
        consul.awaitPassing(WaymarkTopology.REDIS_REPLICA_SERVICE, 2, Duration.ofSeconds(60));
    }

    /** What a test does with the application context and Spring Session's default repository on its factory. */
    private interface SessionTest {
        void run(AssertableApplicationContext context, SessionRepository<Session> sessions) throws Throwable;
    }

    /**
     * Runs {@code test} in a context of the starter reading with {@code readPolicy}, on a
     * {@code RedisSessionRepository} built as {@code @EnableRedisHttpSession} builds it; no connector thread
     * is left once the context closed.
     */
    private static void withSessions(RedisReplication redis, ConsulCluster consul, String readPolicy,
            SessionTest test) {
        Set<String> threadsBefore = Threads.names();
        WaymarkContexts.replication(redis, consul).withPropertyValues("waymark.redis.read-policy=" + readPolicy)
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    test.run(context, sessionRepository(context.getBean(RedisConnectionFactory.class)));
                });
        Threads.awaitNoneLeftSince(threadsBefore);
    }

    /** The template Spring Session's configurations build on the application's factory. */
    private static RedisTemplate<String, Object> sessionTemplate(RedisConnectionFactory factory) {
        RedisTemplate<String, Object> t = new RedisTemplate<>();
        t.setKeySerializer(RedisSerializer.string());
        t.setHashKeySerializer(RedisSerializer.string());
        t.setConnectionFactory(factory);
        t.setBeanClassLoader(SpringSessionIT.class.getClassLoader());
        t.afterPropertiesSet();
        return t;
    }

    /** {@code @EnableRedisHttpSession}'s repository, typed as SessionRepositoryFilter uses it. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static SessionRepository<Session> sessionRepository(RedisConnectionFactory factory) {
        return (SessionRepository) new RedisSessionRepository(sessionTemplate(factory));
    }

    private static String sessionKey(String id) {
        return RedisSessionRepository.DEFAULT_KEY_NAMESPACE + ":sessions:" + id;
    }

    private static Map<String, Object> attributes(Session s) {
        assertThat(s).isNotNull();
        return s.getAttributeNames().stream().collect(Collectors.toMap(n -> n, s::getAttribute));
    }

    /** The key's TTL, asked of the master itself: set, and no longer than the session's timeout. */
    private static void assertTtlAbout(RedisReplication redis, String key, Duration timeout) {
        long ttl = onNode(redis, redis.master(), c -> c.ttl(key));
        assertThat(ttl).as("TTL of " + key).isBetween(timeout.toSeconds() - 60, timeout.toSeconds());
    }

    private static Session saveFor(SessionRepository<Session> sessions, String principal, String cart) {
        Session s = sessions.createSession();
        s.setAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME, principal);
        s.setAttribute("cart", cart);
        sessions.save(s);
        return s;
    }

    /** Saves new sessions until one's created event arrives: the subscription holds on some node. */
    private static void saveUntilHeard(SessionRepository<Session> sessions, List<ApplicationEvent> events) {
        AtomicInteger probes = new AtomicInteger();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() -> {
            saveFor(sessions, "probe-" + probes.incrementAndGet(), "none");
            return events.stream().anyMatch(e -> e instanceof SessionCreatedEvent c
                    && c.getSession().<String>getAttribute(FindByIndexNameSessionRepository.PRINCIPAL_NAME_INDEX_NAME)
                            .startsWith("probe-"));
        });
    }

    private static void awaitEvent(List<ApplicationEvent> events, Class<? extends AbstractSessionEvent> type,
            String sessionId) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(sessionIds(events, type)).contains(sessionId));
    }

    private static List<String> sessionIds(List<ApplicationEvent> events, Class<? extends AbstractSessionEvent> type) {
        return events.stream().filter(type::isInstance).map(e -> ((AbstractSessionEvent) e).getSessionId()).toList();
    }

    private static String keyspaceEvents(RedisCommands<String, String> c) {
        return c.configGet(KEYSPACE_EVENTS).get(KEYSPACE_EVENTS);
    }

    /** A plain connection to one node, as an operator's redis-cli: what the test checks or sets behind the factory. */
    private static <T> T onNode(RedisReplication redis, RedisNode node, Function<RedisCommands<String, String>, T> f) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost(node.host()).withPort(node.port())
                .withPassword(redis.password().toCharArray()).withTimeout(Duration.ofSeconds(5)).build());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            return f.apply(c.sync());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(5));
        }
    }
}
