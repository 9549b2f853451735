package io.waymark.redis;

import static io.waymark.redis.RoleCheckedRedis.PASSWORD;
import static io.waymark.redis.RoleCheckedRedis.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.TransactionResult;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.ServiceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * One scenario against real servers: a Redis master with two replicas, a Consul server,
 * one client agent per Redis node running the seed's role checks every second, and an
 * agent for the application. The steps run in order and share the fixtures, as the
 * faults of one step shape the topology of the next.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneFailoverIT extends AbstractRedisIT {

    private static final String CLIENT_NAME = "waymark-it";
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration BUDGET = Duration.ofSeconds(2);
    /** The role checks' interval; failover must not depend on it (try -Dwaymark.it.checkIntervalSeconds=10). */
    private static final Duration CHECK_INTERVAL =
            Duration.ofSeconds(Long.getLong("waymark.it.checkIntervalSeconds", 1));

    private Set<String> threadsBefore;
    private final RecordingMetrics metrics = new RecordingMetrics();
    private final Map<String, StatefulRedisConnection<String, String>> direct = new ConcurrentHashMap<>();

    /** Records the hooks' calls. */
    static final class RecordingMetrics implements RedisMetrics {
        final List<String> masterChanges = new CopyOnWriteArrayList<>();
        final List<String> retryReasons = new CopyOnWriteArrayList<>();
        final List<Duration> gaps = new CopyOnWriteArrayList<>();

        @Override
        public void masterChanged(String from, String to) {
            masterChanges.add(from + "->" + to);
        }

        @Override
        public void writeRetried(String command, String reason) {
            retryReasons.add(command + ":" + reason);
        }

        @Override
        public void writableMasterRestored(Duration withoutMaster) {
            gaps.add(withoutMaster);
        }
    }

    @BeforeAll
    void startServers() {
        startReplication(ConsulCluster.builder().servers(1), CHECK_INTERVAL, "app");
        raw = RedisClient.create();
        threadsBefore = threadNames();
        redis = connector(DiscoveredRedis.builder())
                .readFrom(ReadPolicy.REPLICA_PREFERRED)
                .commandTimeout(COMMAND_TIMEOUT)
                .failoverBudget(BUDGET)
                .metrics(metrics)
                .build();
    }

    @Test
    @Order(10)
    void writesGoToTheFencedMasterAndReadsToTheReplicasOnEveryApi() throws Exception {
        RedisNode master = replication.master();
        assertThat(redis.stats().mode()).isEqualTo(TopologyMode.STANDALONE);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(redis.stats().masters()).containsExactly(master.address());
            assertThat(redis.stats().replicas()).containsExactlyInAnyOrderElementsOf(
                    replication.replicas().stream().map(RedisNode::address).toList());
        });

        assertThat(redis.sync().set("steady", "1")).isEqualTo("OK");
        assertThat(direct(master).get("steady")).isEqualTo("1");
        assertThat(redis.async().incr("counter").get(5, TimeUnit.SECONDS)).isEqualTo(1L);
        assertThat(redis.reactive().incr("counter").block(Duration.ofSeconds(5))).isEqualTo(2L);
        replication.awaitReplicasInSync();

        long masterGets = getCalls(master);
        long replicaGets = replication.replicas().stream().mapToLong(this::getCalls).sum();
        for (int i = 0; i < 40; i++) {
            assertThat(redis.sync().get("steady")).isEqualTo("1");
        }
        assertThat(redis.reactive().get("steady").block(Duration.ofSeconds(5))).isEqualTo("1");
        assertThat(getCalls(master)).as("GETs on the master").isEqualTo(masterGets);
        assertThat(replication.replicas().stream().mapToLong(this::getCalls).sum() - replicaGets)
                .as("GETs on the replicas").isEqualTo(41);

        TransactionResult exec = redis.withWriteConnection(c -> {
            c.multi();
            c.set("tx-a", "1");
            c.incr("tx-b");
            return c.exec();
        });
        assertThat(exec.wasDiscarded()).isFalse();
        assertThat(exec.stream().toList()).containsExactly("OK", 1L);
        assertThat(direct(master).mget("tx-a", "tx-b")).extracting(kv -> kv.getValue()).containsExactly("1", "1");
    }

    @Test
    @Order(20)
    void aBlockingCommandRunsOnAPinnedConnectionAndBlocksNobodyElse() throws Exception {
        RedisNode master = replication.master();
        var popped = redis.async().blpop(10, "queue");
        await().atMost(Duration.ofSeconds(5)).until(() -> direct(master).clientList().contains("cmd=blpop"));
        // were BLPOP on the shared master connection, this LPUSH would wait behind it past the command timeout
        assertThat(redis.sync().lpush("queue", "job")).isEqualTo(1L);
        var kv = popped.get(5, TimeUnit.SECONDS);
        assertThat(kv.getKey()).isEqualTo("queue");
        assertThat(kv.getValue()).isEqualTo("job");

        var reactivePop = redis.reactive().brpop(10, "queue2").toFuture();
        await().atMost(Duration.ofSeconds(5)).until(() -> direct(master).clientList().contains("cmd=brpop"));
        assertThat(redis.sync().lpush("queue2", "job2")).isEqualTo(1L);
        assertThat(reactivePop.get(5, TimeUnit.SECONDS).getValue()).isEqualTo("job2");
    }

    @Test
    @Order(21)
    void aPopWithA10SecondServerTimeoutGetsAnItemPushedAfter4500Milliseconds() throws Exception {
        RedisNode master = replication.master();
        Pops.popGetsAnItemPushedAfterTheCommandTimeout(redis, "slow-queue", () -> blockedClients(master));
    }

    @Test
    @Order(22)
    void aPopThatTimedOutOnTheClientSwallowsNoLaterItem() throws Exception {
        RedisNode master = replication.master();
        // writes (BLPOP is one) wait while the server is paused: the client gives up first
        long unknownBefore = redis.stats().outcomeUnknownFailures();
        whileWritesPaused(master, () -> {
            long start = System.nanoTime();
            assertThatThrownBy(() -> redis.sync().blpop(1, "forced"))
                    .isInstanceOf(RedisCommandTimeoutException.class)
                    .hasMessageContaining("outcome unknown");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("server timeout + command timeout")
                    .isGreaterThanOrEqualTo(Duration.ofMillis(2900));
        });
        assertThat(redis.stats().outcomeUnknownFailures()).isEqualTo(unknownBefore + 1);
        assertNoItemSwallowed(master, "forced");
    }

    @Test
    @Order(23)
    void aCancelledPopSwallowsNoLaterItem() throws Exception {
        RedisNode master = replication.master();
        var pop = redis.async().blpop(30, "cancelled");
        await().atMost(Duration.ofSeconds(5)).until(() -> blockedClients(master) == 1);
        pop.cancel(true);
        await().atMost(Duration.ofSeconds(3)).until(() -> blockedClients(master) == 0);
        assertNoItemSwallowed(master, "cancelled");
    }

    /** Runs {@code during} while {@code node} holds every write (BLPOP included) for up to 10 s. */
    private static void whileWritesPaused(RedisNode node, Runnable during) throws IOException, InterruptedException {
        redisCli(node, "CLIENT", "PAUSE", "10000", "WRITE");
        try {
            during.run();
        } finally {
            redisCli(node, "CLIENT", "UNPAUSE");
        }
    }

    /** Pushes one item and checks that it stays until a pop through the connector takes it. */
    private void assertNoItemSwallowed(RedisNode master, String queue) {
        direct(master).lpush(queue, "item");
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3))
                .until(() -> direct(master).llen(queue) == 1);
        assertThat(redis.sync().blpop(1, queue).getValue()).isEqualTo("item");
    }

    @Test
    @Order(24)
    void withWriteConnectionHandsTheNextActionACleanConnection() throws Exception {
        RedisNode master = replication.master();
        // one pooled connection: every action gets the one the previous action left
        try (DiscoveredRedis<String, String> one = DiscoveredRedis.builder()
                .consulAgent(consul.agent("app").httpAddress())
                .writeService(WRITE + ".service.consul")
                .password(PASSWORD)
                .clientName(CLIENT_NAME + "-pinned")
                .commandTimeout(COMMAND_TIMEOUT)
                .poolSize(1, 1)
                .build()) {
            one.withWriteConnection(c -> {
                c.select(2);
                return c.set("in-db-2", "x");
            });
            String inDb0 = one.withWriteConnection(c -> c.get("in-db-2"));
            assertThat(inDb0).as("read in database 0").isNull();

            RedisCommands<String, String> leaked = one.withWriteConnection(c -> {
                c.watch("watched");
                return c;
            });
            direct(master).set("watched", "changed by someone else");
            TransactionResult exec = one.withWriteConnection(c -> {
                c.multi();
                c.set("after-watch", "1");
                return c.exec();
            });
            assertThat(exec.wasDiscarded()).as("a WATCH left by an earlier action").isFalse();
            assertThatThrownBy(() -> leaked.get("watched")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("withWriteConnection");

            whileWritesPaused(master, () -> assertThatThrownBy(() -> one.withWriteConnection(c -> c.blpop(1,
                    "pinned-forced"))).isInstanceOf(RedisCommandTimeoutException.class)
                    .hasMessageContaining("outcome unknown"));
            assertNoItemSwallowed(master, "pinned-forced");
        }
    }

    @Test
    @Order(30)
    void fencingAndRoutingWorkWithAnyCodec() {
        try (DiscoveredRedis<byte[], byte[]> bytes = connector(DiscoveredRedis.builder(ByteArrayCodec.INSTANCE))
                .build()) {
            assertThat(bytes.stats().masters()).containsExactly(replication.master().address());
            byte[] key = {1, 2, 3};
            assertThat(bytes.sync().set(key, new byte[] {42})).isEqualTo("OK");
            assertThat(direct(replication.master()).exists(new String(key, StandardCharsets.ISO_8859_1)))
                    .isEqualTo(1L);
        }
    }

    @Test
    @Order(40)
    void aReplicaConsulListsAsMasterNeverGetsAWrite() {
        RedisNode master = replication.master();
        RedisNode replica = replication.replicas().get(0);
        var app = consul.agent("app");
        // a registration without checks is passing: Consul now names two masters, one of them wrong
        app.register(ServiceSpec.builder(WRITE).id("liar").address(replica.host()).port(replica.port()).build());
        try {
            consul.awaitPassing(WRITE, 2, Duration.ofSeconds(30));
            long rejectedBefore = readonlyErrors(replica);
            AtomicInteger n = new AtomicInteger();
            // for a while, as the connector learns of the registration through its own watch
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(5))
                    .until(() -> "OK".equals(redis.sync().set("fenced-" + n.incrementAndGet(), "v"))
                            && readonlyErrors(replica) == rejectedBefore);
            assertThat(redis.stats().masters()).containsExactly(master.address());
            assertThat(direct(master).get("fenced-" + n.get())).isEqualTo("v");
        } finally {
            app.deregister("liar");
        }
        consul.awaitPassing(WRITE, 1, Duration.ofSeconds(30));
    }

    @Test
    @Order(50)
    void aSwitchoverUnderLoadShowsNoCallerAnErrorAndLosesNoAcknowledgedWrite() throws Exception {
        RedisNode target = replication.replicas().get(0);
        SwitchoverUnderLoad.run(redis, replication, target).assertNoCallerErrorAndNothingLost(redis, direct(target));
        assertThat(metrics.retryReasons).contains("set:READONLY");
        assertThat(metrics.masterChanges).contains("null->" + target.address());
    }

    @Test
    @Order(55)
    void twoMastersAtOnceAreOneEpisodeWhileWritesStayOnTheMaster() {
        RedisNode master = replication.master();
        RedisNode rogue = replication.replicas().get(0);
        long episodesBefore = redis.stats().twoMastersEpisodes();
        direct(rogue).replicaofNoOne();
        try {
            // the role checks now register both in the write service
            consul.awaitPassing(WRITE, 2, Duration.ofSeconds(30));
            AtomicInteger n = new AtomicInteger();
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
                assertThat(redis.sync().set("two-masters-" + n.incrementAndGet(), "v")).isEqualTo("OK");
                return redis.stats().twoMastersEpisodes() > episodesBefore;
            });
            assertThat(redis.stats().masters()).containsExactly(master.address());
            for (int i = 1; i <= n.get(); i++) {
                assertThat(direct(rogue).get("two-masters-" + i)).as("written to the rogue master").isNull();
            }
            try (DiscoveredRedis<String, String> fresh = connector(DiscoveredRedis.builder()).build()) {
                assertThat(fresh.stats().masters()).as("the listed master with the highest replication offset")
                        .containsExactly(master.address());
            }
        } finally {
            direct(rogue).replicaof(master.host(), master.port());
        }
        replication.awaitReplicasInSync();
        // a replica serves its old data set until its full resync is loaded: the next steps read from it
        await().atMost(Duration.ofSeconds(30)).until(() -> replicationOffset(rogue) >= replicationOffset(master));
        consul.awaitPassing(WRITE, 1, Duration.ofSeconds(30));
        assertThat(redis.stats().twoMastersEpisodes()).as("one episode").isEqualTo(episodesBefore + 1);
    }

    @Test
    @Order(60)
    void readsGoOnOnTheOtherReplicasWhenOneIsKilled() throws Exception {
        RedisNode victim = replication.replicas().get(replication.replicas().size() - 1);
        redis.sync().set("read-me", "yes");
        replication.awaitReplicasInSync();
        ReadLoad readers = new ReadLoad(redis, "read-me", "yes", 3).start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> readers.reads.get() > 100);
            replication.kill(victim);
            long killedAt = System.nanoTime();
            // keep reading past the command timeout, so every read in flight on the dead replica has ended
            await().atMost(Duration.ofSeconds(20)).until(() ->
                    System.nanoTime() - killedAt > COMMAND_TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(1));
            long afterKill = readers.reads.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> readers.reads.get() > afterKill + 100);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> !redis.stats().replicas().contains(victim.address()));
        } finally {
            readers.stop();
        }
        assertThat(readers.failures).as("reads that failed").isEmpty();
    }

    @Test
    @Order(70)
    void aFrozenMasterIsDroppedWithinSecondsAndTakenBackWhenItResumes() {
        RedisNode master = replication.master();
        assertThat(redis.stats().masters()).containsExactly(master.address());
        master.freeze();
        try {
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
                    .until(() -> redis.stats().masters().isEmpty());
        } finally {
            master.thaw();
        }
        await().atMost(Duration.ofSeconds(15)).until(() -> redis.stats().masters().equals(List.of(master.address())));
        assertThat(redis.sync().set("after-freeze", "1")).isEqualTo("OK");
        assertThat(metrics.masterChanges).contains(master.address() + "->null");
        assertThat(metrics.gaps).isNotEmpty();
        assertThat(redis.stats().timeWithoutWritableMaster()).isPositive();
    }

    @Test
    @Order(80)
    void trafficGoesOnWithoutTheConsulAgentAndItsChangesAreSeenWhenItIsBack() throws Exception {
        var agent = consul.agent("app");
        RedisNode killedReplica = replication.replicas().stream().filter(n -> !n.isRunning()).findFirst()
                .orElseThrow();
        agent.stop();
        try {
            WriteLoad load = new WriteLoad(redis, "no-consul", 2).start();
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledgedCount() > 300);
            } finally {
                load.stop();
            }
            assertThat(load.failures).isEmpty();
            assertThat(redis.sync().get("read-me")).isEqualTo("yes");
        } finally {
            agent.start();
        }
        // reads use only replicas Consul lists: the restarted one must come through Consul
        killedReplica.start();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> redis.stats().replicas().contains(killedReplica.address()));
    }

    @Test
    @Order(90)
    void aKilledMasterCostsErrorsOnlyUntilThePromotedReplicaTakesTheWrites() throws Exception {
        RedisNode old = replication.master();
        RedisNode heir = replication.replicas().stream().filter(RedisNode::isRunning).findFirst().orElseThrow();
        WriteLoad load = new WriteLoad(redis, "kill", 4).start();
        long killedAt;
        long promotedAt;
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledgedCount() > 200);
            killedAt = System.nanoTime();
            replication.kill(old);
            // an operator (or a sentinel) takes a moment to promote
            await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
            replication.promote(heir);
            promotedAt = System.nanoTime();
            await().atMost(Duration.ofSeconds(15)).until(() -> redis.stats().masters().equals(List.of(heir.address())));
            int after = load.acknowledgedCount();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledgedCount() > after + 400);
        } finally {
            load.stop();
        }
        System.out.printf("kill+promote: %d writes, %d errors, longest gap between two acknowledged writes %d ms%n",
                load.acknowledgedCount(), load.failures.size(), TimeUnit.NANOSECONDS.toMillis(load.maxGapNanos.get()));
        long windowEnd = promotedAt + COMMAND_TIMEOUT.plus(BUDGET).plusSeconds(1).toNanos();
        assertThat(load.failures).allSatisfy(f -> assertThat(f.atNanos()).isBetween(killedAt, windowEnd));
        assertThat(load.lastOpSucceeded).isNotEmpty().allSatisfy((thread, ok) -> assertThat(ok).isTrue());
        // writes acknowledged after the promotion went to the new master, none to a replica
        Set<String> afterPromotion = load.acknowledged.entrySet().stream()
                .filter(e -> e.getValue() > promotedAt).map(Map.Entry::getKey).collect(Collectors.toSet());
        assertThat(afterPromotion).isNotEmpty();
        assertThat(WriteLoad.missingOn(direct(heir), afterPromotion)).isEmpty();
    }

    @Test
    @Order(100)
    void closeLeavesNoClientConnectionAndNoThread() throws IOException, InterruptedException {
        assertThat(redisCli(replication.master(), "CLIENT", "LIST")).as("before close()")
                .contains("name=" + CLIENT_NAME);
        redis.close();
        redis = null;
        raw.shutdown();
        raw = null;
        for (RedisNode n : replication.nodes()) {
            if (n.isRunning()) {
                assertThat(redisCli(n, "CLIENT", "LIST")).doesNotContain("name=" + CLIENT_NAME);
            }
        }
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            Set<String> now = threadNames();
            now.removeAll(threadsBefore);
            assertThat(now).noneMatch(n -> n.startsWith("lettuce") || n.startsWith("waymark")
                    || n.startsWith("discovery"));
        });
        Set<String> left = threadNames();
        left.removeAll(threadsBefore);
        System.out.println("threads started since build() and still alive after close(): " + left);
    }

    // ---------------------------------------------------------------- helpers

    /** A builder for this group as the application's agent sees it. */
    @Override
    <K, V> DiscoveredRedisBuilder<K, V> connector(DiscoveredRedisBuilder<K, V> builder) {
        return super.connector(builder).clientName(CLIENT_NAME);
    }

    private RedisCommands<String, String> direct(RedisNode node) {
        StatefulRedisConnection<String, String> c = direct.computeIfAbsent(node.address(), a ->
                raw.connect(RoleCheckedRedis.uri(node)));
        return c.sync();
    }

    private long replicationOffset(RedisNode node) {
        Matcher m = Pattern.compile("master_repl_offset:(\\d+)").matcher(direct(node).info("replication"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private long blockedClients(RedisNode node) {
        Matcher m = Pattern.compile("blocked_clients:(\\d+)").matcher(direct(node).info("clients"));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private long readonlyErrors(RedisNode node) {
        Matcher m = Pattern.compile("errorstat_READONLY:count=(\\d+)").matcher(direct(node).info("errorstats"));
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private long getCalls(RedisNode node) {
        String stats = direct(node).info("commandstats");
        Matcher m = Pattern.compile("cmdstat_get:calls=(\\d+)").matcher(stats);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static String redisCli(RedisNode node, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", node.host(), "-p", String.valueOf(node.port()),
                "-a", PASSWORD, "--no-auth-warning"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(10, TimeUnit.SECONDS);
        return out;
    }

    private static Set<String> threadNames() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .collect(Collectors.toSet());
    }
}
