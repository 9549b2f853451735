package io.waymark.benchmarks.failover.jdbc;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.ResultTable;
import io.waymark.benchmarks.failover.Scenario;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * Runs a JDBC failover scenario and prints its Markdown table on stdout (client logs go to
 * stderr): a coordinated switchover ({@link JdbcFailoverScenario}, the default), or the primary
 * killed or frozen and a replica promoted by an outside actor ({@link JdbcUnplannedFailoverScenario}).
 *
 * <pre>
 * java ... io.waymark.benchmarks.failover.jdbc.JdbcFailoverMain [--fault=switchover|kill|freeze] \
 *     [--failovers=20] [--writers=4] [--check-interval=2s] [--settle=1s]
 * </pre>
 */
public final class JdbcFailoverMain {

    private JdbcFailoverMain() {
    }

    public static void main(String[] args) throws Exception {
        // the drivers and HikariCP log every failover at INFO/WARN; the table is what this program is for
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
        }
        HarnessSettings settings = settings(args);
        Scenario scenario = scenario(args);
        List<ClientResult> results = scenario.run(settings);
        System.out.println(ResultTable.markdown(scenario, settings, results));
    }

    /** The scenario {@code --fault} names: switchover (default), kill or freeze. */
    static Scenario scenario(String[] args) {
        String fault = "switchover";
        for (String arg : args) {
            if (arg.startsWith("--fault=")) {
                fault = arg.substring("--fault=".length()).trim().toLowerCase(Locale.ROOT);
            }
        }
        return switch (fault) {
            case "switchover" -> new JdbcFailoverScenario();
            case "kill" -> new JdbcUnplannedFailoverScenario(JdbcUnplannedFailoverScenario.Fault.KILL);
            case "freeze" -> new JdbcUnplannedFailoverScenario(JdbcUnplannedFailoverScenario.Fault.FREEZE);
            default -> throw usage("--fault must be switchover, kill or freeze: " + fault);
        };
    }

    static HarnessSettings settings(String[] args) {
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
                case "failovers" -> failovers = integer(name, value);
                case "writers" -> writers = integer(name, value);
                case "check-interval" -> checkInterval = duration(name, value);
                case "settle" -> settle = duration(name, value);
                case "fault" -> {
                    // read by scenario()
                }
                default -> throw usage("unknown option --" + name);
            }
        }
        return new HarnessSettings(failovers, writers, checkInterval, settle);
    }

    private static int integer(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw usage("--" + name + " must be an integer: " + value);
        }
    }

    /** "2s", "500ms", "1m" or an ISO-8601 duration ("PT2S"). */
    private static Duration duration(String name, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            return Duration.parse(value.trim());
        } catch (RuntimeException e) {
            throw usage("--" + name + " must be a duration like 2s, 500ms or PT2S: " + value);
        }
    }

    private static IllegalArgumentException usage(String problem) {
        return new IllegalArgumentException(problem + "; usage: [--fault=switchover|kill|freeze] [--failovers=N] [--writers=N]"
                + " [--check-interval=2s] [--settle=1s]");
    }
}
