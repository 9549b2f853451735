package io.waymark.examples.demo;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.Endpoints;
import io.waymark.discovery.Watch;
import io.waymark.redis.DiscoveredRedis;
import io.waymark.redis.ReadPolicy;
import io.waymark.redis.RedisStats;
import io.waymark.testkit.RedisNode;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The seed, end to end: Consul servers, Redis behind Consul client agents with role checks, an
 * app on {@link DiscoveredRedis}, a failover under load, and the timeline of what happened.
 *
 * <p>Run with {@code scripts/demo} (see {@link DemoOptions#USAGE} for the flags). Everything
 * it starts is stopped on exit, Ctrl-C included.
 */
public final class SeedDemo {

    private final DemoOptions options;
    private final PrintStream out;
    private final long t0 = System.nanoTime();

    SeedDemo(DemoOptions options, PrintStream out) {
        this.options = options;
        this.out = out;
    }

    public static void main(String[] args) throws Exception {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        Result result = new SeedDemo(options, System.out).run();
        System.exit(result.ok() ? 0 : 1);
    }

    /** What the run saw; {@link #ok()} when the app saw no error and no acknowledged write was lost. */
    record Result(long writes, long errors, Map<String, String> wrongCounters, long gapMillis, boolean followed) {
        boolean ok() {
            return errors == 0 && wrongCounters.isEmpty() && followed;
        }
    }

    Result run() throws InterruptedException {
        say("starting %s (check interval %ss)...", options.standalone() ? "standalone replication" : "the seed's topology",
                options.checkInterval().toSeconds());
        AtomicReference<Sandbox> started = new AtomicReference<>();
        Thread cleanup = new Thread(() -> {
            Sandbox s = started.get();
            if (s != null) {
                s.close();
            }
        }, "demo-teardown");
        Runtime.getRuntime().addShutdownHook(cleanup);
        Sandbox sandbox = startWithProgress(started);
        try {
            say("up: %s", sandbox.describe());
            return runApp(sandbox);
        } finally {
            if (options.keepRunning()) {
                say("--keep-running: Consul HTTP on %s; press Ctrl-C to tear everything down", sandbox.consulAgent());
                new CountDownLatch(1).await();
            }
            say("tearing down...");
            sandbox.close();
            started.set(null);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running already
            }
            say("done: no process left behind");
        }
    }

    private Sandbox startWithProgress(AtomicReference<Sandbox> started) throws InterruptedException {
        CountDownLatch up = new CountDownLatch(1);
        Thread ticker = new Thread(() -> {
            try {
                while (!up.await(3, TimeUnit.SECONDS)) {
                    say("  ...still forming (Consul leader election, cluster join, first role checks)");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "demo-progress");
        ticker.setDaemon(true);
        ticker.start();
        try {
            Sandbox s = options.standalone() ? Sandbox.standalone(options.checkInterval())
                    : Sandbox.seed(options.checkInterval());
            started.set(s);
            return s;
        } finally {
            up.countDown();
        }
    }

    private Result runApp(Sandbox sandbox) throws InterruptedException {
        try (ConsulDiscovery discovery = ConsulDiscovery.builder().agent(sandbox.consulAgent()).build()) {
            say("discovery sees:");
            for (String name : List.of(sandbox.writeService(), sandbox.readService())) {
                say("  %-36s -> %s", name, addresses(discovery.resolve(name)));
            }
            String target = sandbox.target().address();
            AtomicLong consulSawTarget = new AtomicLong(-1);
            try (Watch watch = discovery.watch(sandbox.writeService(), e -> {
                    if (addresses(e).contains(target)) {
                        consulSawTarget.compareAndSet(-1, System.nanoTime());
                    }
                });
                    DiscoveredRedis<String, String> redis = DiscoveredRedis.builder()
                            .discovery(discovery)
                            .writeService(sandbox.writeService())
                            .readService(sandbox.readService())
                            .password(sandbox.password())
                            .readFrom(ReadPolicy.REPLICA_PREFERRED)
                            .build()) {
                String probe = probeKey(sandbox.oldMaster(), sandbox.password());
                Workload app = new Workload(redis, probe, options.writers());
                say("app: %d writers (INCR over %d keys each), 1 reader, 1 probe writer on '%s' (served by %s)",
                        options.writers(), Workload.KEYS_PER_WRITER, probe, sandbox.oldMaster().address());
                app.start();
                long start = System.nanoTime();
                long failoverAt = start + options.failoverAfter().toNanos();
                long end = start + options.duration().toNanos();
                long issued = -1;
                long promoted = -1;
                long lastWrites = 0;
                long lastReads = 0;
                while (System.nanoTime() < end) {
                    Thread.sleep(1000); // the live view's refresh period, not a wait for a condition
                    long w = app.writes.sum();
                    long r = app.reads.sum();
                    RedisStats stats = redis.stats();
                    say("  writes %6d/s  reads %6d/s  errors %d   writes -> %s  reads -> %s", w - lastWrites, r - lastReads,
                            app.errors.sum(), stats.masters(), stats.replicas().isEmpty() ? stats.masters() : stats.replicas());
                    lastWrites = w;
                    lastReads = r;
                    if (issued < 0 && System.nanoTime() >= failoverAt) {
                        say(">>> failover: promoting %s (replica of %s)", target, sandbox.oldMaster().address());
                        AtomicLong roleMaster = watchRole(sandbox.target());
                        issued = System.nanoTime();
                        sandbox.failover();
                        promoted = roleMaster.get() > 0 ? roleMaster.get() : System.nanoTime();
                        say(">>> %s is master now", target);
                    }
                }
                app.close();
                Map<String, String> wrong = app.verify();
                long firstWrite = promoted < 0 ? -1 : app.firstProbeAckAfter(promoted);
                long gap = issued < 0 ? -1 : app.longestProbeGapAfter(issued);
                say("timeline (T = failover issued):");
                // in order of time; the +1 and +2 ns below keep equal times from replacing each other
                TreeMap<Long, String> events = new TreeMap<>();
                events.put(promoted - issued, target + " reports role master");
                if (consulSawTarget.get() >= 0) {
                    events.put(consulSawTarget.get() - issued + 1, "Consul lists " + target + " in " + sandbox.writeService());
                }
                if (firstWrite >= 0) {
                    events.put(firstWrite - issued + 2, "first probe write acknowledged after the promotion");
                }
                events.forEach((at, what) -> say("  T+%5d ms  %s", ms(at), what));
                if (consulSawTarget.get() < 0) {
                    say("  Consul never listed %s as master during the run", target);
                }
                if (firstWrite < 0) {
                    say("  no probe write acknowledged after the promotion");
                }
                say("  longest pause between acknowledged probe writes: %d ms", ms(gap));
                say("  errors seen by the app: %d%s", app.errors.sum(), app.firstErrors.isEmpty() ? "" : " " + app.firstErrors);
                say("  acknowledged increments lost or doubled: %s", wrong.isEmpty() ? "none" : wrong);
                say("  writes: %d, reads: %d, retries inside the connector: %d", app.writes.sum(), app.reads.sum(),
                        redis.stats().writeRetries());
                return new Result(app.writes.sum(), app.errors.sum(), wrong, ms(gap), firstWrite >= 0);
            }
        }
    }

    /**
     * Asks {@code node} for its role every 10 ms, on a thread of its own, until it says master;
     * the returned value is then the nanoTime it first did (0 until then).
     */
    private static AtomicLong watchRole(RedisNode node) {
        AtomicLong at = new AtomicLong();
        Thread t = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (System.nanoTime() < deadline) {
                try {
                    if ("master".equals(node.role())) {
                        at.set(System.nanoTime());
                        return;
                    }
                    Thread.sleep(10); // the poll period of this probe, not a wait for a condition
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    // the node is busy failing over: ask again
                }
            }
        }, "demo-role-watch");
        t.setDaemon(true);
        t.start();
        return at;
    }

    /** A key that the old master serves, so that the probe's writes must move with the failover. */
    private static String probeKey(RedisNode master, String password) {
        RedisClient client = RedisClient.create(RedisURI.builder().withHost(master.host()).withPort(master.port())
                .withPassword(password.toCharArray()).withTimeout(Duration.ofSeconds(5)).build());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            for (int i = 0; i < 100_000; i++) {
                String key = "demo:probe:" + i;
                try {
                    c.sync().exists(key);
                    return key;
                } catch (RedisCommandExecutionException moved) {
                    // MOVED: another master serves this slot
                }
            }
            throw new IllegalStateException("no key served by " + master.address());
        } finally {
            client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        }
    }

    private static List<String> addresses(Endpoints endpoints) {
        return endpoints.all().stream().map(Endpoint::address).sorted().toList();
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private void say(String format, Object... args) {
        out.printf("[%6.1fs] %s%n", (System.nanoTime() - t0) / 1e9, String.format(format, args));
        out.flush();
    }
}
