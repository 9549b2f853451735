package io.waymark.testkit;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;

/**
 * Argument checks shared by the builders. Each fails with an {@link IllegalArgumentException}
 * naming the parameter and the rejected value, and otherwise returns the value.
 */
final class Checks {

    private Checks() {}

    static int inRange(String name, int value, int min, int max) {
        return require(name, value, value >= min && value <= max, "be in " + min + ".." + max);
    }

    static Duration positive(String name, Duration d) {
        return require(name, d, d != null && !d.isZero() && !d.isNegative(), "be positive");
    }

    static Duration nonNegative(String name, Duration d) {
        return require(name, d, d != null && !d.isNegative(), "be >= 0");
    }

    static Duration atLeastMillis(String name, Duration d, long minMillis) {
        return require(name, d, d != null && d.toMillis() >= minMillis, "be >= " + minMillis + " ms");
    }

    static String notBlank(String name, String value) {
        return require(name, value, value != null && !value.isBlank(), "not be blank");
    }

    /** {@code value} matches {@code regex}, which the message quotes. */
    static String matches(String name, String value, String regex) {
        return require(name, value, value != null && value.matches(regex), "be " + regex);
    }

    /** Distinct 127.x.y.z literals, {@code min} to {@code max} of them; returns an immutable copy. */
    static List<String> loopbackHosts(String name, List<String> hosts, int min, int max) {
        if (hosts == null || hosts.size() < min || hosts.size() > max) {
            String count = min == max ? String.valueOf(min) : min + ".." + max;
            throw new IllegalArgumentException(name + " must hold " + count + " addresses: " + hosts);
        }
        hosts.forEach(LoopbackAddresses::requireLoopback);
        if (new HashSet<>(hosts).size() != hosts.size()) {
            throw new IllegalArgumentException(name + " must be distinct: " + hosts);
        }
        return List.copyOf(hosts);
    }

    /** {@code value} if {@code ok}, else "{@code name} must {@code requirement}: {@code value}". */
    private static <T> T require(String name, T value, boolean ok, String requirement) {
        if (!ok) {
            throw new IllegalArgumentException(name + " must " + requirement + ": " + value);
        }
        return value;
    }

    /**
     * One server option as the server's command line takes it: starts with "--" and holds no line
     * break or NUL (a line break would be a config line of its own for redis-server).
     */
    static String serverOption(String option) {
        if (option == null || option.length() <= 2 || !option.startsWith("--")
                || option.chars().anyMatch(c -> c == '\n' || c == '\r' || c == 0)) {
            String shown = option == null ? null
                    : option.replace("\n", "\\n").replace("\r", "\\r").replace("\0", "\\0");
            throw new IllegalArgumentException(
                    "serverOption must start with -- and hold no line break: " + shown);
        }
        return option;
    }

    /** A password usable in server configs and SQL as is; the message never shows the value. */
    static String password(String password) {
        if (password == null || password.isEmpty() || !password.matches("[A-Za-z0-9_.@%+=:-]+")) {
            throw new IllegalArgumentException(
                    "password must be non-empty and use only [A-Za-z0-9_.@%+=:-]");
        }
        return password;
    }
}
