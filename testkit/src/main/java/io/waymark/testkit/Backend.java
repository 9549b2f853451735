package io.waymark.testkit;

import io.waymark.testkit.internal.Binaries;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What runs a fixture's servers. The fixture API is the same on both; what differs is listed in
 * the testkit README ("Backends").
 *
 * <p>Chosen per fixture when it starts, by {@value #PROPERTY} (system property) or
 * {@value #ENVIRONMENT} (environment variable; the property wins): {@code processes} or
 * {@code containers}. Unset: {@link #PROCESSES} when every binary the fixture needs is installed,
 * else {@link #CONTAINERS} when a Docker engine answers, else the start fails naming both ways.
 *
 * <p>Images of the containers backend, each a system property or its environment variable:
 *
 * <table>
 *   <caption>images</caption>
 *   <tr><th>property / variable</th><th>default</th><th>needs</th></tr>
 *   <tr><td>{@code waymark.testkit.image.consul} / {@code WAYMARK_TESTKIT_IMAGE_CONSUL}</td>
 *       <td>{@value #DEFAULT_CONSUL_IMAGE}</td><td>/bin/consul</td></tr>
 *   <tr><td>{@code waymark.testkit.image.redis} / {@code WAYMARK_TESTKIT_IMAGE_REDIS}</td>
 *       <td>{@value #DEFAULT_REDIS_IMAGE}</td><td>redis-server, redis-cli</td></tr>
 *   <tr><td>{@code waymark.testkit.image.mariadb} / {@code WAYMARK_TESTKIT_IMAGE_MARIADB}</td>
 *       <td>{@value #DEFAULT_MARIADB_IMAGE}</td><td>mariadbd, mariadb-install-db, mariadb</td></tr>
 *   <tr><td>{@code waymark.testkit.image.consul-redis} / {@code WAYMARK_TESTKIT_IMAGE_CONSUL_REDIS}</td>
 *       <td>built: the Redis image plus the Consul image's /bin/consul</td>
 *       <td>consul, redis-cli, sh, grep, timeout (Consul agents with {@link RoleChecks#redis})</td></tr>
 *   <tr><td>{@code waymark.testkit.image.consul-mariadb} / {@code WAYMARK_TESTKIT_IMAGE_CONSUL_MARIADB}</td>
 *       <td>built: the MariaDB image plus the Consul image's /bin/consul</td>
 *       <td>consul, mariadb, sh, timeout (agents with {@link RoleChecks#mariadb})</td></tr>
 * </table>
 *
 * <p>Threading: immutable.
 */
public enum Backend {

    /** Local processes on 127.0.0.x, binaries from the PATH (scripts/install-prereqs). */
    PROCESSES,

    /**
     * Testcontainers: one container per server on the host network, each still on its own
     * 127.0.0.x address, the fixture's dir bind-mounted at its own path. Needs a Docker engine
     * ({@code DOCKER_HOST}) and the images above.
     */
    CONTAINERS;

    /** System property naming the backend: {@code processes} or {@code containers}. */
    public static final String PROPERTY = "waymark.testkit.backend";
    /** Environment variable naming the backend, when the property is unset. */
    public static final String ENVIRONMENT = "WAYMARK_TESTKIT_BACKEND";
    /** The Consul image unless configured. */
    public static final String DEFAULT_CONSUL_IMAGE = "hashicorp/consul:1.8.7";
    /** The Redis image unless configured. */
    public static final String DEFAULT_REDIS_IMAGE = "redis:7.0.15";
    /** The MariaDB image unless configured. */
    public static final String DEFAULT_MARIADB_IMAGE = "mariadb:10.11";

    /** The backend for {@code fixture}, which needs {@code binaries} on the processes backend. */
    static Backend select(String fixture, List<String> binaries) {
        return select(fixture, binaries, setting(PROPERTY, ENVIRONMENT), b -> Binaries.find(b) != null,
                () -> io.waymark.testkit.internal.Docker.problem());
    }

    /**
     * The rules, with the lookups injected.
     *
     * @param setting the configured name, or null
     * @param installed whether a binary is installed
     * @param dockerProblem why no Docker engine answers, or null when one does
     */
    static Backend select(String fixture, List<String> binaries, String setting,
            Predicate<String> installed, Supplier<String> dockerProblem) {
        if (setting != null && !setting.isBlank()) {
            for (Backend b : values()) {
                if (b.settingName().equals(setting.trim().toLowerCase(Locale.ROOT))) {
                    return b;
                }
            }
            throw new IllegalArgumentException(PROPERTY + " (or " + ENVIRONMENT + ") must be processes or "
                    + "containers: " + setting);
        }
        List<String> missing = new ArrayList<>();
        for (String b : binaries) {
            if (!installed.test(b)) {
                missing.add(b);
            }
        }
        if (missing.isEmpty()) {
            return PROCESSES;
        }
        String problem;
        try {
            problem = dockerProblem.get();
        } catch (LinkageError e) {
            problem = "Testcontainers is not on the classpath (" + e + ")";
        }
        if (problem == null) {
            return CONTAINERS;
        }
        throw new IllegalStateException(fixture + " has no backend to run on. Processes: " + missing
                + " not installed (scripts/install-prereqs installs consul, redis-server, redis-tools, "
                + "mariadb-server, mariadb-client). Containers: no Docker engine answered: " + problem
                + " (start one and set DOCKER_HOST; scripts/start-docker here). Choose with -D" + PROPERTY
                + "=processes|containers or " + ENVIRONMENT + ".");
    }

    /** The name {@value #PROPERTY} takes for it. */
    String settingName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The system property {@code property}, else the environment variable {@code env}, else null. */
    static String setting(String property, String env) {
        String v = System.getProperty(property);
        if (v == null || v.isBlank()) {
            v = System.getenv(env);
        }
        return v == null || v.isBlank() ? null : v.trim();
    }
}
