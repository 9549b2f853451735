package io.waymark.benchmarks.jmh;

import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.ConsulDiscoveryBuilder;
import io.waymark.discovery.DiscoveryStats;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import io.waymark.testkit.ConsulAgent;
import io.waymark.testkit.ConsulCluster;
import io.waymark.testkit.ConsulSecurity;
import io.waymark.testkit.ServiceSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Measures, on a live Consul (one server and one client agent from the testkit), the claims
 * of issues #3 and #12 that JMH cannot:
 * <ol>
 *   <li><b>change to listener latency</b>: a TTL check of a watched service is flipped between
 *       passing and critical through the agent's API; the time from just before that request
 *       until Waymark's watch listener sees the new endpoint set. Samples are spaced so that each
 *       watch's rate limit (5 requests/s) never delays them: this is the latency of one change,
 *       not of a flapping service;</li>
 *   <li><b>steady-state requests</b>: with a short blocking wait, many services are watched and
 *       nothing changes; the HTTP requests Waymark starts are counted (on the executor that
 *       carries every consul-client call, which the builder lets us inject) and given per watched
 *       service per wait period. Consul's own count, from the agent's {@code /v1/agent/metrics},
 *       is printed next to it when the agent reports one;</li>
 *   <li><b>many watches over one agent</b> (issue #12): {@code names} services (default 1,000)
 *       watched through one client agent of a secured cluster (HTTPS with client certificates,
 *       ACLs, the token from a file): Consul's agents speak HTTP/2 there, 250 streams per
 *       connection. A second instance is registered for every name, one after the other; the
 *       time from just before each registration until that name's listener sees it, and the
 *       agent's established TCP connections ({@code ss}). Then the same names over plain HTTP
 *       (HTTP/1.1: one connection per blocking query), for contrast: the testkit's agents allow
 *       1,024 connections per client address, Consul's default is 200.</li>
 * </ol>
 *
 * <p>Run (from the repository root, after {@code mvn -B -ntp -o -pl benchmarks package} and
 * {@code mvn -B -q -ntp -o -pl benchmarks dependency:build-classpath -Dmdep.outputFile=target/classpath}):
 * <pre>
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath) io.waymark.benchmarks.jmh.ConsulLoadProbe
 * </pre>
 * Optional arguments {@code samples=50 services=20 wait=10 duration=30 names=1000} (wait and
 * duration in seconds). About three minutes with the defaults.
 */
public final class ConsulLoadProbe {

    private static final String FLIP_SERVICE = "probe-flip";
    private static final String FLIP_CHECK = "probe-flip-ttl";
    private static final Duration SAMPLE_SPACING = Duration.ofMillis(400);
    private static final Duration LISTENER_TIMEOUT = Duration.ofSeconds(10);

    private ConsulLoadProbe() {
    }

    public static void main(String[] args) throws Exception {
        int samples = intArg(args, "samples", 50);
        int services = intArg(args, "services", 20);
        int waitSeconds = intArg(args, "wait", 10);
        int durationSeconds = intArg(args, "duration", 30);
        int names = intArg(args, "names", 1000);

        List<ServiceSpec> specs = new ArrayList<>();
        // a TTL check starts critical: the flip service starts with no passing instance
        specs.add(ServiceSpec.builder(FLIP_SERVICE).id(FLIP_SERVICE).port(9000)
                .ttlCheck(Duration.ofHours(1), FLIP_CHECK).build());
        for (int i = 1; i <= services; i++) {
            String name = serviceName(i);
            specs.add(ServiceSpec.builder(name).id(name).port(10_000 + i).build());
        }
        System.out.printf("Starting Consul (1 server, 1 client agent with %d services)...%n", services + 1);
        try (ConsulCluster consul = ConsulCluster.builder().servers(1).clientAgent("probe-agent", specs).start()) {
            ConsulAgent agent = consul.agent("probe-agent");
            consul.awaitPassing(serviceName(services), 1, Duration.ofSeconds(30));

            long[][] latencies = listenerLatency(agent, samples);
            Requests requests = steadyStateRequests(agent, services, waitSeconds, durationSeconds);

            System.out.println();
            System.out.printf("Consul %s, %d cores, Java %s; 1 server + 1 client agent on loopback%n",
                    consulVersion(agent), Runtime.getRuntime().availableProcessors(),
                    System.getProperty("java.version"));
            System.out.println();
            System.out.printf("(a) Consul change -> seen by the client, %d TTL flips (passing/critical), %d ms apart,"
                    + " timed from just before the agent's TTL update%n", samples, SAMPLE_SPACING.toMillis());
            System.out.println("| client | p50 ms | p90 ms | p99 ms | max ms | goal p99 |");
            System.out.println("|---|---|---|---|---|---|");
            row("Waymark watch listener (HTTP mode)", latencies[0], "<= 100 ms");
            row("bare blocking query, JDK HTTP (Consul's floor)", latencies[1], "");
            row("Waymark minus bare query, same flip", latencies[2], "");
            System.out.println();
            System.out.printf("(b) steady state: %d watched services, blockingWait %d s, counted over %d s%n",
                    services, waitSeconds, durationSeconds);
            System.out.println("| requests started (Waymark) | per service per wait period (count) "
                    + "| mean interval per service | per service per wait period (interval) | goal |");
            System.out.println("|---|---|---|---|---|");
            double periods = (double) durationSeconds / waitSeconds;
            double mean = requests.meanInterval();
            System.out.printf(Locale.ROOT, "| %d | %.2f | %s | %s | <= 1 |%n", requests.counted,
                    requests.counted / (services * periods),
                    mean == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f s (%d intervals)", mean / 1e9,
                            requests.intervals.length),
                    mean == 0 ? "n/a" : String.format(Locale.ROOT, "%.2f", waitSeconds * 1e9 / mean));
            System.out.println("Consul's own count: " + requests.consulCount);

            Scale plain = plainScale(consul.servers().get(0), agent, names);
            Scale https = httpsScale(names);
            System.out.println();
            System.out.printf("(c) %d watched names through one client agent: a second instance registered for each, "
                    + "one after the other; time from just before the registration until the name's listener saw it%n",
                    names);
            System.out.println("| transport | names with a first answer | changes seen | p50 ms | p90 ms | p99 ms | max ms "
                    + "| TCP connections to the agent | JVM threads | request errors | goal |");
            System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
            https.row("HTTPS + mTLS + ACL token file (HTTP/2)", "p99 <= 100 ms, <= 4 connections");
            plain.row("plain HTTP (HTTP/1.1)", "");
            System.out.println("Plain HTTP takes one connection per watched name: the testkit's agents allow 1,024 per "
                    + "client address (limits.http_max_conns_per_client); Consul's default, 200, refuses the rest.");
        }
    }

    /** What one many-watches run saw. */
    private record Scale(int names, int answered, long[] latencies, int connections, int threads, long errors) {

        void row(String transport, String goal) {
            long[] l = latencies;
            String stats = l.length == 0 ? "- | - | - | -" : String.format(Locale.ROOT, "%.1f | %.1f | %.1f | %.1f",
                    ms(percentile(l, 50)), ms(percentile(l, 90)), ms(percentile(l, 99)), ms(l[l.length - 1]));
            System.out.printf(Locale.ROOT, "| %s | %d of %d | %d of %d | %s | %d | %d | %d | %s |%n", transport, answered,
                    names, l.length, names, stats, connections, threads, errors, goal);
        }
    }

    /** {@code names} services on a secured cluster's server, watched through its client agent over mTLS. */
    private static Scale httpsScale(int names) throws Exception {
        System.out.printf("Starting a secured Consul (1 server, 1 client agent) for %d names over HTTPS...%n", names);
        try (ConsulCluster consul = ConsulCluster.builder().secured().servers(1).clientAgent("probe-tls").start()) {
            ConsulSecurity s = consul.security();
            Path token = Files.createTempFile("probe-token", "");
            try {
                Files.writeString(token, s.readToken().secretId());
                ConsulAgent agent = consul.agent("probe-tls");
                ConsulDiscoveryBuilder b = ConsulDiscovery.builder().environment(Map.of())
                        .agent("https://" + agent.httpsAddress()).caCert(s.tls().caCertificate())
                        .clientCert(s.tls().clientCertificate()).clientKey(s.tls().clientKey()).tokenFile(token);
                return scale(consul.servers().get(0), agent.httpsAddress(), b, names, Duration.ofSeconds(60));
            } finally {
                Files.deleteIfExists(token);
            }
        }
    }

    /** The same over plain HTTP, bounded in time: an agent at its connection limit leaves names unanswered. */
    private static Scale plainScale(ConsulAgent server, ConsulAgent agent, int names) throws Exception {
        System.out.printf("Watching %d names over plain HTTP...%n", names);
        return scale(server, agent.httpAddress(), ConsulDiscovery.builder().environment(Map.of())
                .agent(agent.httpAddress()), names, Duration.ofSeconds(20));
    }

    /**
     * Registers {@code names} services on {@code server}, watches them through the agent at {@code address},
     * then registers a second instance of each and times until its listener sees it.
     */
    private static Scale scale(ConsulAgent server, String address, ConsulDiscoveryBuilder builder,
            int names, Duration patience) throws Exception {
        for (int i = 0; i < names; i++) {
            server.register(ServiceSpec.builder(scaleName(i)).id(scaleName(i) + "-1").address("127.0.0.91").port(80)
                    .build());
        }
        Map<String, Integer> sizes = new ConcurrentHashMap<>();
        Map<String, Long> seen = new ConcurrentHashMap<>();
        try (ConsulDiscovery d = builder.maxWatches(Math.max(names, 1000)).build()) {
            List<Watch> watches = new ArrayList<>();
            for (int i = 0; i < names; i++) {
                String n = scaleName(i);
                watches.add(d.watch(n, e -> {
                    sizes.put(n, e.all().size());
                    if (e.all().size() == 2) {
                        seen.putIfAbsent(n, System.nanoTime());
                    }
                }));
            }
            until(() -> sizes.size() == names, patience);
            // connections raced open by the first requests are closed once every stream found its connection
            Thread.sleep(2000);
            int connections = connections(address);
            int threads = ManagementFactory.getThreadMXBean().getThreadCount();
            int answered = sizes.size();
            long[] started = new long[names];
            for (int i = 0; i < names; i++) {
                started[i] = System.nanoTime();
                server.register(ServiceSpec.builder(scaleName(i)).id(scaleName(i) + "-2").address("127.0.0.92")
                        .port(80).build());
            }
            until(() -> seen.size() == names, patience);
            List<Long> latencies = new ArrayList<>();
            for (int i = 0; i < names; i++) {
                Long at = seen.get(scaleName(i));
                if (at != null) {
                    latencies.add(at - started[i]);
                }
            }
            long errors = Arrays.stream(DiscoveryStats.ErrorKind.values()).mapToLong(k -> d.stats().errors(k)).sum();
            watches.forEach(Watch::close);
            return new Scale(names, answered, latencies.stream().mapToLong(Long::longValue).sorted().toArray(),
                    connections, threads, errors);
        } finally {
            for (int i = 0; i < names; i++) {
                server.deregister(scaleName(i) + "-1");
                server.deregister(scaleName(i) + "-2");
            }
        }
    }

    private static void until(java.util.function.BooleanSupplier condition, Duration patience)
            throws InterruptedException {
        long deadline = System.nanoTime() + patience.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    /** Established TCP connections to {@code hostPort}, by {@code ss} (only this JVM connects to the agent's API). */
    private static int connections(String hostPort) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("ss", "-Htn", "state", "established", "dst", hostPort).redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("ss failed: " + out);
        }
        return (int) out.lines().filter(l -> !l.isBlank()).count();
    }

    private static String scaleName(int i) {
        return String.format("probe-scale-%04d", i);
    }

    /**
     * Flips the TTL check {@code samples} times; returns the sorted latencies in nanoseconds of
     * Waymark's listener ([0]), of a bare blocking query on Consul's HTTP API ([1]), the floor
     * Consul itself sets (agent to server sync, Raft commit, the blocking query's wake-up), and
     * the difference of the two for the same flip ([2]): what Waymark adds.
     */
    private static long[][] listenerLatency(ConsulAgent agent, int samples) throws InterruptedException {
        BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
        try (ConsulDiscovery discovery = ConsulDiscovery.builder().agent(agent.httpAddress()).build();
                RawWatcher raw = new RawWatcher(agent, FLIP_SERVICE)) {
            Endpoints first = discovery.resolve(FLIP_SERVICE);
            if (!first.isEmpty()) {
                throw new IllegalStateException("expected no passing instance of " + FLIP_SERVICE + ": " + first);
            }
            Watch w = discovery.watch(FLIP_SERVICE, e -> seen.add(new Seen(System.nanoTime(), e.all().size())));
            try {
                long start = System.nanoTime();
                await(seen, 0, start, "the Waymark listener");
                await(raw.seen, 0, start, "the raw blocking query");
                // one untimed round trip first: connections and JIT of the listener path
                flip(agent, seen, raw.seen, "passing", 1);
                flip(agent, seen, raw.seen, "critical", 0);
                long[][] out = new long[3][samples];
                System.out.printf("Flipping %s %d times...%n", FLIP_SERVICE, samples);
                for (int i = 0; i < samples; i++) {
                    Thread.sleep(SAMPLE_SPACING.toMillis());
                    boolean up = i % 2 == 0;
                    long[] one = flip(agent, seen, raw.seen, up ? "passing" : "critical", up ? 1 : 0);
                    out[0][i] = one[0];
                    out[1][i] = one[1];
                    out[2][i] = one[0] - one[1];
                }
                for (long[] sorted : out) {
                    Arrays.sort(sorted);
                }
                return out;
            } finally {
                w.close();
            }
        }
    }

    /** Sets the TTL check; nanos until the listener, and the raw query, saw {@code expected} endpoints. */
    private static long[] flip(ConsulAgent agent, BlockingQueue<Seen> waymark, BlockingQueue<Seen> raw,
            String status, int expected) throws InterruptedException {
        long start = System.nanoTime();
        agent.updateTtl(FLIP_CHECK, status);
        return new long[] {await(waymark, expected, start, "the Waymark listener"),
            await(raw, expected, start, "the raw blocking query")};
    }

    private static long await(BlockingQueue<Seen> queue, int expected, long start, String who)
            throws InterruptedException {
        long deadline = start + LISTENER_TIMEOUT.toNanos();
        for (;;) {
            Seen s = queue.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (s == null) {
                throw new IllegalStateException(who + " did not see " + expected + " endpoint(s) of "
                        + FLIP_SERVICE + " within " + LISTENER_TIMEOUT);
            }
            if (s.count == expected) {
                return s.at - start;
            }
        }
    }

    /**
     * The baseline: a loop of bare blocking queries ({@code ?passing&index=&wait=}) on one thread
     * with the JDK's HTTP client, reporting each change of the passing count.
     */
    private static final class RawWatcher implements AutoCloseable {
        final BlockingQueue<Seen> seen = new LinkedBlockingQueue<>();
        private final ConsulAgent agent;
        private final String service;
        private final Thread thread;
        private volatile boolean stopped;
        private volatile HttpURLConnection current;

        RawWatcher(ConsulAgent agent, String service) {
            this.agent = agent;
            this.service = service;
            this.thread = new Thread(this::loop, "probe-raw-watch");
            thread.setDaemon(true);
            thread.start();
        }

        private void loop() {
            long index = 0;
            int last = -1;
            while (!stopped) {
                try {
                    String path = "/v1/health/service/" + service + "?passing=true"
                            + (index > 0 ? "&index=" + index + "&wait=30s" : "");
                    HttpURLConnection c = (HttpURLConnection) URI.create("http://" + agent.httpAddress() + path)
                            .toURL().openConnection();
                    c.setConnectTimeout(5000);
                    c.setReadTimeout(40_000);
                    current = c;
                    String body;
                    try (InputStream in = c.getInputStream()) {
                        body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    }
                    long now = System.nanoTime();
                    long next = Long.parseLong(c.getHeaderField("X-Consul-Index"));
                    index = next < index ? 0 : Math.max(next, 1);
                    int count = body.split("\"Service\":\\{", -1).length - 1;
                    if (count != last) {
                        last = count;
                        seen.add(new Seen(now, count));
                    }
                } catch (IOException | RuntimeException e) {
                    if (!stopped) {
                        System.err.println("raw blocking query failed: " + e);
                        index = 0;
                    }
                }
            }
        }

        @Override
        public void close() {
            stopped = true;
            HttpURLConnection c = current;
            if (c != null) {
                c.disconnect();
            }
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static Requests steadyStateRequests(ConsulAgent agent, int services, int waitSeconds,
            int durationSeconds) throws InterruptedException {
        CountingExecutor http = new CountingExecutor();
        List<Watch> watches = new ArrayList<>();
        try (ConsulDiscovery discovery = ConsulDiscovery.builder().agent(agent.httpAddress())
                .blockingWait(Duration.ofSeconds(waitSeconds)).httpExecutor(http).build()) {
            AtomicInteger known = new AtomicInteger();
            for (int i = 1; i <= services; i++) {
                boolean[] first = {true};
                watches.add(discovery.watch(serviceName(i), e -> {
                    if (first[0] && !e.isEmpty()) {
                        first[0] = false;
                        known.incrementAndGet();
                    }
                }));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (known.get() < services) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + known.get() + " of " + services + " services resolved");
                }
                Thread.sleep(50);
            }
            // every watch now blocks in Consul: count from here
            long start = http.executed.get();
            long startNanos = System.nanoTime();
            System.out.printf("Watching %d services with blockingWait %d s for %d s...%n", services, waitSeconds,
                    durationSeconds);
            Thread.sleep(TimeUnit.SECONDS.toMillis(durationSeconds));
            long endNanos = System.nanoTime();
            long counted = http.executed.get() - start;
            String consulCount = consulCount(agentMetrics(agent), services);
            watches.forEach(Watch::close);
            // a count over a window is quantized by the wait period; the interval between one
            // service's consecutive requests is not
            List<Long> intervals = new ArrayList<>();
            for (int i = 1; i <= services; i++) {
                List<Long> starts = http.startsByPath.getOrDefault("/v1/health/service/" + serviceName(i), List.of());
                List<Long> inWindow = new ArrayList<>();
                for (long t : starts) {
                    // the request running when the window opened counts, as its answer comes inside it
                    if (t <= endNanos) {
                        inWindow.add(t);
                    }
                }
                for (int k = 1; k < inWindow.size(); k++) {
                    if (inWindow.get(k) >= startNanos) {
                        intervals.add(inWindow.get(k) - inWindow.get(k - 1));
                    }
                }
            }
            return new Requests(counted, consulCount, intervals.stream().mapToLong(Long::longValue).toArray());
        } finally {
            http.shutdownNow();
            http.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /**
     * Consul's in-memory metrics keep 10 s intervals and the endpoint shows only the latest, so a
     * sum over the whole run is not available; this reports what the agent shows for the health
     * endpoint in that interval (a blocking request is counted when it ends), if it has it at all.
     */
    private static String consulCount(String metrics, int services) {
        Pattern p = Pattern.compile("\"Name\":\"(consul\\.http\\.GET\\.v1\\.health\\.service[^\"]*)\",\"Count\":(\\d+)");
        Matcher m = p.matcher(metrics);
        long total = 0;
        List<String> names = new ArrayList<>();
        while (m.find()) {
            total += Long.parseLong(m.group(2));
            names.add(m.group(1));
        }
        if (names.isEmpty()) {
            return "n/a (the agent's /v1/agent/metrics has no consul.http.GET.v1.health.service* sample)";
        }
        return total + " GET /v1/health/service in the agent's latest 10 s interval, " + services
                + " watched services (" + (names.size() > 3 ? names.size() + " metric names" : names) + ")";
    }

    private static String agentMetrics(ConsulAgent agent) {
        return get(agent, "/v1/agent/metrics");
    }

    private static String consulVersion(ConsulAgent agent) {
        Matcher m = Pattern.compile("\"Version\":\"([^\"]+)\"").matcher(get(agent, "/v1/agent/self"));
        return m.find() ? m.group(1) : "?";
    }

    private static String get(ConsulAgent agent, String path) {
        try {
            HttpURLConnection c = (HttpURLConnection) URI.create("http://" + agent.httpAddress() + path).toURL()
                    .openConnection();
            c.setConnectTimeout(5000);
            c.setReadTimeout(5000);
            try (InputStream in = c.getInputStream()) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } finally {
                c.disconnect();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + path + " on " + agent.httpAddress() + " failed", e);
        }
    }

    private static void row(String client, long[] sorted, String goal) {
        System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f | %.1f | %.1f | %s |%n", client, ms(percentile(sorted, 50)),
                ms(percentile(sorted, 90)), ms(percentile(sorted, 99)), ms(sorted[sorted.length - 1]), goal);
    }

    private static String serviceName(int i) {
        return String.format("probe-svc-%02d", i);
    }

    private static long percentile(long[] sorted, int p) {
        // nearest rank: with 50 samples, p99 is the largest
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    private static int intArg(String[] args, String key, int dflt) {
        for (String a : args) {
            if (a.startsWith(key + "=")) {
                int v = Integer.parseInt(a.substring(key.length() + 1));
                if (v < 1) {
                    throw new IllegalArgumentException(key + " must be >= 1: " + v);
                }
                return v;
            }
        }
        return dflt;
    }

    private record Seen(long at, int count) {
    }

    private record Requests(long counted, String consulCount, long[] intervals) {

        /** Mean time between two requests of one service, in nanoseconds; 0 when unknown. */
        double meanInterval() {
            return Arrays.stream(intervals).average().orElse(0);
        }
    }

    /**
     * The HTTP executor: consul-client's OkHttp dispatcher hands it one task per call, so its
     * {@code execute} count is the number of requests Waymark started. The task is OkHttp's
     * {@code AsyncCall}; its public {@code getRequest()} tells which service a request is for
     * (read reflectively: the class is OkHttp-internal; without it only the total is known).
     */
    private static final class CountingExecutor extends ThreadPoolExecutor {
        final AtomicLong executed = new AtomicLong();
        final Map<String, List<Long>> startsByPath = new ConcurrentHashMap<>();
        private final AtomicInteger threads = new AtomicInteger();

        CountingExecutor() {
            super(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS, new SynchronousQueue<>());
            setThreadFactory(r -> {
                Thread t = new Thread(r, "probe-http-" + threads.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        }

        @Override
        public void execute(Runnable command) {
            long now = System.nanoTime();
            executed.incrementAndGet();
            String path = path(command);
            if (path != null) {
                startsByPath.computeIfAbsent(path, k -> new CopyOnWriteArrayList<>()).add(now);
            }
            super.execute(command);
        }

        private static String path(Runnable call) {
            try {
                Object request = call.getClass().getMethod("getRequest").invoke(call);
                Object url = request.getClass().getMethod("url").invoke(request);
                return (String) url.getClass().getMethod("encodedPath").invoke(url);
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null;
            }
        }
    }
}
