package io.waymark.discovery;

import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Consul's environment variables, read as the consul CLI (its Go API client) reads them, for
 * the settings the builder leaves unset: an explicit setting always wins, variable by variable.
 * An empty variable is unset, as there. Differences: a value the CLI would ignore with a
 * warning (a bad boolean) is an error here, naming the variable; {@code CONSUL_HTTP_SSL=true}
 * turns agents given without a scheme into {@code https://} ones, but leaves an explicit
 * {@code http://} alone.
 *
 * <p>Threading: stateless; the environment is read when the discovery is built.
 */
final class ConsulEnvironment {

    static final String HTTP_ADDR = "CONSUL_HTTP_ADDR";
    static final String HTTP_SSL = "CONSUL_HTTP_SSL";
    static final String HTTP_SSL_VERIFY = "CONSUL_HTTP_SSL_VERIFY";
    static final String CACERT = "CONSUL_CACERT";
    static final String CAPATH = "CONSUL_CAPATH";
    static final String CLIENT_CERT = "CONSUL_CLIENT_CERT";
    static final String CLIENT_KEY = "CONSUL_CLIENT_KEY";
    static final String TLS_SERVER_NAME = "CONSUL_TLS_SERVER_NAME";
    static final String HTTP_TOKEN = "CONSUL_HTTP_TOKEN";
    static final String HTTP_TOKEN_FILE = "CONSUL_HTTP_TOKEN_FILE";
    static final String NAMESPACE = "CONSUL_NAMESPACE";
    static final String PARTITION = "CONSUL_PARTITION";

    private final Function<String, String> variables;

    ConsulEnvironment(Function<String, String> variables) {
        this.variables = variables;
    }

    /** The variable, or null when unset or empty. */
    @Nullable String get(String name) {
        String v = variables.apply(name);
        return v == null || v.isEmpty() ? null : v;
    }

    /** {@code CONSUL_HTTP_ADDR}, or null. */
    @Nullable AgentAddress agent() {
        String v = get(HTTP_ADDR);
        return v == null ? null : parse(() -> AgentAddress.parse(HTTP_ADDR, v));
    }

    /** {@code CONSUL_HTTP_SSL}, or null. */
    @Nullable Boolean https() {
        return bool(HTTP_SSL);
    }

    /**
     * {@code CONSUL_HTTP_TOKEN_FILE}, else {@code CONSUL_HTTP_TOKEN} (the file wins, as in the
     * consul CLI); null when neither is set.
     */
    @Nullable ConsulToken token() {
        String file = get(HTTP_TOKEN_FILE);
        if (file != null) {
            Path p = parse(() -> ConsulProperty.path(HTTP_TOKEN_FILE, file));
            return ConsulToken.of(TokenFile.open(HTTP_TOKEN_FILE, p), HTTP_TOKEN_FILE);
        }
        String v = get(HTTP_TOKEN);
        String clean = parse(() -> ConsulToken.clean("the environment variable " + HTTP_TOKEN, v));
        return clean == null ? null : new ConsulToken(() -> clean, HTTP_TOKEN);
    }

    /** Fills the TLS settings {@code tls} leaves unset, group by group (trust, client certificate, name, verify). */
    void fill(Tls tls) {
        if (tls.trustSettings().isEmpty()) {
            // both set: the file wins, as in go-rootcerts
            tls.caCert = file(CACERT);
            tls.caPath = tls.caCert == null ? file(CAPATH) : null;
        }
        if (tls.identitySettings().isEmpty()) {
            tls.clientCert = file(CLIENT_CERT);
            tls.clientKey = file(CLIENT_KEY);
        }
        if (tls.serverName == null) {
            String v = get(TLS_SERVER_NAME);
            tls.serverName = v == null ? null : new Tls.Named<>(parse(() -> ConsulProperty.serverName(
                    TLS_SERVER_NAME, v)), TLS_SERVER_NAME);
        }
        if (tls.verify == null) {
            Boolean v = bool(HTTP_SSL_VERIFY);
            tls.verify = v == null ? null : new Tls.Named<>(v, HTTP_SSL_VERIFY);
        }
    }

    /** {@code CONSUL_NAMESPACE}, or null. */
    @Nullable String namespace() {
        String v = get(NAMESPACE);
        return v == null ? null : parse(() -> ConsulProperty.scopeName(NAMESPACE, v));
    }

    /** {@code CONSUL_PARTITION}, or null. */
    @Nullable String partition() {
        String v = get(PARTITION);
        return v == null ? null : parse(() -> ConsulProperty.scopeName(PARTITION, v));
    }

    private Tls.@Nullable Named<Path> file(String name) {
        String v = get(name);
        return v == null ? null : new Tls.Named<>(parse(() -> ConsulProperty.path(name, v)), name);
    }

    private @Nullable Boolean bool(String name) {
        String v = get(name);
        return v == null ? null : parse(() -> ConsulProperty.bool(name, v));
    }

    /** A bad environment variable is a state the caller did not pass in as an argument. */
    static <T> T parse(Supplier<T> parse) {
        try {
            return parse.get();
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException(e.getMessage());
        }
    }
}
