package io.waymark.testkit;

import io.waymark.testkit.internal.Http;
import io.waymark.testkit.internal.Json;
import io.waymark.testkit.internal.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What a client needs to reach a secured {@link ConsulCluster} (see
 * {@link ConsulCluster.Builder#secured()}), and the ACL administration tests do on it.
 *
 * <p>TLS: every agent serves HTTPS on 8501 only and requires a client certificate signed by the
 * cluster's CA ({@link #tls()}: CA, client certificate and key, PEM, as {@code consul tls} writes
 * them; the key is an EC key in SEC 1 form, "BEGIN EC PRIVATE KEY"). Each agent's certificate
 * names the agent's own address, so verifying the host name against the address works; every one
 * also names {@link #tlsServerName() localhost}, for clients that connect by a name the
 * certificate does not carry.
 *
 * <p>ACLs: default deny. {@link #bootstrapToken()} (from {@code /v1/acl/bootstrap}) can do
 * anything; {@link #readToken()} has {@link #READ_RULES}; {@link #agentToken()}, configured on every
 * agent, writes nodes and services (the agents' own registrations, the role checks). Tests create
 * and delete further tokens. Consul 1.8 answers a token lacking {@code service:read} with an empty
 * list and 200, a token that does not exist (or was deleted) with 403 "ACL not found"; Consul DNS
 * uses the anonymous token, so it answers nothing here.
 *
 * <p>Threading: thread-safe.
 */
public final class ConsulSecurity {

    /** Rules of {@link #readToken()}: read every service and node. */
    public static final String READ_RULES =
            "service_prefix \"\" { policy = \"read\" }\nnode_prefix \"\" { policy = \"read\" }\n";

    /** Rules of {@link #agentToken()}. */
    static final String AGENT_RULES =
            "node_prefix \"\" { policy = \"write\" }\nservice_prefix \"\" { policy = \"write\" }\n";

    private static final String NODE_READ_RULES = "node_prefix \"\" { policy = \"read\" }\n";
    private static final String SERVER_NAME = "localhost";

    /**
     * PEM files: a CA certificate to trust, a client certificate and its key to present.
     *
     * <p>Threading: immutable.
     */
    public record TlsFiles(Path caCertificate, Path clientCertificate, Path clientKey) {}

    private final List<LocalConsulAgent> servers;
    private final ConsulCertificates certificates;
    private final TlsFiles tls;
    private final ConsulToken bootstrap;
    private final ConsulToken agent;
    private final ConsulToken read;
    private final AtomicInteger created = new AtomicInteger();
    private TlsFiles untrusted;

    private ConsulSecurity(List<LocalConsulAgent> servers, ConsulCertificates certificates, TlsFiles tls,
            ConsulToken bootstrap, ConsulToken agent, ConsulToken read) {
        this.servers = List.copyOf(servers);
        this.certificates = certificates;
        this.tls = tls;
        this.bootstrap = bootstrap;
        this.agent = agent;
        this.read = read;
    }

    /**
     * Bootstraps the ACL system of a freshly started secured cluster ({@code /v1/acl/bootstrap},
     * retried until the leader has set ACLs up), then creates the read and agent policies and
     * tokens; the agent token with the secret the agents were configured with.
     */
    static ConsulSecurity bootstrap(ConsulAccess access, List<LocalConsulAgent> servers,
            ConsulCertificates certificates, TlsFiles tls, Duration timeout) {
        LocalConsulAgent first = servers.get(0);
        AtomicReference<Map<?, ?>> token = new AtomicReference<>();
        AtomicReference<String> seen = new AtomicReference<>("no answer");
        Poll.until(timeout, Duration.ofMillis(200), () -> {
            Http.Response r = access.http().put(first.address(), "/v1/acl/bootstrap", "");
            if (r.status() != 200) {
                // an error body: never a secret
                seen.set(r.status() + " " + r.body().trim());
                return false;
            }
            token.set((Map<?, ?>) Json.parse(r.body()));
            return true;
        }, () -> "ACL bootstrap on " + first.nodeName() + " did not succeed; last answer: " + seen.get());
        ConsulToken bootstrap = token(token.get());
        access.managementToken(bootstrap.secretId());
        ConsulToken agent = create(servers, "waymark-agent", AGENT_RULES, "waymark agent token",
                access.agentToken());
        ConsulToken read = create(servers, "waymark-read", READ_RULES, "waymark read token", null);
        return new ConsulSecurity(servers, certificates, tls, bootstrap, agent, read);
    }

    /** The cluster's CA, and the {@code -cli} client certificate and key API clients present. */
    public TlsFiles tls() {
        return tls;
    }

    /**
     * Another CA and a client certificate it signed, made the same way but trusted by no agent:
     * to try a client that trusts the wrong CA or presents a foreign certificate. Made on first use.
     */
    public synchronized TlsFiles untrustedTls() {
        if (untrusted == null) {
            untrusted = certificates.untrusted();
        }
        return untrusted;
    }

    /**
     * "localhost": a name every agent certificate carries besides the agent's address ({@code
     * consul tls cert create} always adds it; server certificates also carry
     * {@code server.<dc>.consul}, client agent certificates {@code client.<dc>.consul}, so
     * {@code server.dc1.consul} verifies against servers only).
     */
    public String tlsServerName() {
        return SERVER_NAME;
    }

    /** The bootstrap (global management) token. */
    public ConsulToken bootstrapToken() {
        return bootstrap;
    }

    /** A token with {@link #READ_RULES}: what a discovery client needs. */
    public ConsulToken readToken() {
        return read;
    }

    /** The token every agent is configured with ({@code acl.tokens.agent}): node and service write. */
    public ConsulToken agentToken() {
        return agent;
    }

    /** A new token with a new policy of {@code rules} (Consul's HCL rules). */
    public ConsulToken createToken(String rules) {
        Checks.notBlank("rules", rules);
        int n = created.incrementAndGet();
        return create(servers, "waymark-test-" + n, rules, "waymark test token " + n, null);
    }

    /** A new token that reads nodes but lacks {@code service:read}. */
    public ConsulToken createTokenWithoutServiceRead() {
        return createToken(NODE_READ_RULES);
    }

    /** Deletes {@code token} in Consul; clients using it get 403 "ACL not found" from then on. */
    public void deleteToken(ConsulToken token) {
        Objects.requireNonNull(token, "token");
        serving(servers).apiDelete("/v1/acl/token/" + LocalConsulAgent.enc(token.accessorId()));
    }

    /** Creates policy {@code policy} with {@code rules} and a token with it (secret: given or Consul's). */
    private static ConsulToken create(List<LocalConsulAgent> servers, String policy, String rules,
            String description, String secret) {
        LocalConsulAgent s = serving(servers);
        s.apiPut("/v1/acl/policy", Json.write(Map.of("Name", policy, "Rules", rules)));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Description", description);
        body.put("Policies", List.of(Map.of("Name", policy)));
        if (secret != null) {
            body.put("SecretID", secret);
        }
        return token((Map<?, ?>) Json.parse(s.apiPut("/v1/acl/token", Json.write(body))));
    }

    /** One serving server: writes go to one server, never retried on another (they may have run). */
    private static LocalConsulAgent serving(List<LocalConsulAgent> servers) {
        for (LocalConsulAgent s : servers) {
            if (s.isServing()) {
                return s;
            }
        }
        throw new IllegalStateException("no Consul server is running (and not frozen) to administer ACLs");
    }

    private static ConsulToken token(Map<?, ?> json) {
        return new ConsulToken(String.valueOf(json.get("AccessorID")), String.valueOf(json.get("SecretID")),
                String.valueOf(json.get("Description")));
    }

    @Override
    public String toString() {
        return "ConsulSecurity[CA " + tls.caCertificate() + ", tokens " + List.of(bootstrap, read, agent) + "]";
    }
}
