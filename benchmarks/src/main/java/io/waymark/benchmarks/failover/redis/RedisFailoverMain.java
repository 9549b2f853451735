package io.waymark.benchmarks.failover.redis;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessOptions;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.ResultTable;
import io.waymark.benchmarks.failover.Scenario;
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
        HarnessOptions options = HarnessOptions.parse(args, USAGE, "scenario");
        String scenarioName = options.option("scenario", null);
        if (scenarioName == null) {
            throw options.usage("--scenario is required");
        }
        Scenario scenario = scenario(scenarioName);
        HarnessSettings settings = options.settings();
        List<ClientResult> results = scenario.run(settings);
        System.out.println(ResultTable.markdown(scenario, settings, results));
    }

    /** The scenario names, planned switchovers first, then the unplanned failures of issue 13. */
    public static final List<String> SCENARIOS = List.of("standalone", "cluster", "cluster-kill", "cluster-freeze",
            "standalone-kill", "standalone-freeze");

    private static final String USAGE = "--scenario=" + String.join("|", SCENARIOS);

    /** The scenario of that name, one of {@link #SCENARIOS}. */
    public static Scenario scenario(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "standalone" -> new RedisStandaloneFailoverScenario();
            case "cluster" -> new RedisClusterFailoverScenario();
            case "cluster-kill" -> RedisClusterOutageScenario.kill();
            case "cluster-freeze" -> RedisClusterOutageScenario.freeze();
            case "standalone-kill" -> RedisStandaloneOutageScenario.kill();
            case "standalone-freeze" -> RedisStandaloneOutageScenario.freeze();
            default -> throw HarnessOptions.usage(USAGE, "--scenario must be one of " + SCENARIOS + ": " + name);
        };
    }
}
