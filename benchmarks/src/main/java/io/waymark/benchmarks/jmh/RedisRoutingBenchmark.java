package io.waymark.benchmarks.jmh;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisFuture;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.async.RedisStringAsyncCommands;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.ReadPolicy;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import io.waymark.testkit.RoleChecks;
import io.waymark.testkit.Teardown;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Routed Redis commands through {@link DiscoveredRedis} against raw Lettuce on the same node.
 *
 * <p>Real servers (testkit): a Redis master with one replica, one Consul server, and one Consul
 * client agent per Redis node registering {@value #WRITE_SERVICE} / {@value #READ_SERVICE} with
 * the seed's role script checks. {@code DiscoveredRedis} is built as users would (write and read
 * service) but with {@link ReadPolicy#MASTER}, so that its GETs go to the same node as raw
 * Lettuce's: the comparison is the routing layer, not master against replica. Raw Lettuce is one
 * {@link RedisClient} connection to the master.
 *
 * <ul>
 *   <li>get / set: one sync command per operation;</li>
 *   <li>pipelined set: 100 async SETs (Lettuce's auto-flush, the default), then waiting for all
 *       of them; the score is per command ({@code @OperationsPerInvocation(100)});</li>
 *   <li>{@code getLettuce}, {@code getWaymark}, ...: one client alone on one thread, for absolute
 *       numbers and allocation per command ({@code -prof gc});</li>
 *   <li>{@code sideBySide*} groups: raw Lettuce and Waymark run at the same time in one fork, 1 or
 *       4 threads each, every thread of a client sharing that client as an application does. Their
 *       ratio is the number to quote on a shared machine; read it from the
 *       {@code sideBySideX:lettuceN...} and {@code sideBySideX:waymarkN...} rows.</li>
 * </ul>
 * Issue #4's goal: routed throughput at least 0.95 times raw Lettuce's.
 *
 * <p>Run (from the repository root, after {@code mvn -B -ntp -o -pl benchmarks package}):
 * <pre>
 * mvn -B -q -ntp -o -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath) org.openjdk.jmh.Main RedisRoutingBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// the connector's INFO lines (topology changes) would land in the middle of JMH's output
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class RedisRoutingBenchmark {

    static final String WRITE_SERVICE = "w-master-redis-6379";
    static final String READ_SERVICE = "r-slave-redis-6379";
    static final int BATCH = 100;
    private static final String PASSWORD = "secret";
    private static final String KEY = "bench:get";
    private static final String VALUE = "v".repeat(32);
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private RedisReplication redisNodes;
    private ConsulCluster consul;
    private DiscoveredRedis<String, String> waymark;
    private RedisClusterCommands<String, String> waymarkSync;
    private RedisClusterAsyncCommands<String, String> waymarkAsync;
    private RedisClient lettuce;
    private StatefulRedisConnection<String, String> lettuceConnection;
    private RedisCommands<String, String> lettuceSync;
    private RedisAsyncCommands<String, String> lettuceAsync;
    private final String[] keys = new String[BATCH];

    /** Each thread's futures of one pipelined batch. */
    @State(Scope.Thread)
    public static class Batch {
        final RedisFuture<?>[] futures = new RedisFuture<?>[BATCH];
    }

    @Setup(Level.Trial)
    public void start() throws Exception {
        for (int i = 0; i < BATCH; i++) {
            keys[i] = "bench:set:" + i;
        }
        try {
            redisNodes = RedisReplication.builder().replicas(1).password(PASSWORD).start();
            RedisNode master = redisNodes.master();
            RedisNode replica = redisNodes.replicas().get(0);
            Duration interval = Duration.ofSeconds(1);
            consul = ConsulCluster.builder().servers(1)
                    .clientAgent("redis-1", RoleChecks.redis(master, PASSWORD, WRITE_SERVICE, READ_SERVICE, interval))
                    .clientAgent("redis-2", RoleChecks.redis(replica, PASSWORD, WRITE_SERVICE, READ_SERVICE, interval))
                    .start();
            consul.awaitPassing(WRITE_SERVICE, 1, Duration.ofSeconds(30));
            consul.awaitPassing(READ_SERVICE, 1, Duration.ofSeconds(30));

            waymark = DiscoveredRedis.builder()
                    .consulAgent(consul.httpAddress())
                    .writeService(WRITE_SERVICE + ".service.consul")
                    .readService(READ_SERVICE + ".service.consul")
                    .readFrom(ReadPolicy.MASTER)
                    .password(PASSWORD)
                    .build();
            waymarkSync = waymark.sync();
            waymarkAsync = waymark.async();

            lettuce = RedisClient.create(RedisURI.builder().withHost(master.host()).withPort(master.port())
                    .withPassword(PASSWORD.toCharArray()).withTimeout(TIMEOUT).build());
            lettuceConnection = lettuce.connect();
            lettuceSync = lettuceConnection.sync();
            lettuceAsync = lettuceConnection.async();

            // both must be talking to the master, and the key read must exist
            waymarkSync.set(KEY, VALUE);
            Trial.check(VALUE.equals(lettuceSync.get(KEY)), "raw Lettuce does not see Waymark's write");
            Trial.check(VALUE.equals(waymarkSync.get(KEY)), "Waymark does not read the master's value");
            Trial.check("master".equals(master.role()), master + " is not the master");
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        Teardown.closeAll(lettuceConnection, lettuce, waymark, consul, redisNodes);
    }

    private static void awaitAll(RedisFuture<?>[] futures)
            throws InterruptedException, ExecutionException, TimeoutException {
        for (RedisFuture<?> f : futures) {
            f.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    private void pipelined(RedisStringAsyncCommands<String, String> async, Batch batch)
            throws InterruptedException, ExecutionException, TimeoutException {
        RedisFuture<?>[] futures = batch.futures;
        for (int i = 0; i < BATCH; i++) {
            futures[i] = async.set(keys[i], VALUE);
        }
        awaitAll(futures);
    }

    // --- one client alone, one thread: absolute numbers and B/op (-prof gc) per client ---

    @Benchmark
    public String getLettuce() {
        return lettuceSync.get(KEY);
    }

    @Benchmark
    public String getWaymark() {
        return waymarkSync.get(KEY);
    }

    @Benchmark
    public String setLettuce() {
        return lettuceSync.set(KEY, VALUE);
    }

    @Benchmark
    public String setWaymark() {
        return waymarkSync.set(KEY, VALUE);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void pipelinedSetLettuce(Batch batch) throws Exception {
        pipelined(lettuceAsync, batch);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void pipelinedSetWaymark(Batch batch) throws Exception {
        pipelined(waymarkAsync, batch);
    }

    // --- side by side: both clients in the same fork at the same time ---
    // On a shared machine, load changes between two benchmarks run one after the other swamp a 5%
    // difference; run concurrently, both see the same load, the same Redis and the same CPUs, so
    // their ratio is what counts here (the absolute numbers are of two clients sharing the node).

    @Benchmark
    @Group("sideBySideGet")
    @GroupThreads(1)
    public String lettuce1Get() {
        return lettuceSync.get(KEY);
    }

    @Benchmark
    @Group("sideBySideGet")
    @GroupThreads(1)
    public String waymark1Get() {
        return waymarkSync.get(KEY);
    }

    @Benchmark
    @Group("sideBySideSet")
    @GroupThreads(1)
    public String lettuce1Set() {
        return lettuceSync.set(KEY, VALUE);
    }

    @Benchmark
    @Group("sideBySideSet")
    @GroupThreads(1)
    public String waymark1Set() {
        return waymarkSync.set(KEY, VALUE);
    }

    @Benchmark
    @Group("sideBySidePipelinedSet")
    @GroupThreads(1)
    @OperationsPerInvocation(BATCH)
    public void lettuce1PipelinedSet(Batch batch) throws Exception {
        pipelined(lettuceAsync, batch);
    }

    @Benchmark
    @Group("sideBySidePipelinedSet")
    @GroupThreads(1)
    @OperationsPerInvocation(BATCH)
    public void waymark1PipelinedSet(Batch batch) throws Exception {
        pipelined(waymarkAsync, batch);
    }

    @Benchmark
    @Group("sideBySideGet4Threads")
    @GroupThreads(4)
    public String lettuce4Get() {
        return lettuceSync.get(KEY);
    }

    @Benchmark
    @Group("sideBySideGet4Threads")
    @GroupThreads(4)
    public String waymark4Get() {
        return waymarkSync.get(KEY);
    }

    @Benchmark
    @Group("sideBySideSet4Threads")
    @GroupThreads(4)
    public String lettuce4Set() {
        return lettuceSync.set(KEY, VALUE);
    }

    @Benchmark
    @Group("sideBySideSet4Threads")
    @GroupThreads(4)
    public String waymark4Set() {
        return waymarkSync.set(KEY, VALUE);
    }

    @Benchmark
    @Group("sideBySidePipelinedSet4Threads")
    @GroupThreads(4)
    @OperationsPerInvocation(BATCH)
    public void lettuce4PipelinedSet(Batch batch) throws Exception {
        pipelined(lettuceAsync, batch);
    }

    @Benchmark
    @Group("sideBySidePipelinedSet4Threads")
    @GroupThreads(4)
    @OperationsPerInvocation(BATCH)
    public void waymark4PipelinedSet(Batch batch) throws Exception {
        pipelined(waymarkAsync, batch);
    }
}
