package io.waymark.testkit;

import io.waymark.testkit.internal.Http;
import io.waymark.testkit.internal.Json;
import io.waymark.testkit.internal.Pem;
import io.waymark.testkit.internal.Poll;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Real Consul agents (servers plus client agents), each on its own 127.0.0.x address, as local
 * processes or containers (see {@link Backend}). {@link Builder#start()} returns once a leader is elected and every agent is an alive
 * member, with the client agents' services registered.
 *
 * <pre>{@code
 * try (ConsulCluster consul = ConsulCluster.builder().servers(1).clientAgent("plain").start()) {
 *   consul.awaitPassing("web", 1, Duration.ofSeconds(30));
 * }
 * }</pre>
 *
 * <p>{@link Builder#secured()} gives the production setup instead: HTTPS only with client
 * certificates, ACLs with default deny; {@link #security()} then has the certificate files and
 * tokens. The fixture's own calls (registrations, {@link #awaitPassing}) work the same in both.
 *
 * <p>Threading: thread-safe; {@link #close()} is idempotent. Processes are also stopped by a JVM
 * shutdown hook.
 */
public final class ConsulCluster implements AutoCloseable {

    private final List<LocalConsulAgent> servers;
    private final List<LocalConsulAgent> clients;
    private final FixtureResources resources;
    private volatile ConsulSecurity security;

    private ConsulCluster(List<LocalConsulAgent> servers, List<LocalConsulAgent> clients,
            FixtureResources resources) {
        this.servers = List.copyOf(servers);
        this.clients = List.copyOf(clients);
        this.resources = resources;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<ConsulAgent> servers() {
        return List.copyOf(servers);
    }

    /** Client agents in the order of {@link Builder#clientAgent} calls. */
    public List<ConsulAgent> clients() {
        return List.copyOf(clients);
    }

    /** Every agent, servers first. */
    public List<ConsulAgent> agents() {
        List<ConsulAgent> all = new ArrayList<>(servers);
        all.addAll(clients);
        return all;
    }

    /** The agent named {@code nodeName}. */
    public ConsulAgent agent(String nodeName) {
        for (ConsulAgent a : agents()) {
            if (a.nodeName().equals(nodeName)) {
                return a;
            }
        }
        throw new IllegalArgumentException("no agent named " + nodeName + " in " + names());
    }

    /**
     * "127.0.0.x:8500" of the first client agent, else of the first server.
     *
     * @throws IllegalStateException when secured (no plain HTTP): use {@link #httpsAddress()}
     */
    public String httpAddress() {
        return firstAgent().httpAddress();
    }

    /** HTTP addresses of every server, e.g. for a client that fails over between agents. */
    public List<String> serverHttpAddresses() {
        return servers.stream().map(LocalConsulAgent::httpAddress).toList();
    }

    /**
     * "127.0.0.x:8501" of the first client agent, else of the first server.
     *
     * @throws IllegalStateException when not secured: use {@link #httpAddress()}
     */
    public String httpsAddress() {
        return firstAgent().httpsAddress();
    }

    /** HTTPS addresses of every server of a secured cluster. */
    public List<String> serverHttpsAddresses() {
        return servers.stream().map(LocalConsulAgent::httpsAddress).toList();
    }

    private LocalConsulAgent firstAgent() {
        return clients.isEmpty() ? servers.get(0) : clients.get(0);
    }

    /** Whether it was built {@link Builder#secured()}. */
    public boolean isSecured() {
        return security != null;
    }

    /**
     * TLS files, tokens and ACL administration of a secured cluster.
     *
     * @throws IllegalStateException when it was not built {@link Builder#secured()}
     */
    public ConsulSecurity security() {
        ConsulSecurity s = security;
        if (s == null) {
            throw new IllegalStateException("this ConsulCluster is not secured (plain HTTP, no ACLs); "
                    + "build it with ConsulCluster.builder().secured()");
        }
        return s;
    }

    /**
     * Waits until exactly {@code count} instances of {@code service} are passing, as seen by a
     * consistent read and by every running server's own state (so Consul DNS agrees on return).
     */
    public void awaitPassing(String service, int count, Duration timeout) {
        Objects.requireNonNull(service, "service");
        if (count < 0) {
            throw new IllegalArgumentException("count must be >= 0: " + count);
        }
        int[] seen = {-1};
        Poll.until(timeout, Duration.ofMillis(200), () -> {
            List<String> now = passing(service);
            seen[0] = now.size();
            // also on every server's own state, which is what DNS (stale reads) answers from
            return seen[0] == count && serversAgree(service, now);
        }, () -> "expected " + count + " passing instances of " + service + ", saw " + seen[0]);
    }

    /** Addresses ("host:port") of the passing instances of {@code service}, sorted. */
    public List<String> passing(String service) {
        List<LocalConsulAgent> clientsFirst = new ArrayList<>(clients);
        clientsFirst.addAll(servers);
        return LocalProcessNode.firstAnswer(clientsFirst, a -> passing(a, service, false),
                "no Consul agent answered for " + service);
    }

    /**
     * Whether every running server, reading its own (possibly stale) state as its DNS interface
     * does, lists exactly {@code expected} as the passing instances of {@code service}.
     */
    boolean serversAgree(String service, List<String> expected) {
        for (LocalConsulAgent s : servers) {
            if (s.isServing() && !passing(s, service, true).equals(expected)) {
                return false;
            }
        }
        return true;
    }

    private static List<String> passing(LocalConsulAgent a, String service, boolean stale) {
        List<String> out = new ArrayList<>();
        String body = a.apiGet("/v1/health/service/" + LocalConsulAgent.enc(service) + "?passing=true"
                + (stale ? "&stale" : ""));
        for (Object o : (List<?>) Json.parse(body)) {
            Map<?, ?> entry = (Map<?, ?>) o;
            Map<?, ?> svc = (Map<?, ?>) entry.get("Service");
            Map<?, ?> node = (Map<?, ?>) entry.get("Node");
            String address = String.valueOf(svc.get("Address"));
            if (address.isEmpty()) {
                address = String.valueOf(node.get("Address"));
            }
            out.add(address + ":" + ((Number) svc.get("Port")).intValue());
        }
        out.sort(null);
        return out;
    }

    private List<String> names() {
        return agents().stream().map(ConsulAgent::nodeName).toList();
    }

    /**
     * Stops every agent (clients first), deletes the data and the certificates and releases the
     * addresses.
     */
    @Override
    public void close() {
        resources.close();
    }

    @Override
    public String toString() {
        return "ConsulCluster" + agents();
    }

    /** Builds and starts a {@link ConsulCluster}; not thread-safe. */
    public static final class Builder extends FixtureBuilder<Builder> {
        private static final String NODE_NAME = "[A-Za-z0-9-]+";

        private Integer servers;
        private List<String> serverHosts;
        private String serverNamePrefix = "consul";
        private String datacenter = "dc1";
        private Duration addressWait = Duration.ofSeconds(60);
        private final Map<String, ClientDef> clients = new LinkedHashMap<>();
        private boolean secured;

        private record ClientDef(String name, String host, List<ServiceSpec> services) {

            /** What its check scripts run next to it. */
            Set<String> tools() {
                Set<String> tools = new TreeSet<>();
                services.forEach(s -> tools.addAll(s.tools()));
                return tools;
            }

            /** A plain Consul image, or one with the client its role checks run. */
            Launcher.Image image() {
                Set<String> tools = tools();
                return tools.contains("redis-cli") ? Launcher.Image.CONSUL_REDIS
                        : tools.contains("mariadb") ? Launcher.Image.CONSUL_MARIADB : Launcher.Image.CONSUL;
            }

            Set<Path> scriptDirs() {
                Set<Path> dirs = new LinkedHashSet<>();
                services.forEach(s -> dirs.addAll(s.scriptDirs()));
                return dirs;
            }
        }

        private Builder() {
            super(Duration.ofSeconds(60));
        }

        /** Number of servers, 1..7; default 3. */
        public Builder servers(int servers) {
            this.servers = Checks.inRange("servers", servers, 1, 7);
            return this;
        }

        /**
         * Fixed server addresses (e.g. the seed's 127.0.0.11-13) instead of leased ones; they are
         * waited for (see {@link #addressWait}) when another fixture holds them.
         */
        public Builder serverHosts(List<String> hosts) {
            this.serverHosts = Checks.loopbackHosts("serverHosts", hosts, 1, 7);
            return this;
        }

        /** Server node names are this prefix plus 01, 02, ...; default "consul". */
        public Builder serverNamePrefix(String prefix) {
            this.serverNamePrefix = Checks.matches("serverNamePrefix", prefix, NODE_NAME);
            return this;
        }

        public Builder datacenter(String datacenter) {
            this.datacenter = Checks.matches("datacenter", datacenter, "[a-z0-9-]+");
            return this;
        }

        /** How long to wait for fixed addresses held by another fixture; default 60 s. */
        public Builder addressWait(Duration wait) {
            this.addressWait = Checks.nonNegative("addressWait", wait);
            return this;
        }

        /** A client agent without services, on a leased address. */
        public Builder clientAgent(String nodeName) {
            return addClient(nodeName, null, List.of());
        }

        /**
         * A client agent registering {@code services}. When every service carries the same address
         * (as {@link RoleChecks} specs do), the agent binds to it, i.e. it runs "on" that host like in
         * the seed; that address must then be free of other Consul agents. Otherwise it gets a leased
         * address.
         */
        public Builder clientAgent(String nodeName, List<ServiceSpec> services) {
            Objects.requireNonNull(services, "services");
            Set<String> addresses = new TreeSet<>();
            for (ServiceSpec s : services) {
                addresses.add(s.address() == null ? "" : s.address());
            }
            String host = addresses.size() == 1 && !addresses.contains("")
                    ? addresses.iterator().next() : null;
            if (host != null) {
                LoopbackAddresses.requireLoopback(host);
            }
            return addClient(nodeName, host, services);
        }

        /** A client agent bound to {@code host} (owned by the caller), registering {@code services}. */
        public Builder clientAgent(String nodeName, String host, List<ServiceSpec> services) {
            LoopbackAddresses.requireLoopback(host);
            return addClient(nodeName, host, Objects.requireNonNull(services, "services"));
        }

        private Builder addClient(String nodeName, String host, List<ServiceSpec> services) {
            Checks.matches("nodeName", nodeName, NODE_NAME);
            if (clients.containsKey(nodeName)) {
                throw new IllegalArgumentException("nodeName already used: " + nodeName);
            }
            clients.put(nodeName, new ClientDef(nodeName, host, List.copyOf(services)));
            return this;
        }

        /**
         * Secured like production Consul: certificates from {@code consul tls ca create} /
         * {@code consul tls cert create} in the fixture's temp dir; HTTPS on 8501 only (HTTP off);
         * {@code verify_incoming}, {@code verify_outgoing}, {@code verify_server_hostname}; ACLs on
         * with {@code default_policy = deny}, bootstrapped, with a read and an agent token made
         * through the API. See {@link ConsulSecurity}. Needs a consul with the {@code tls} command
         * (1.4+).
         */
        public Builder secured() {
            this.secured = true;
            return this;
        }

        /** Starts the agents and waits for a leader, every member and the registrations. */
        public ConsulCluster start() {
            int n = serverHosts != null ? serverHosts.size() : servers == null ? 3 : servers;
            List<String> serverNames = checkNames(n);
            FixtureResources resources = new FixtureResources("waymark-consul-", "ConsulCluster",
                    Launcher.Image.CONSUL, "consul");
            Launcher launcher = resources.launcher();
            return resources.start(() -> {
                long deadline = System.nanoTime() + startTimeout.toNanos();
                List<String> hosts = resources.holdAddresses(n, serverHosts, addressWait,
                        LocalConsulAgent.SERVER_PORTS);
                ConsulCertificates certs = secured ? ConsulCertificates.create(
                        ConsulCertificates.Tool.of(launcher), resources.dir().resolve("tls"), datacenter) : null;
                ConsulSecurity.TlsFiles apiTls = secured ? certs.cli() : null;
                ConsulAccess access = secured
                        ? ConsulAccess.secured(Http.tls(Pem.sslContext(apiTls.caCertificate(),
                                apiTls.clientCertificate(), apiTls.clientKey())), UUID.randomUUID().toString())
                        : ConsulAccess.plain();
                List<LocalConsulAgent> serverAgents = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    String name = serverNames.get(i);
                    serverAgents.add(new LocalConsulAgent(name, hosts.get(i), true, n, hosts, datacenter,
                            resources, startTimeout, access, secured ? certs.ca() : null,
                            secured ? certs.server(name, hosts.get(i)) : null, Launcher.Image.CONSUL,
                            scriptDirs(Set.of()), serverOptions));
                }
                List<LocalConsulAgent> clientAgents = new ArrayList<>();
                for (ClientDef c : clients.values()) {
                    String host = c.host() != null ? c.host()
                            : resources.hold(LoopbackAddresses.acquire(LocalConsulAgent.CLIENT_PORTS));
                    clientAgents.add(new LocalConsulAgent(c.name(), host, false, 0, hosts, datacenter,
                            resources, startTimeout, access, secured ? certs.ca() : null,
                            secured ? certs.clientAgent(c.name(), host) : null, c.image(),
                            scriptDirs(c.scriptDirs()), serverOptions));
                }
                resources.stopOnClose(clientAgents);
                resources.stopOnClose(serverAgents);
                ConsulCluster cluster = new ConsulCluster(serverAgents, clientAgents, resources);
                List<LocalConsulAgent> all = new ArrayList<>(serverAgents);
                all.addAll(clientAgents);
                LocalProcessNode.launchAll(all, resources);
                for (LocalConsulAgent a : all) {
                    a.awaitReady(Poll.remaining(deadline));
                }
                if (secured) {
                    // before anything else: with default deny, even the member list needs a token
                    cluster.security = ConsulSecurity.bootstrap(access, serverAgents, certs, apiTls,
                            Poll.remaining(deadline));
                }
                awaitMembers(serverAgents.get(0), serverNames, deadline);
                for (LocalConsulAgent a : clientAgents) {
                    ClientDef c = clients.get(a.nodeName());
                    for (String tool : c.tools()) {
                        launcher.requireTool(a.process(), c.image(), tool, "the check scripts of "
                                + c.services().stream().map(ServiceSpec::id).toList());
                    }
                    for (ServiceSpec s : c.services()) {
                        a.register(s);
                    }
                }
                return cluster;
            });
        }

        /**
         * What a container agent mounts read-only for its script checks: {@code dirs} and the temp
         * dir, where scripts of checks registered later usually are (a container's mounts are fixed
         * when it is created).
         */
        private static List<Path> scriptDirs(Set<Path> dirs) {
            Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath().normalize();
            List<Path> out = new ArrayList<>(List.of(tmp));
            for (Path d : dirs) {
                if (!d.toAbsolutePath().normalize().startsWith(tmp)) {
                    out.add(d);
                }
            }
            return out;
        }

        /** The server names; fails on a clash of the settings before anything starts. */
        private List<String> checkNames(int n) {
            if (serverHosts != null && servers != null && servers != serverHosts.size()) {
                throw new IllegalStateException("servers(" + servers + ") conflicts with serverHosts "
                        + serverHosts);
            }
            List<String> serverNames = new ArrayList<>();
            for (int i = 1; i <= n; i++) {
                serverNames.add(String.format("%s%02d", serverNamePrefix, i));
            }
            for (String name : serverNames) {
                if (clients.containsKey(name)) {
                    throw new IllegalStateException("client agent name clashes with a server: " + name);
                }
            }
            Set<String> clientHosts = new HashSet<>();
            for (ClientDef c : clients.values()) {
                if (c.host() != null && !clientHosts.add(c.host())) {
                    throw new IllegalStateException("two client agents on " + c.host());
                }
                if (c.host() != null && serverHosts != null && serverHosts.contains(c.host())) {
                    throw new IllegalStateException("client agent " + c.name() + " on server host "
                            + c.host());
                }
            }
            return serverNames;
        }

        /** Waits until {@code first} sees every server and client agent alive. */
        private void awaitMembers(LocalConsulAgent first, List<String> serverNames, long deadline) {
            Set<String> expected = new TreeSet<>(serverNames);
            expected.addAll(clients.keySet());
            AtomicReference<Set<String>> seen = new AtomicReference<>(Set.of());
            Poll.until(Poll.remaining(deadline), Duration.ofMillis(200), () -> {
                seen.set(first.aliveMembers());
                return seen.get().containsAll(expected);
            }, () -> "expected alive members " + expected + ", saw " + seen.get());
        }
    }
}
