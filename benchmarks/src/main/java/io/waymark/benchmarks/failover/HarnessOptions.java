package io.waymark.benchmarks.failover;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The command line of a failover main: {@code --name=value} options, the {@link HarnessSettings}
 * knobs ({@code --failovers}, {@code --writers}, {@code --check-interval}, {@code --settle}) and the
 * main's own options, which it names; any other option is refused, with the usage.
 *
 * <p>Threading: immutable.
 */
public final class HarnessOptions {

    private final String ownUsage;
    private final Map<String, String> own;
    private final HarnessSettings settings;

    private HarnessOptions(String ownUsage, Map<String, String> own, HarnessSettings settings) {
        this.ownUsage = ownUsage;
        this.own = own;
        this.settings = settings;
    }

    /**
     * Parses {@code args}: the harness knobs (defaults: 20 failovers, 4 writers, check interval 2 s,
     * settle 1 s) and the options named in {@code ownOptions}, whose usage ({@code ownUsage}, e.g.
     * "[--fault=switchover|kill|freeze]") the error messages start with.
     *
     * @throws IllegalArgumentException for an argument not of the form {@code --name=value}, an
     *     unknown option, or a knob's value that is not a number or a duration
     */
    public static HarnessOptions parse(String[] args, String ownUsage, String... ownOptions) {
        List<String> ownNames = List.of(ownOptions);
        Map<String, String> own = new HashMap<>();
        int failovers = 20;
        int writers = 4;
        Duration checkInterval = Duration.ofSeconds(2);
        Duration settle = Duration.ofSeconds(1);
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (!arg.startsWith("--") || eq < 0) {
                throw usage(ownUsage, "not --name=value: " + arg);
            }
            String name = arg.substring(2, eq);
            String value = arg.substring(eq + 1);
            switch (name) {
                case "failovers" -> failovers = integer(ownUsage, name, value);
                case "writers" -> writers = integer(ownUsage, name, value);
                case "check-interval" -> checkInterval = duration(ownUsage, name, value);
                case "settle" -> settle = duration(ownUsage, name, value);
                default -> {
                    if (!ownNames.contains(name)) {
                        throw usage(ownUsage, "unknown option --" + name);
                    }
                    own.put(name, value);
                }
            }
        }
        return new HarnessOptions(ownUsage, Map.copyOf(own), new HarnessSettings(failovers, writers, checkInterval,
                settle));
    }

    /** The harness knobs. */
    public HarnessSettings settings() {
        return settings;
    }

    /** The value of the main's own option {@code name}, or {@code otherwise} when it was not given. */
    public String option(String name, String otherwise) {
        return own.getOrDefault(name, otherwise);
    }

    /** An error for {@code problem}, followed by the usage. */
    public IllegalArgumentException usage(String problem) {
        return usage(ownUsage, problem);
    }

    /** "2s", "500ms", "1m" or an ISO-8601 duration ("PT2S"), the value of option {@code name}. */
    static Duration duration(String ownUsage, String name, String value) {
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
            throw usage(ownUsage, "--" + name + " must be a duration like 2s, 500ms or PT2S: " + value);
        }
    }

    private static int integer(String ownUsage, String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw usage(ownUsage, "--" + name + " must be an integer: " + value);
        }
    }

    /** An error for {@code problem}, then the usage: the main's own options ({@code ownUsage}) and the knobs. */
    public static IllegalArgumentException usage(String ownUsage, String problem) {
        return new IllegalArgumentException(problem + "; usage: " + ownUsage
                + " [--failovers=N] [--writers=N] [--check-interval=2s] [--settle=1s]");
    }
}
