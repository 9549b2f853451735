package io.waymark.benchmarks.failover.redis;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.ResultTable;
import io.waymark.benchmarks.failover.Scenario;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Runs one Redis failover scenario and prints its Markdown table on stdout (progress and client
 * logs go to stderr).
 *
 * <pre>
 * java ... io.waymark.benchmarks.failover.redis.RedisFailoverMain --scenario=NAME \
 *     [--failovers=20] [--writers=4] [--check-interval=2s] [--settle=1s]
 * </pre>
 */
public final class RedisFailoverMain {

    private RedisFailoverMain() {
    }

    public static void main(String[] args) throws Exception {
        // Lettuce logs every reconnect at INFO; the table is what this program is for
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        }
        String scenarioName = null;
        int failovers = 20;
        int writers = 4;
        Duration checkInterval = Duration.ofSeconds(2);
        Duration settle = Duration.ofSeconds(1);
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw usage("not --name=value: " + arg);
            }
            String name = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            switch (name) {
                case "scenario" -> scenarioName = value;
                case "failovers" -> failovers = integer(name, value);
                case "writers" -> writers = integer(name, value);
                case "check-interval" -> checkInterval = duration(name, value);
                case "settle" -> settle = duration(name, value);
                default -> throw usage("unknown option --" + name);
            }
        }
        if (scenarioName == null) {
            throw usage("--scenario is required");
        }
        Scenario scenario = scenario(scenarioName);
        HarnessSettings settings = new HarnessSettings(failovers, writers, checkInterval, settle);
        List<ClientResult> results = scenario.run(settings);
        System.out.println(ResultTable.markdown(scenario, settings, results));
    }

    /** The scenario names, planned switchovers first, then the unplanned failures of issue 13. */
    public static final List<String> SCENARIOS = List.of("standalone", "cluster", "cluster-kill", "cluster-freeze",
            "standalone-kill", "standalone-freeze");

    /** The scenario of that name, one of {@link #SCENARIOS}. */
    public static Scenario scenario(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "standalone" -> new RedisStandaloneFailoverScenario();
            case "cluster" -> new RedisClusterFailoverScenario();
            case "cluster-kill" -> RedisClusterOutageScenario.kill();
            case "cluster-freeze" -> RedisClusterOutageScenario.freeze();
            case "standalone-kill" -> RedisStandaloneOutageScenario.kill();
            case "standalone-freeze" -> RedisStandaloneOutageScenario.freeze();
            default -> throw usage("--scenario must be one of " + SCENARIOS + ": " + name);
        };
    }

    private static int integer(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw usage("--" + name + " must be an integer: " + value);
        }
    }

    /** "2s", "500ms", "1m" or an ISO-8601 duration ("PT2S"). */
    static Duration duration(String name, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.startsWith("p")) {
                return Duration.parse(value.trim());
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            throw new IllegalArgumentException("no unit");
        } catch (RuntimeException e) {
            throw usage("--" + name + " must be a duration like 2s, 500ms or PT2S: " + value);
        }
    }

    private static IllegalArgumentException usage(String problem) {
        return new IllegalArgumentException(problem + "; usage: --scenario=" + String.join("|", SCENARIOS)
                + " [--failovers=N]"
                + " [--writers=N] [--check-interval=2s] [--settle=1s]");
    }
}
