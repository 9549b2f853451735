package io.waymark.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code waymark.*} properties. Values are checked when the beans are built, by the same
 * checks the builders make; a bad value stops startup with a failure analysis that names the
 * property ({@link InvalidWaymarkPropertyException}).
 *
 * <p><b>Threading:</b> bound once at startup, then only read.
 */
@ConfigurationProperties(prefix = "waymark")
public class WaymarkProperties {

    private final Consul consul = new Consul();
    private final Redis redis = new Redis();

    public Consul getConsul() {
        return consul;
    }

    public Redis getRedis() {
        return redis;
    }

    /** The Consul agents and how to ask them ({@code waymark.consul.*}). */
    public static class Consul {

        /**
         * Agents' HTTP addresses, host:port or http(s)://host:port, tried in order (a watch moves to the
         * next one when its agent fails). Default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500.
         */
        private List<String> agents = new ArrayList<>();

        /** ACL token sent as X-Consul-Token. Default: CONSUL_HTTP_TOKEN. Never logged. */
        private String token;

        /** How names are resolved: http (blocking queries, the default) or dns (the agent's DNS interface, polled). */
        private String mode = "http";

        /** Agents' DNS addresses host:port for mode dns; default each agent's host, port 8600. */
        private List<String> dnsAgents = new ArrayList<>();

        /** How long the first lookup of a name may block. */
        private Duration resolveTimeout;

        /** How long a request to an agent may take. */
        private Duration requestTimeout;

        /**
         * How long an answer may be served stale before the waymark-discovery health indicator reports
         * DOWN; stale answers are still served (Consul unreachable is not the application's failure).
         */
        private Duration healthMaxStaleness = Duration.ofSeconds(60);

        public List<String> getAgents() {
            return agents;
        }

        public void setAgents(List<String> agents) {
            this.agents = agents;
        }

        public String getToken() {
            return token;
        }

        public void setToken(String token) {
            this.token = token;
        }

        public String getMode() {
            return mode;
        }

        public void setMode(String mode) {
            this.mode = mode;
        }

        public List<String> getDnsAgents() {
            return dnsAgents;
        }

        public void setDnsAgents(List<String> dnsAgents) {
            this.dnsAgents = dnsAgents;
        }

        public Duration getResolveTimeout() {
            return resolveTimeout;
        }

        public void setResolveTimeout(Duration resolveTimeout) {
            this.resolveTimeout = resolveTimeout;
        }

        public Duration getRequestTimeout() {
            return requestTimeout;
        }

        public void setRequestTimeout(Duration requestTimeout) {
            this.requestTimeout = requestTimeout;
        }

        public Duration getHealthMaxStaleness() {
            return healthMaxStaleness;
        }

        public void setHealthMaxStaleness(Duration healthMaxStaleness) {
            this.healthMaxStaleness = healthMaxStaleness;
        }

        @Override
        public String toString() {
            return "Consul{agents=" + agents + ", token=" + (token == null ? "none" : "****") + ", mode=" + mode + "}";
        }
    }

    /** The Redis servers found in Consul ({@code waymark.redis.*}); configured when any of them is set. */
    public static class Redis {

        /** Whether the Redis beans are created when waymark.redis.* properties are present. */
        private boolean enabled = true;

        /** Consul name of the masters, e.g. w-master-redis-8888.service.consul. Required. */
        private String writeService;

        /** Consul name of the replicas; without it, reads go to the master. */
        private String readService;

        /** ACL user name (Redis 6+); needs a password. */
        private String username;

        /** Password (AUTH). Never logged. */
        private String password;

        /** Where reads go: master, master-preferred, replica, replica-preferred (default with a read service) or any. */
        private String readPolicy;

        /** How long a write that certainly did not run is retried while a new master is found; 0 disables retries. */
        private Duration failoverBudget;

        /** How long a command may wait for its reply. */
        private Duration commandTimeout;

        /** How long a connect may take. */
        private Duration connectTimeout;

        /** How often every node is asked for its ROLE besides Consul's changes. */
        private Duration healthCheckInterval;

        /** standalone, cluster or auto (ask the nodes, the default). */
        private String topology = "auto";

        /** Database index (standalone only). */
        private int database;

        /** CLIENT SETNAME on every connection. */
        private String clientName;

        /** TLS to every node. */
        private boolean ssl;

        /** Whether the server certificate is checked with TLS. */
        private boolean verifyPeer = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getWriteService() {
            return writeService;
        }

        public void setWriteService(String writeService) {
            this.writeService = writeService;
        }

        public String getReadService() {
            return readService;
        }

        public void setReadService(String readService) {
            this.readService = readService;
        }

        public String getUsername() {
            return username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public String getReadPolicy() {
            return readPolicy;
        }

        public void setReadPolicy(String readPolicy) {
            this.readPolicy = readPolicy;
        }

        public Duration getFailoverBudget() {
            return failoverBudget;
        }

        public void setFailoverBudget(Duration failoverBudget) {
            this.failoverBudget = failoverBudget;
        }

        public Duration getCommandTimeout() {
            return commandTimeout;
        }

        public void setCommandTimeout(Duration commandTimeout) {
            this.commandTimeout = commandTimeout;
        }

        public Duration getConnectTimeout() {
            return connectTimeout;
        }

        public void setConnectTimeout(Duration connectTimeout) {
            this.connectTimeout = connectTimeout;
        }

        public Duration getHealthCheckInterval() {
            return healthCheckInterval;
        }

        public void setHealthCheckInterval(Duration healthCheckInterval) {
            this.healthCheckInterval = healthCheckInterval;
        }

        public String getTopology() {
            return topology;
        }

        public void setTopology(String topology) {
            this.topology = topology;
        }

        public int getDatabase() {
            return database;
        }

        public void setDatabase(int database) {
            this.database = database;
        }

        public String getClientName() {
            return clientName;
        }

        public void setClientName(String clientName) {
            this.clientName = clientName;
        }

        public boolean isSsl() {
            return ssl;
        }

        public void setSsl(boolean ssl) {
            this.ssl = ssl;
        }

        public boolean isVerifyPeer() {
            return verifyPeer;
        }

        public void setVerifyPeer(boolean verifyPeer) {
            this.verifyPeer = verifyPeer;
        }

        @Override
        public String toString() {
            return "Redis{writeService=" + writeService + ", readService=" + readService + ", password="
                    + (password == null ? "none" : "****") + ", readPolicy=" + readPolicy + "}";
        }
    }
}
