package io.waymark.jdbc.internal;

import io.waymark.discovery.AgentAddress;
import io.waymark.discovery.DiscoveryMode;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code consul.*} parameters of a {@code jdbc:consul:} URL, as one table: name, default,
 * meaning and how a value is read. {@link ConsulUrl} parses through it,
 * {@code ConsulDriver.getPropertyInfo} describes it, and the README's table is rendered from it
 * ({@link #markdownTable()}, checked by a test).
 *
 * <p><b>Threading:</b> immutable.
 */
final class ConsulParameters {

    /** Reads one value of a parameter. */
    @FunctionalInterface
    interface Reader<T> {
        T read(String value, String name) throws SQLException;
    }

    /**
     * One parameter.
     *
     * @param defaultText the default as the README says it (Markdown)
     * @param meaning what it does (Markdown)
     * @param repeatable given several times (and comma-separated), every value counts; else once
     */
    record Parameter<T>(String name, String defaultText, String meaning, boolean repeatable, Reader<T> reader) {

        /** The parsed last value (every value, for a repeatable one), or null when not given. */
        T read(Map<Parameter<?>, List<String>> given) throws SQLException {
            List<String> values = given.get(this);
            if (values == null || values.isEmpty()) {
                return null;
            }
            return reader.read(repeatable ? String.join(",", values) : values.get(values.size() - 1), name);
        }

        /** Name, default and meaning as plain text, for {@code DriverPropertyInfo}. */
        String description() {
            return (meaning + "; default " + defaultText).replace("`", "");
        }
    }

    static final Duration DEFAULT_FAILOVER_TIMEOUT = Duration.ofSeconds(10);

    static final Parameter<List<String>> AGENT = new Parameter<>("consul.agent",
            "`CONSUL_HTTP_ADDR`, else `127.0.0.1:8500`",
            "agent HTTP address `host:port` or `https://host:port` (no credentials: use `consul.token`);"
                    + " repeatable or comma-separated, tried in order",
            true, ConsulParameters::agents);
    static final Parameter<String> TOKEN = new Parameter<>("consul.token", "`CONSUL_HTTP_TOKEN`",
            "ACL token of every request to Consul (masked everywhere)",
            false, ConsulParameters::token);
    static final Parameter<String> READ_SERVICE = new Parameter<>("consul.readService", "none",
            "Consul name of the replicas for `setReadOnly(true)`", false, UrlSyntax::consulName);
    static final Parameter<DiscoveryMode> MODE = new Parameter<>("consul.mode", "`http`",
            "`http` (blocking queries) or `dns`", false, ConsulParameters::mode);
    static final Parameter<String> DNS_AGENT = new Parameter<>("consul.dnsAgent", "each agent's host, port 8600",
            "DNS address `host[:port]` (port 8600 unless given), with `consul.mode=dns`", false,
            (value, name) -> address(name, value, false));
    static final Parameter<Duration> RESOLVE_TIMEOUT = new Parameter<>("consul.resolveTimeout", "discovery-core's",
            "first lookup of a name (`500ms`, `2s`, `1m`; plain numbers are ms)", false,
            (value, name) -> UrlSyntax.duration(value, name, false));
    static final Parameter<Duration> FAILOVER_TIMEOUT = new Parameter<>("consul.failoverTimeout", "`10s`",
            "how long `connect()` (and a re-run of a refused write) keeps looking for a writable primary"
                    + " (`0`: one round)", false,
            (value, name) -> UrlSyntax.duration(value, name, true));
    static final Parameter<Boolean> ROLE_CHECK = new Parameter<>("consul.roleCheck", "`true`",
            "check `SELECT @@read_only = 0` before handing out a primary connection", false, UrlSyntax::bool);
    static final Parameter<Boolean> INCLUDE_WARNING = new Parameter<>("consul.includeWarning", "`false`",
            "also use instances whose checks are in warning", false, UrlSyntax::bool);
    static final Parameter<Boolean> RETRY_READ_ONLY_WRITES = new Parameter<>("consul.retryReadOnlyWrites", "`true`",
            "in auto-commit mode, re-run a statement the demoted primary refused as read-only on the new primary"
                    + " (see below)", false, UrlSyntax::bool);
    static final Parameter<Boolean> PROBE_KNOWN_NODES = new Parameter<>("consul.probeKnownNodes", "`true`",
            "during a failover, ask every known server itself (`@@read_only`) and use the only writable one"
                    + " without waiting for Consul (see below)", false, UrlSyntax::bool);

    /** Every parameter, in the README's order. */
    static final List<Parameter<?>> ALL = List.of(AGENT, TOKEN, READ_SERVICE, MODE, DNS_AGENT, RESOLVE_TIMEOUT,
            FAILOVER_TIMEOUT, ROLE_CHECK, INCLUDE_WARNING, RETRY_READ_ONLY_WRITES, PROBE_KNOWN_NODES);

    private ConsulParameters() {
    }

    /** The parameter of a (decoded) name, case-insensitively; null for names not starting with {@code consul.}. */
    static Parameter<?> of(String name, String maskedUrl) throws SQLException {
        if (!name.regionMatches(true, 0, "consul.", 0, 7)) {
            return null;
        }
        for (Parameter<?> p : ALL) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        List<String> names = new ArrayList<>();
        ALL.forEach(p -> names.add(p.name()));
        throw UrlSyntax.error("unknown parameter '" + Secrets.clip(name) + "' in " + maskedUrl + ": expected one of "
                + String.join(", ", names));
    }

    /** The README's table of the parameters (Markdown). */
    static String markdownTable() {
        StringBuilder sb = new StringBuilder("| parameter | default | meaning |\n|---|---|---|\n");
        for (Parameter<?> p : ALL) {
            sb.append("| `").append(p.name()).append("` | ").append(p.defaultText()).append(" | ").append(p.meaning())
                    .append(" |\n");
        }
        return sb.toString();
    }

    private static List<String> agents(String value, String name) throws SQLException {
        // discovery's parser refuses credentials in one address; this list is split at ',' first,
        // and a password may hold one: the piece after it would be quoted as a bad port
        UrlSyntax.noCredentials(value, name);
        List<String> agents = new ArrayList<>();
        for (String part : value.split(",", -1)) {
            agents.add(address(name, part, true));
        }
        return agents;
    }

    /**
     * An agent address read by discovery's own parser ({@link AgentAddress}, the one grammar
     * every Waymark front door uses), normalized to {@code [https://]host:port}.
     *
     * @param http the HTTP API (scheme allowed, port 8500 by default), else DNS (port 8600)
     */
    static String address(String name, String value, boolean http) throws SQLException {
        try {
            return (http ? AgentAddress.parse(name, value) : AgentAddress.parseDns(name, value)).toString();
        } catch (IllegalArgumentException e) {
            throw UrlSyntax.error(e.getMessage());
        }
    }

    private static String token(String value, String name) throws SQLException {
        if (value.isBlank()) {
            throw UrlSyntax.error(name + " must not be empty (leave it out to use CONSUL_HTTP_TOKEN)");
        }
        return value;
    }

    private static DiscoveryMode mode(String value, String name) throws SQLException {
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "http":
                return DiscoveryMode.HTTP;
            case "dns":
                return DiscoveryMode.DNS;
            default:
                throw UrlSyntax.error(name + " must be http or dns: '" + Secrets.clip(value) + "'");
        }
    }
}
