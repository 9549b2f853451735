package io.waymark.examples.demo;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The demo's command-line flags, parsed once and checked up front. */
record DemoOptions(Duration checkInterval, Duration duration, Duration failoverAfter, boolean standalone,
        boolean keepRunning, int writers) {

    static final String USAGE = String.join("\n",
            "usage: scripts/demo [--check-interval=2s] [--duration=20s] [--failover-after=6s]",
            "                    [--writers=4] [--standalone] [--keep-running]",
            "  --check-interval  Consul role-check interval (the seed uses 2s)",
            "  --duration        how long the app runs in all",
            "  --failover-after  when the failover is issued, from the app's start",
            "  --writers         writer threads",
            "  --standalone      one master + 2 replicas (standalone replication) instead of the seed's cluster",
            "  --keep-running    leave everything up after the run, until Ctrl-C");

    static DemoOptions parse(String... args) {
        Duration check = Duration.ofSeconds(2);
        Duration duration = Duration.ofSeconds(20);
        Duration failoverAfter = Duration.ofSeconds(6);
        boolean standalone = false;
        boolean keep = false;
        int writers = 4;
        List<String> unknown = new ArrayList<>();
        for (String arg : args) {
            String[] kv = arg.split("=", 2);
            String value = kv.length == 2 ? kv[1] : null;
            switch (kv[0]) {
                case "--check-interval" -> check = duration("--check-interval", value);
                case "--duration" -> duration = duration("--duration", value);
                case "--failover-after" -> failoverAfter = duration("--failover-after", value);
                case "--writers" -> writers = positive("--writers", value);
                case "--standalone" -> standalone = true;
                case "--keep-running" -> keep = true;
                default -> unknown.add(arg);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("unknown argument(s) " + unknown + "\n" + USAGE);
        }
        if (check.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("--check-interval must be at least 1s (Consul's minimum): " + check);
        }
        if (failoverAfter.compareTo(duration) >= 0) {
            throw new IllegalArgumentException("--failover-after (" + failoverAfter
                    + ") must be shorter than --duration (" + duration + ")");
        }
        return new DemoOptions(check, duration, failoverAfter, standalone, keep, writers);
    }

    private static Duration duration(String flag, String value) {
        if (value == null || !value.matches("\\d+(ms|s|m)")) {
            throw new IllegalArgumentException(flag + " takes a duration like 500ms, 2s or 1m: " + value);
        }
        long n = Long.parseLong(value.replaceAll("\\D", ""));
        Duration d = value.endsWith("ms") ? Duration.ofMillis(n)
                : value.endsWith("m") ? Duration.ofMinutes(n) : Duration.ofSeconds(n);
        if (d.isZero()) {
            throw new IllegalArgumentException(flag + " must be positive: " + value);
        }
        return d;
    }

    private static int positive(String flag, String value) {
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= 64) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(flag + " must be a whole number in 1..64: " + value);
    }
}
