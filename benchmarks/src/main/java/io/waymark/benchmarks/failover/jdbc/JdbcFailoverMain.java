package io.waymark.benchmarks.failover.jdbc;

import io.waymark.benchmarks.failover.ClientResult;
import io.waymark.benchmarks.failover.HarnessOptions;
import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.ResultTable;
import io.waymark.benchmarks.failover.Scenario;
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

    private static final String USAGE = "[--fault=switchover|kill|freeze]";

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
        HarnessOptions options = HarnessOptions.parse(args, USAGE, "fault");
        String fault = options.option("fault", "switchover").trim().toLowerCase(Locale.ROOT);
        return switch (fault) {
            case "switchover" -> new JdbcFailoverScenario();
            case "kill" -> new JdbcUnplannedFailoverScenario(JdbcUnplannedFailoverScenario.Fault.KILL);
            case "freeze" -> new JdbcUnplannedFailoverScenario(JdbcUnplannedFailoverScenario.Fault.FREEZE);
            default -> throw options.usage("--fault must be switchover, kill or freeze: " + fault);
        };
    }

    static HarnessSettings settings(String[] args) {
        return HarnessOptions.parse(args, USAGE, "fault").settings();
    }
}
