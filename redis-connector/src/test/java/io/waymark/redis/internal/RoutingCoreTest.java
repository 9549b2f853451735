package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.waymark.discovery.InMemoryDiscovery;
import io.waymark.redis.ReadPolicy;
import io.waymark.redis.RedisMetrics;
import io.waymark.redis.TopologyMode;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The routing core against in-memory servers: no network, every decision observable. */
class RoutingCoreTest {

    private final FakeRedisServer a = new FakeRedisServer(7001, "master");
    private final FakeRedisServer b = new FakeRedisServer(7002, "slave");
    private final FakeRedisServer c = new FakeRedisServer(7003, "slave");
    private final Map<String, FakeRedisServer> servers =
            FakeRedisServer.byAddress(a, b, c);
    private final InMemoryDiscovery discovery = new InMemoryDiscovery();
    private ScheduledThreadPoolExecutor scheduler;
    private StandaloneRouter<String, String> router;
    private RetryPolicy retryPolicy;
    private RedisClusterAsyncCommands<String, String> async;
    private RedisClusterCommands<String, String> sync;
    private RedisClusterReactiveCommands<String, String> reactive;
    private RedisMetrics metrics = RedisMetrics.NONE;

    @BeforeEach
    void consulListsAAsMasterAndBAndCAsReplicas() {
        discovery.set("w", a.endpoint()).set("r", b.endpoint(), c.endpoint());
        b.data.put("k", "v");
        c.data.put("k", "v");
        a.data.put("k", "v");
    }

    @AfterEach
    void stop() {
        if (router != null) {
            router.close().join();
        }
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    @SuppressWarnings("unchecked")
    private void start(ReadPolicy policy) {
        scheduler = new ScheduledThreadPoolExecutor(1);
        RedisSettings<String, String> settings = RedisSettings.builder(StringCodec.UTF8).discovery(discovery)
                .writeService("w").readService("r").readPolicy(policy).topology(TopologyMode.STANDALONE)
                .commandTimeout(Duration.ofSeconds(1)).connectTimeout(Duration.ofSeconds(1))
                .failoverBudget(Duration.ofSeconds(1)).healthCheckInterval(Duration.ofHours(1)).poolSize(2, 2)
                .metrics(metrics).scheduler(scheduler).build();
        router = new StandaloneRouter<>(settings,
                address -> new Node<>(address, () -> servers.get(address).connect()), scheduler);
        router.start();
        retryPolicy = new RetryPolicy(settings);
        RoutingCore<String, String> core = new RoutingCore<>(router, settings, retryPolicy);
        async = (RedisClusterAsyncCommands<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RedisClusterAsyncCommands.class}, core.asyncHandler());
        sync = (RedisClusterCommands<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RedisClusterCommands.class}, new SyncFacade(core));
        reactive = (RedisClusterReactiveCommands<String, String>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {RedisClusterReactiveCommands.class},
                core.reactiveHandler());
    }

    private static <T> T await(RedisFuture<T> f) throws Exception {
        try {
            return f.get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw (Exception) e.getCause();
        }
    }

    @Nested
    class SteadyState {

        @Test
        void writesGoToTheFencedMasterAndReadsToTheReplicasInTurn() throws Exception {
            start(ReadPolicy.REPLICA_PREFERRED);
            assertThat(await(async.set("x", "1"))).isEqualTo("OK");
            for (int i = 0; i < 4; i++) {
                assertThat(await(async.get("k"))).isEqualTo("v");
            }
            assertThat(a.served).containsExactly("SET x");
            assertThat(b.served).containsExactly("GET k", "GET k");
            assertThat(c.served).containsExactly("GET k", "GET k");
        }

        @Test
        void masterPolicyReadsFromTheMasterOnly() throws Exception {
            start(ReadPolicy.MASTER);
            assertThat(await(async.get("k"))).isEqualTo("v");
            assertThat(a.served).containsExactly("GET k");
            assertThat(b.served).isEmpty();
        }
    }

    @Nested
    class Failover {

        @Test
        void writesInFlightOnAFrozenMasterFailAsOutcomeUnknownOnceAPromotedNodeAnswersAndTheNextGoThere()
                throws Exception {
            start(ReadPolicy.REPLICA_PREFERRED);
            a.frozen = true;
            RedisFuture<String> inFlight = async.set("x", "1");
            b.role = "master";
            long start = System.nanoTime();
            // a health check round (hourly here) or a timed-out command asks for one
            router.requestReconcile(false);
            assertThatThrownBy(() -> await(inFlight)).hasMessageContaining("outcome unknown");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("not held for a timeout")
                    .isLessThan(Duration.ofMillis(900));
            assertThat(retryPolicy.outcomeUnknown()).isEqualTo(1);
            assertThat(await(async.set("y", "2"))).isEqualTo("OK");
            assertThat(b.served).containsExactly("SET y");
            // awake again and still calling itself master: nothing more reaches it
            a.frozen = false;
            router.requestReconcile(false).get(5, TimeUnit.SECONDS);
            assertThat(await(async.set("z", "3"))).isEqualTo("OK");
            assertThat(a.served).containsExactly("SET x (in flight)");
        }

        @Test
        void aReadonlyReplyRetriesTheWriteOnTheNodeThatNowSaysMasterBeforeConsulKnows() throws Exception {
            start(ReadPolicy.REPLICA_PREFERRED);
            a.role = "slave";
            b.role = "master";
            assertThat(await(async.set("x", "1"))).isEqualTo("OK");
            assertThat(a.served).containsExactly("SET x");
            assertThat(a.data).doesNotContainKey("x");
            assertThat(b.data).containsEntry("x", "1");
            assertThat(retryPolicy.retries()).isEqualTo(1);
            assertThat(router.snapshot().master().address()).isEqualTo(b.address());
        }

        @Test
        void aWriteRejectedWhileTheMasterIsDownWaitsForTheNextMaster() throws Exception {
            start(ReadPolicy.REPLICA_PREFERRED);
            a.up = false;
            RedisFuture<String> pending = async.set("x", "1");
            c.role = "master";
            assertThat(await(pending)).isEqualTo("OK");
            assertThat(c.data).containsEntry("x", "1");
        }

        @Test
        void aTimeoutIsNeverRetriedBecauseTheWriteMayHaveRun() {
            start(ReadPolicy.REPLICA_PREFERRED);
            a.failWith = new RedisCommandTimeoutException("Command timed out after 1 second(s)");
            assertThatThrownBy(() -> await(async.set("x", "1"))).isInstanceOf(RedisCommandTimeoutException.class)
                    .hasMessageContaining("outcome unknown");
            assertThat(a.served).containsExactly("SET x");
            assertThat(retryPolicy.retries()).isZero();
            assertThat(retryPolicy.outcomeUnknown()).isEqualTo(1);
        }

        @Test
        void errorRepliesOfAHealthyMasterSurfaceUnretried() {
            start(ReadPolicy.REPLICA_PREFERRED);
            a.failWith = new RedisException("WRONGTYPE Operation against a key holding the wrong kind of value");
            assertThatThrownBy(() -> await(async.set("x", "1"))).hasMessageStartingWith("WRONGTYPE");
            assertThat(a.served).hasSize(1);
        }
    }

    @Nested
    class Fencing {

        @Test
        void aNodeConsulCallsMasterButThatAnswersSlaveNeverGetsAWrite() {
            discovery.set("w", b.endpoint());
            discovery.set("r", c.endpoint());
            start(ReadPolicy.REPLICA_PREFERRED);
            assertThatThrownBy(() -> await(async.set("x", "1")))
                    .isInstanceOf(RedisConnectionException.class)
                    .hasMessageContaining("no writable master for w");
            assertThat(b.served).isEmpty();
            assertThat(c.served).isEmpty();
            assertThat(discovery.refreshes("w")).as("asked Consul again while waiting").isPositive();
        }
    }

    @Nested
    class Reads {

        @Test
        void replicaPreferredFallsBackToTheMasterWhenNoReplicaIsUp() throws Exception {
            start(ReadPolicy.REPLICA_PREFERRED);
            b.up = false;
            c.up = false;
            assertThat(await(async.get("k"))).isEqualTo("v");
            assertThat(a.served).containsExactly("GET k");
        }

        @Test
        void aReadThatFailsOnADroppedConnectionMovesToTheNextNode() throws Exception {
            start(ReadPolicy.REPLICA_PREFERRED);
            b.failWith = new RedisException("Connection disconnected");
            for (int i = 0; i < 4; i++) {
                assertThat(await(async.get("k"))).isEqualTo("v");
            }
            assertThat(c.served).hasSize(4);
        }

        @Test
        void replicaPolicyFailsWhenNoReplicaIsUpRatherThanReadTheMaster() {
            start(ReadPolicy.REPLICA);
            b.up = false;
            c.up = false;
            assertThatThrownBy(() -> await(async.get("k"))).isInstanceOf(RedisConnectionException.class)
                    .hasMessageContaining("no replica of r");
            assertThat(a.served).isEmpty();
        }
    }

    /** A script can answer a refusal of its own making after it wrote: it is never sent again. */
    @Nested
    class Scripts {

        @ParameterizedTest
        @ValueSource(strings = {"READONLY You can't write against a read only replica.", "TRYAGAIN whatever",
            "MOVED 3999 127.0.0.1:6381", "LOADING Redis is loading the dataset in memory"})
        void aScriptAnsweringARefusalIsNeverSentAgainAndItsOutcomeIsUnknown(String reply) {
            start(ReadPolicy.REPLICA_PREFERRED);
            a.failWith = new RedisCommandExecutionException(reply);
            assertThatThrownBy(() -> sync.eval("redis.call('INCR', KEYS[1]) return redis.error_reply('" + reply + "')",
                    ScriptOutputType.STATUS, "n"))
                    .hasMessageStartingWith(reply.substring(0, reply.indexOf(' ')))
                    .hasMessageContaining("outcome unknown");
            assertThatThrownBy(() -> await(async.evalsha("0123", ScriptOutputType.STATUS, "n")))
                    .hasMessageContaining("outcome unknown");
            assertThat(a.served).hasSize(2);
            assertThat(retryPolicy.retries()).isZero();
            assertThat(router.snapshot().master()).as("a script's word does not demote the master").isNotNull();
        }
    }

    @Nested
    class Reactive {

        @Test
        void aReadThatFailedAfterEmittingIsNotReadAgainElsewhere() {
            start(ReadPolicy.REPLICA);
            b.failAfterElements = new RedisException("Connection disconnected");
            c.failAfterElements = b.failAfterElements;
            assertThatThrownBy(() -> reactive.keys("*").collectList().block(Duration.ofSeconds(5)))
                    .hasMessageContaining("Connection disconnected");
            assertThat(b.served.size() + c.served.size()).as("the elements seen would come twice").isEqualTo(1);
        }

        @Test
        void aReadThatFailedBeforeEmittingMovesToTheNextNode() {
            start(ReadPolicy.REPLICA);
            b.failWith = new RedisException("Connection disconnected");
            c.failWith = b.failWith;
            c.up = true;
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> reactive.get("k").block(Duration.ofSeconds(5)))
                        .hasMessageContaining("Connection disconnected");
            }
            assertThat(b.served.size() + c.served.size()).as("each read tried both replicas").isEqualTo(4);
        }

        @Test
        void writesAndReadsFollowTheSameRoutes() {
            start(ReadPolicy.REPLICA_PREFERRED);
            assertThat(reactive.set("x", "1").block(Duration.ofSeconds(5))).isEqualTo("OK");
            assertThat(reactive.get("k").block(Duration.ofSeconds(5))).isEqualTo("v");
            assertThat(a.served).containsExactly("SET x");
            assertThat(b.served.size() + c.served.size()).isEqualTo(1);
        }
    }

    /** RedisMetrics is the application's code: whatever it throws stays out of routing. */
    @Nested
    class ThrowingMetrics {

        private final RedisMetrics throwing = new RedisMetrics() {
            @Override
            public void masterChanged(String from, String to) {
                throw new IllegalStateException("masterChanged broke");
            }

            @Override
            public void writeRetried(String command, String reason) {
                throw new IllegalStateException("writeRetried broke");
            }

            @Override
            public void writableMasterRestored(Duration withoutMaster) {
                throw new IllegalStateException("writableMasterRestored broke");
            }
        };

        @Test
        void aRetriedWriteStillCompletesOnEveryApi() throws Exception {
            metrics = throwing;
            start(ReadPolicy.REPLICA_PREFERRED);
            a.role = "slave";
            b.role = "master";
            assertThat(async.set("x", "1").get(5, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(sync.set("y", "1")).isEqualTo("OK");
            assertThat(reactive.set("z", "1").block(Duration.ofSeconds(5))).isEqualTo("OK");
            assertThat(b.data).containsKeys("x", "y", "z");
            assertThat(retryPolicy.retries()).isEqualTo(1);
            assertThat(router.snapshot().master().address()).isEqualTo(b.address());
        }
    }

    /** The sync API waits on Lettuce's future directly: the same routing, retries and failures as async. */
    @Nested
    class Sync {

        @Test
        void writesGoToTheFencedMasterAndReadsToTheReplicasInTurn() {
            start(ReadPolicy.REPLICA_PREFERRED);
            assertThat(sync.set("x", "1")).isEqualTo("OK");
            for (int i = 0; i < 4; i++) {
                assertThat(sync.get("k")).isEqualTo("v");
            }
            assertThat(a.served).containsExactly("SET x");
            assertThat(b.served).containsExactly("GET k", "GET k");
            assertThat(c.served).containsExactly("GET k", "GET k");
        }

        @Test
        void aReadonlyReplyRetriesTheWriteOnTheNodeThatNowSaysMaster() {
            start(ReadPolicy.REPLICA_PREFERRED);
            a.role = "slave";
            b.role = "master";
            assertThat(sync.set("x", "1")).isEqualTo("OK");
            assertThat(a.served).containsExactly("SET x");
            assertThat(a.data).doesNotContainKey("x");
            assertThat(b.data).containsEntry("x", "1");
            assertThat(retryPolicy.retries()).isEqualTo(1);
        }

        @Test
        void aWriteRejectedWhileTheMasterIsDownWaitsForTheNextMaster() throws Exception {
            start(ReadPolicy.REPLICA_PREFERRED);
            a.up = false;
            CompletableFuture<String> pending = CompletableFuture.supplyAsync(() -> sync.set("x", "1"));
            c.role = "master";
            assertThat(pending.get(5, TimeUnit.SECONDS)).isEqualTo("OK");
            assertThat(c.data).containsEntry("x", "1");
        }

        @Test
        void aTimeoutIsNeverRetriedBecauseTheWriteMayHaveRun() {
            start(ReadPolicy.REPLICA_PREFERRED);
            a.failWith = new RedisCommandTimeoutException("Command timed out after 1 second(s)");
            assertThatThrownBy(() -> sync.set("x", "1")).isInstanceOf(RedisCommandTimeoutException.class)
                    .hasMessageStartingWith("Command timed out after 1 second(s)")
                    .hasMessageContaining("outcome unknown");
            assertThat(a.served).containsExactly("SET x");
            assertThat(retryPolicy.retries()).isZero();
            assertThat(retryPolicy.outcomeUnknown()).isEqualTo(1);
        }

        @Test
        void errorRepliesOfAHealthyMasterAreRethrownAsIs() {
            start(ReadPolicy.REPLICA_PREFERRED);
            RedisCommandExecutionException wrongType = new RedisCommandExecutionException("WRONGTYPE no");
            a.failWith = wrongType;
            assertThatThrownBy(() -> sync.incr("x")).isSameAs(wrongType);
            assertThat(retryPolicy.retries()).isZero();
        }

        @Test
        void aReadThatFailsOnADroppedConnectionMovesToTheNextNode() {
            start(ReadPolicy.REPLICA_PREFERRED);
            b.failWith = new RedisException("Connection disconnected");
            for (int i = 0; i < 4; i++) {
                assertThat(sync.get("k")).isEqualTo("v");
            }
            assertThat(c.served).hasSize(4);
        }

        @Test
        void aReadonlyReplyToAReadIsNotRetriedOnAnotherNode() {
            start(ReadPolicy.REPLICA_PREFERRED);
            b.failWith = new RedisException("READONLY You can't write against a read only replica.");
            c.failWith = b.failWith;
            assertThatThrownBy(() -> sync.get("k")).hasMessageStartingWith("READONLY");
            assertThat(b.served.size() + c.served.size()).isEqualTo(1);
        }

        @Test
        void replicaPreferredFallsBackToTheMasterWhenNoReplicaIsUp() {
            start(ReadPolicy.REPLICA_PREFERRED);
            b.up = false;
            c.up = false;
            assertThat(sync.get("k")).isEqualTo("v");
            assertThat(a.served).containsExactly("GET k");
        }

        @Test
        void replicaPolicyFailsWhenNoReplicaIsUpRatherThanReadTheMaster() {
            start(ReadPolicy.REPLICA);
            b.up = false;
            c.up = false;
            assertThatThrownBy(() -> sync.get("k")).isInstanceOf(RedisConnectionException.class)
                    .hasMessageContaining("no replica of r");
            assertThat(a.served).isEmpty();
        }

        @Test
        void localCallsAndObjectMethodsNeedNoRoundTrip() throws Exception {
            start(ReadPolicy.MASTER);
            // Lettuce 6 has isOpen on the command interfaces, 7 on the connection only
            Method isOpen = LettuceLines.methodOrNull(RedisClusterCommands.class, "isOpen");
            if (isOpen != null) {
                assertThat(isOpen.invoke(sync)).isEqualTo(true);
            }
            assertThat(sync.toString()).isEqualTo("DiscoveredRedis.sync(w)");
            assertThat(sync).isEqualTo(sync).hasSameHashCodeAs(sync);
            assertThat(a.served).isEmpty();
        }

        @Test
        void voidCommandsGoToTheMasterAndReturnNothingToWaitFor() {
            start(ReadPolicy.REPLICA_PREFERRED);
            sync.shutdown(false);
            async.shutdown(true);
            assertThat(a.served).containsExactly("SHUTDOWN false", "SHUTDOWN true");
            assertThat(b.served).isEmpty();
        }

        @Test
        void connectionStateCommandsAreRejected() {
            start(ReadPolicy.MASTER);
            assertThatThrownBy(() -> sync.readOnly()).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("readOnly");
            assertThatThrownBy(() -> sync.dispatch(CommandType.SELECT, new StatusOutput<>(StringCodec.UTF8),
                    new CommandArgs<>(StringCodec.UTF8).add(3))).isInstanceOf(UnsupportedOperationException.class)
                    .hasMessageContaining("SELECT");
            assertThatThrownBy(() -> async.dispatch(CommandType.MULTI, new StatusOutput<>(StringCodec.UTF8)))
                    .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("withWriteConnection");
            assertThat(a.served).isEmpty();
        }
    }
}
