package io.waymark.spring.boot;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
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

    /**
     * The Consul connection: every setting of discovery-core's ConsulProperty by its kebab-case key
     * (agent, token, token-file, ca-cert, client-cert, client-key, tls-server-name, mode...), handed to
     * ConsulDiscoveryBuilder.property as text, so that Spring, JDBC URLs and code share one parser.
     * The keys agents and dns-agents are accepted for agent and dns-agent; a list (YAML) is joined with
     * commas.
     */
    private final Map<String, String> consul = new LinkedHashMap<>();
    private final Health health = new Health();
    private final Redis redis = new Redis();

    public Map<String, String> getConsul() {
        return consul;
    }

    public Health getHealth() {
        return health;
    }

    public Redis getRedis() {
        return redis;
    }

    /** How the health indicators judge ({@code waymark.health.*}). */
    public static class Health {

        /**
         * How long an answer may be served stale before the waymark-discovery health indicator reports
         * DOWN; stale answers are still served (Consul unreachable is not the application's failure).
         */
        private Duration maxStaleness = Duration.ofSeconds(60);

        public Duration getMaxStaleness() {
            return maxStaleness;
        }

        public void setMaxStaleness(Duration maxStaleness) {
            this.maxStaleness = maxStaleness;
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
