package io.waymark.benchmarks.jmh;

import com.google.common.collect.ImmutableMap;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.Endpoints;
import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ServiceSpec;
import io.waymark.testkit.Teardown;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.cache.ServiceHealthCache;
import org.kiwiproject.consul.cache.ServiceHealthKey;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * What it costs a caller to ask "where does this service live?" once the answer is known,
 * with what a user would pick instead of Waymark:
 * <ul>
 *   <li>{@code waymarkResolve}: {@link ConsulDiscovery#resolve(String)} in HTTP mode after the
 *       first lookup, i.e. the in-memory snapshot kept fresh by a blocking query;</li>
 *   <li>{@code kiwiServiceHealthCache}: kiwiproject consul-client's {@link ServiceHealthCache}
 *       (also a blocking-query cache), {@code getMap()} on a cache the caller holds;
 *       {@code kiwiServiceHealthCacheByName}: the same cache looked up by name first;</li>
 *   <li>{@code dnsjavaSrvQuery}: a real SRV query per operation to the agent's DNS interface
 *       (port 8600) with dnsjava's {@link SimpleResolver}, what a client without a cache does;</li>
 *   <li>{@code jvmInetAddress}: {@link InetAddress#getByName(String)} of {@code "localhost"}
 *       (listed in /etc/hosts), answered from the JVM's positive cache (30 s by default, so
 *       about one real lookup per 30 s is amortized in). The JVM cannot ask port 8600, so this is
 *       the floor of "ask the platform resolver", not a Consul lookup.</li>
 * </ul>
 * Consul is real: one server and one client agent (testkit) with three instances of
 * {@value #SERVICE}; every client talks to the client agent.
 *
 * <p>Run (from the repository root, after {@code mvn -B -ntp -o -pl benchmarks package}):
 * <pre>
 * mvn -B -q -ntp -o -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath) org.openjdk.jmh.Main ResolveBenchmark -prof gc
 * </pre>
 * Look at {@code avgt} (ns/op) and {@code gc.alloc.rate.norm} (B/op).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
// the libraries' INFO lines would land in the middle of JMH's output
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 2)
public class ResolveBenchmark {

    static final String SERVICE = "bench-web";
    private static final String NAME = SERVICE + ".service.consul";
    private static final int INSTANCES = 3;

    private ConsulCluster consul;
    private ConsulDiscovery waymark;
    private Consul kiwi;
    private ServiceHealthCache kiwiCache;
    private Map<String, ServiceHealthCache> kiwiCachesByName;
    private SimpleResolver dns;
    private Record srvQuestion;

    @Setup(Level.Trial)
    public void start() throws Exception {
        List<ServiceSpec> services = new ArrayList<>();
        for (int i = 1; i <= INSTANCES; i++) {
            // no address: the instances live at the agent's node address, which then gets a leased one
            services.add(ServiceSpec.builder(SERVICE).id(SERVICE + "-" + i).port(8080 + i).build());
        }
        consul = ConsulCluster.builder().servers(1).clientAgent("bench-agent", services).start();
        try {
            consul.awaitPassing(SERVICE, INSTANCES, Duration.ofSeconds(30));
            ConsulAgent agent = consul.agent("bench-agent");

            waymark = ConsulDiscovery.builder().agent(agent.httpAddress()).build();
            Endpoints first = waymark.resolve(NAME);
            Trial.check(first.all().size() == INSTANCES, "Waymark resolved " + first);

            // its default read timeout (10 s) equals the cache's default watch (10 s), which it rejects
            kiwi = Consul.builder().withUrl("http://" + agent.httpAddress()).withPing(false)
                    .withReadTimeoutMillis(30_000).build();
            kiwiCache = ServiceHealthCache.newCache(kiwi.healthClient(), SERVICE);
            kiwiCache.start();
            Trial.check(kiwiCache.awaitInitialized(30, TimeUnit.SECONDS), "kiwi ServiceHealthCache not initialized");
            Trial.check(kiwiCache.getMap().size() == INSTANCES, "kiwi cache holds " + kiwiCache.getMap());
            kiwiCachesByName = new ConcurrentHashMap<>();
            kiwiCachesByName.put(NAME, kiwiCache);

            InetSocketAddress dnsAddress = agent.dnsAddress();
            dns = new SimpleResolver(dnsAddress);
            dns.setTimeout(Duration.ofSeconds(2));
            srvQuestion = Record.newRecord(Name.fromString(NAME + "."), Type.SRV, DClass.IN);
            Message answer = dns.send(Message.newQuery(srvQuestion));
            Trial.check(answer.getRcode() == Rcode.NOERROR && answer.getSection(Section.ANSWER).size() == INSTANCES,
                    "DNS answered " + answer);

            Trial.check(InetAddress.getByName("localhost").isLoopbackAddress(), "localhost is not loopback");
        } catch (Exception | Error e) {
            stop();
            throw e;
        }
    }

    @TearDown(Level.Trial)
    public void stop() {
        Teardown.closeAll(kiwiCache, kiwi == null ? null : kiwi::destroy, waymark, consul);
    }

    @Benchmark
    public Endpoints waymarkResolve() {
        return waymark.resolve(NAME);
    }

    @Benchmark
    public ImmutableMap<ServiceHealthKey, ServiceHealth> kiwiServiceHealthCache() {
        return kiwiCache.getMap();
    }

    /**
     * The kiwi cache found by name, as code resolving names (not holding one cache per service)
     * does: the like-for-like peer of {@code waymarkResolve}, which also maps a name to its watch.
     */
    @Benchmark
    public ImmutableMap<ServiceHealthKey, ServiceHealth> kiwiServiceHealthCacheByName() {
        return kiwiCachesByName.get(NAME).getMap();
    }

    @Benchmark
    public Message dnsjavaSrvQuery() throws IOException {
        // a new question each time: a fresh id, as every real lookup has
        return dns.send(Message.newQuery(srvQuestion));
    }

    @Benchmark
    public InetAddress jvmInetAddress() throws UnknownHostException {
        return InetAddress.getByName("localhost");
    }
}
