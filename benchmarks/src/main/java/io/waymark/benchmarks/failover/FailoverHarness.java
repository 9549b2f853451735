package io.waymark.benchmarks.failover;

import io.waymark.benchmarks.failover.jdbc.JdbcFailoverScenario;
import io.waymark.benchmarks.failover.jdbc.JdbcUnplannedFailoverScenario;
import io.waymark.benchmarks.failover.redis.RedisClusterFailoverScenario;
import io.waymark.benchmarks.failover.redis.RedisClusterOutageScenario;
import io.waymark.benchmarks.failover.redis.RedisStandaloneFailoverScenario;
import io.waymark.benchmarks.failover.redis.RedisStandaloneOutageScenario;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Runs every failover scenario (Redis standalone, the seed's Redis Cluster, JDBC switchover; then the
 * unplanned failures: cluster master killed or frozen, standalone master killed or frozen, JDBC
 * primary killed or frozen) at each
 * Consul check interval and writes the tables, with the machine and the command, to a
 * Markdown file. {@code scripts/bench} runs it after the JMH benchmarks and passes their
 * output in with {@code --jmh=FILE}.
 */
public final class FailoverHarness {

    private FailoverHarness() {
    }

    public static void main(String[] args) throws Exception {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        int failovers = 20;
        int slowFailovers = 8;
        // a crash or a freeze costs a cluster election or an outside promotion each (~10-30 s): fewer of them
        int outageFailovers = 5;
        int writers = 4;
        List<Duration> intervals = List.of(Duration.ofSeconds(2), Duration.ofSeconds(10));
        Path out = Path.of("benchmarks/RESULTS.md");
        Path jmh = null;
        String command = "scripts/bench";
        String commit = "unknown";
        List<String> only = new ArrayList<>();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            if (kv.length != 2 || !kv[0].startsWith("--")) {
                throw new IllegalArgumentException("expected --name=value: " + arg);
            }
            switch (kv[0]) {
                case "--failovers" -> failovers = positive(kv[0], kv[1]);
                case "--slow-failovers" -> slowFailovers = positive(kv[0], kv[1]);
                case "--outage-failovers" -> outageFailovers = positive(kv[0], kv[1]);
                case "--writers" -> writers = positive(kv[0], kv[1]);
                case "--check-intervals" -> intervals = seconds(kv[1]);
                case "--only" -> only = List.of(kv[1].split(","));
                case "--out" -> out = Path.of(kv[1]);
                case "--jmh" -> jmh = Path.of(kv[1]);
                case "--command" -> command = kv[1];
                case "--commit" -> commit = kv[1];
                default -> throw new IllegalArgumentException("unknown option " + kv[0]
                        + " (known: --failovers --slow-failovers --outage-failovers --writers --check-intervals --only --out --jmh --command --commit)");
            }
        }

        StringBuilder md = new StringBuilder();
        md.append("# Waymark benchmark results\n\n");
        md.append("- date: ").append(DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(
                Instant.now().atOffset(ZoneOffset.UTC).withNano(0))).append(" UTC\n");
        md.append("- machine: ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(Runtime.getRuntime().maxMemory() >> 20).append(" MiB max heap, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append(", ")
                .append(ManagementFactory.getRuntimeMXBean().getVmName()).append(' ')
                .append(System.getProperty("java.runtime.version")).append('\n');
        md.append("- command: `").append(command).append("` at commit ").append(commit).append('\n');
        md.append("- this is a noisy 2-core machine running every server and client at once: read medians and "
                + "ratios between clients measured side by side in the same run, not absolute promises\n\n");

        if (jmh != null && Files.exists(jmh)) {
            md.append("## JMH and the Consul load probe\n\n```\n").append(Files.readString(jmh, StandardCharsets.UTF_8).strip()).append("\n```\n\n");
        }

        md.append("## Failover\n\n");
        List<Supplier<Scenario>> scenarios = List.of(RedisStandaloneFailoverScenario::new,
                RedisClusterFailoverScenario::new, JdbcFailoverScenario::new,
                RedisClusterOutageScenario::kill, RedisClusterOutageScenario::freeze,
                RedisStandaloneOutageScenario::kill, RedisStandaloneOutageScenario::freeze,
                () -> new JdbcUnplannedFailoverScenario(JdbcUnplannedFailoverScenario.Fault.KILL),
                () -> new JdbcUnplannedFailoverScenario(JdbcUnplannedFailoverScenario.Fault.FREEZE));
        List<String> names = List.of("standalone", "cluster", "jdbc",
                "cluster-kill", "cluster-freeze", "standalone-kill", "standalone-freeze", "jdbc-kill", "jdbc-freeze");
        int planned = 3; // the first three are planned switchovers, the rest crashes and freezes
        for (Duration interval : intervals) {
            int switchovers = interval.compareTo(Duration.ofSeconds(5)) > 0 ? slowFailovers : failovers;
            for (int i = 0; i < scenarios.size(); i++) {
                if (!only.isEmpty() && !only.contains(names.get(i))) {
                    continue;
                }
                int n = i < planned ? switchovers : outageFailovers;
                HarnessSettings settings = new HarnessSettings(n, writers, interval, Duration.ofSeconds(1));
                Scenario scenario = scenarios.get(i).get();
                System.err.printf("== %s (%d failovers, check interval %ds)%n", scenario.title(), n,
                        interval.toSeconds());
                long t0 = System.nanoTime();
                String table;
                try {
                    table = ResultTable.markdown(scenario, settings, scenario.run(settings));
                } catch (Exception e) {
                    table = "### " + scenario.title() + "\n\nfailed: " + e + "\n";
                }
                table += String.format(Locale.ROOT, "%n(%.0f s)%n%n", (System.nanoTime() - t0) / 1e9);
                System.out.print(table);
                md.append(table);
                write(out, md);
            }
        }
        write(out, md);
        System.err.println("wrote " + out.toAbsolutePath());
    }

    private static void write(Path out, CharSequence md) throws IOException {
        Files.writeString(out, md, StandardCharsets.UTF_8);
    }

    private static int positive(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n > 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // the message below says what was expected
        }
        throw new IllegalArgumentException(flag + " must be a positive whole number: " + value);
    }

    private static List<Duration> seconds(String csv) {
        List<Duration> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            String v = s.trim().replaceAll("s$", "");
            try {
                out.add(Duration.ofSeconds(Long.parseLong(v)));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--check-intervals takes seconds like 2s,10s: " + csv);
            }
        }
        return out;
    }
}
