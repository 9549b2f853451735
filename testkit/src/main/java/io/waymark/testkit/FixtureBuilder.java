package io.waymark.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What every fixture's builder takes: the bound of its start and the caller's server options.
 *
 * <p>Threading: not thread-safe, like the builders.
 *
 * @param <B> the builder itself, which each setter returns
 */
abstract class FixtureBuilder<B extends FixtureBuilder<B>> {

    Duration startTimeout;
    final List<String> serverOptions = new ArrayList<>();

    FixtureBuilder(Duration startTimeout) {
        this.startTimeout = startTimeout;
    }

    /**
     * Bound of the whole start: every server up and the fixture ready. Defaults: 30 s for
     * {@link RedisReplication}, 60 s for {@link RedisCluster} and {@link ConsulCluster}, 120 s for
     * {@link MariaDbReplication}.
     */
    public B startTimeout(Duration timeout) {
        this.startTimeout = Checks.positive("startTimeout", timeout);
        return self();
    }

    /**
     * An extra option on the command line of every server of the fixture, after the fixture's own
     * (so it wins where the server takes the last of a repeated setting), at every start and
     * restart, on both backends. One option per call, in the server's own command-line form:
     * <ul>
     *   <li>{@code mariadbd}: {@code "--name=value"}, e.g. {@code "--secure-file-priv=/some/dir"}
     *       (not passed to {@code mariadb-install-db});
     *   <li>{@code redis-server}: {@code "--name value"}, the value in the same string, e.g.
     *       {@code "--maxmemory-policy allkeys-lru"};
     *   <li>{@code consul agent}: {@code "--name=value"}, on every agent, servers and client agents
     *       alike, e.g. {@code "--node-meta=rack:r1"}.
     * </ul>
     * An absolute path an option names that exists on this host is mounted at its own path
     * (read-write) on the containers backend, so the option means the same there; any other path
     * is the one in the server's image. Options show in the process list: no secrets.
     *
     * @throws IllegalArgumentException unless it starts with {@code --} and holds no line break
     */
    public B serverOption(String option) {
        serverOptions.add(Checks.serverOption(option));
        return self();
    }

    @SuppressWarnings("unchecked") // B is the subclass itself
    final B self() {
        return (B) this;
    }
}
