package io.waymark.jdbc.internal;

import io.waymark.discovery.AgentAddress;
import io.waymark.discovery.ConsulProperty;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The {@code consul.*} parameters of a {@code jdbc:consul:} URL: discovery-core's settings
 * ({@link ConsulProperty}: the agents, TLS, the ACL token or token file, timeouts...), each as
 * {@code consul.<key>} and read by discovery-core's own parser, and this driver's own
 * parameters, one table of them here: name, value, default, meaning and how a value is read.
 * {@link ConsulUrl} parses through both, {@code ConsulDriver.getPropertyInfo} describes them,
 * and the README's table is rendered from them ({@link #markdownTable()}, checked by a test).
 *
 * <p><b>Threading:</b> immutable.
 */
final class ConsulParameters {

    /** A {@code consul.*} name: a discovery setting or one of this driver's parameters. */
    sealed interface Name permits Discovery, Parameter {

        /** The name as the URL writes it, e.g. {@code consul.caCert}. */
        String name();

        /** Given several times (and comma-separated), every value counts; else once. */
        boolean repeatable();
    }

    /** A discovery setting, {@code consul.<key>}, applied to the discovery builder as text. */
    record Discovery(ConsulProperty property) implements Name {

        @Override
        public String name() {
            return "consul." + property.key();
        }

        /** Lists of agents; every other setting is given once. */
        @Override
        public boolean repeatable() {
            return property == ConsulProperty.AGENT || property == ConsulProperty.DNS_AGENT;
        }

        /** What {@code getPropertyInfo} says of it. */
        String description() {
            return property.description() + " (" + property.form() + property.environmentVariable()
                    .map(v -> "; default " + v).orElse("") + ")";
        }
    }

    /** Reads one value of a parameter. */
    @FunctionalInterface
    interface Reader<T> {
        T read(String value, String name) throws SQLException;
    }

    /**
     * One of this driver's parameters.
     *
     * @param form what a value looks like (Markdown)
     * @param defaultText the default as the README says it (Markdown)
     * @param meaning what it does (Markdown)
     */
    record Parameter<T>(String name, String form, String defaultText, String meaning, Reader<T> reader)
            implements Name {

        @Override
        public boolean repeatable() {
            return false;
        }

        /** The parsed value, or null when not given. */
        T read(Map<Name, List<String>> given) throws SQLException {
            List<String> values = given.get(this);
            if (values == null || values.isEmpty()) {
                return null;
            }
            return reader.read(values.get(values.size() - 1), name);
        }

        /** Name, default and meaning as plain text, for {@code DriverPropertyInfo}. */
        String description() {
            return (meaning + "; default " + defaultText).replace("`", "");
        }
    }

    static final Duration DEFAULT_FAILOVER_TIMEOUT = Duration.ofSeconds(10);

    static final Parameter<String> READ_SERVICE = new Parameter<>("consul.readService", "Consul name", "none",
            "Consul name of the replicas for `setReadOnly(true)`", UrlSyntax::consulName);
    static final Parameter<Duration> FAILOVER_TIMEOUT = new Parameter<>("consul.failoverTimeout", "duration",
            "`10s`", "how long `connect()` (and a re-run of a refused write) keeps looking for a writable primary"
                    + " (`0`: one round)", (value, name) -> UrlSyntax.duration(value, name, true));
    static final Parameter<Boolean> ROLE_CHECK = new Parameter<>("consul.roleCheck", "true or false", "`true`",
            "check `SELECT @@read_only = 0` before handing out a primary connection", UrlSyntax::bool);
    static final Parameter<Boolean> RETRY_READ_ONLY_WRITES = new Parameter<>("consul.retryReadOnlyWrites",
            "true or false", "`true`", "in auto-commit mode, re-run a statement the demoted primary refused as"
                    + " read-only on the new primary (see below)", UrlSyntax::bool);
    static final Parameter<Boolean> PROBE_KNOWN_NODES = new Parameter<>("consul.probeKnownNodes", "true or false",
            "`true`", "during a failover, ask every known server itself (`@@read_only`) and use the only writable"
                    + " one without waiting for Consul (see below)", UrlSyntax::bool);

    /** This driver's own parameters, in the README's order (after the discovery settings). */
    static final List<Parameter<?>> ALL = List.of(READ_SERVICE, FAILOVER_TIMEOUT, ROLE_CHECK, RETRY_READ_ONLY_WRITES,
            PROBE_KNOWN_NODES);

    private ConsulParameters() {
    }

    /**
     * The name of a (decoded) parameter: this driver's (matched ignoring case), else a discovery
     * setting ({@link ConsulProperty#find}: ignoring case, {@code '-'} and {@code '_'}); null for
     * names not starting with {@code consul.}.
     *
     * @throws SQLException for another {@code consul.*} name, listing the known ones
     */
    static Name of(String name, String maskedUrl) throws SQLException {
        if (!name.regionMatches(true, 0, "consul.", 0, 7)) {
            return null;
        }
        for (Parameter<?> p : ALL) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        ConsulProperty property = ConsulProperty.find(name).orElse(null);
        if (property != null) {
            return new Discovery(property);
        }
        throw UrlSyntax.error("unknown parameter '" + Secrets.clip(name) + "' in " + maskedUrl + ": expected one of "
                + String.join(", ", names()));
    }

    /** Every name, discovery's settings first. */
    static List<String> names() {
        List<String> names = new ArrayList<>();
        for (ConsulProperty p : ConsulProperty.values()) {
            names.add(new Discovery(p).name());
        }
        ALL.forEach(p -> names.add(p.name()));
        return names;
    }

    /**
     * The README's table of the parameters (Markdown): discovery's settings (with the Consul
     * environment variable read when one is not given), then this driver's.
     */
    static String markdownTable() {
        StringBuilder sb = new StringBuilder("| parameter | value | environment variable | what it does |\n"
                + "|---|---|---|---|\n");
        for (ConsulProperty p : ConsulProperty.values()) {
            sb.append("| `").append(new Discovery(p).name()).append("` | ").append(p.form())
                    .append(p.secret() ? " (secret: masked everywhere)" : "").append(" | ")
                    .append(p.environmentVariable().map(v -> "`" + v + "`").orElse("")).append(" | ")
                    .append(p.description()).append(" |\n");
        }
        for (Parameter<?> p : ALL) {
            sb.append("| `").append(p.name()).append("` | ").append(p.form()).append(" |  | ").append(p.meaning())
                    .append("; default ").append(p.defaultText()).append(" |\n");
        }
        return sb.toString();
    }

    /**
     * A list of agent addresses read by discovery's own parser ({@link AgentAddress}, the one
     * grammar every Waymark front door uses), normalized to {@code [https://]host:port}, so that
     * URLs naming the same agents share one discovery client.
     *
     * @param http the HTTP API (scheme allowed, port 8500 by default), else DNS (port 8600)
     */
    static String addresses(String name, String value, boolean http) throws SQLException {
        // discovery's parser refuses credentials in one address; the list is split at ',' first,
        // and a password may hold one: the piece after it would be quoted as a bad port
        UrlSyntax.noCredentials(value, name);
        List<String> agents = new ArrayList<>();
        try {
            for (String part : value.split(",", -1)) {
                agents.add((http ? AgentAddress.parse(name, part) : AgentAddress.parseDns(name, part)).toString());
            }
        } catch (IllegalArgumentException e) {
            throw UrlSyntax.error(e.getMessage());
        }
        return String.join(",", agents);
    }
}
