package io.waymark.testkit;

import io.waymark.testkit.internal.Binaries;
import io.waymark.testkit.internal.Commands;
import io.waymark.testkit.internal.ManagedProcess;
import io.waymark.testkit.internal.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Runs a fixture's servers on its {@link Backend}: the one place that knows whether a server is a
 * local process or a container. Nodes build their command lines with {@link #binary} and the
 * fixture dir's absolute paths, which mean the same on both (the containers backend mounts the dir
 * at its own path).
 *
 * <p>Threading: thread-safe.
 */
abstract class Launcher {

    /** What a server or a tool runs from: an image on the containers backend. */
    enum Image {
        CONSUL("consul"), REDIS("redis"), MARIADB("mariadb"),
        /** A Consul agent with redis-cli beside it, for {@link RoleChecks#redis}. */
        CONSUL_REDIS("consul-redis"),
        /** A Consul agent with the mariadb client beside it, for {@link RoleChecks#mariadb}. */
        CONSUL_MARIADB("consul-mariadb");

        final String key;

        Image(String key) {
            this.key = key;
        }
    }

    final String fixture;

    Launcher(String fixture) {
        this.fixture = fixture;
    }

    /**
     * The launcher for {@code fixture} (e.g. "RedisReplication") working in {@code dir}, on the
     * backend {@link Backend#select} picks given the {@code binaries} it needs as processes.
     */
    static Launcher of(String fixture, Path dir, List<String> binaries) {
        Backend b = Backend.select(fixture, binaries);
        return b == Backend.PROCESSES ? new Processes(fixture) : new ContainerLauncher(fixture, dir);
    }

    abstract Backend backend();

    /** The first element of a command running {@code name}: a resolved path, or the name in the image. */
    abstract String binary(String name);

    /**
     * Host paths a server uses beyond the fixture's dir, mounted at their own path on the containers
     * backend so that they mean the same on both.
     *
     * @param readWrite paths its options name (e.g. {@code --secure-file-priv=/some/dir})
     * @param readOnly dirs it reads (check scripts)
     */
    record Mounts(List<Path> readWrite, List<Path> readOnly) {
        static final Mounts NONE = new Mounts(List.of(), List.of());

        Mounts {
            readWrite = List.copyOf(readWrite);
            readOnly = List.copyOf(readOnly);
        }
    }

    /** A server: {@code command} is evaluated at each start; its output goes to {@code log}. */
    abstract ServerProcess server(String name, Image image, Supplier<List<String>> command, Path workDir,
            Path log, Mounts mounts);

    /** Releases what it keeps for the fixture's life (helper containers); servers are stopped apart. */
    void close() {}

    /** Runs a short-lived tool (e.g. {@code consul tls}) from {@code image} in {@code dir}. */
    abstract Commands.Result runOnce(Image image, List<String> command, Path dir, Duration timeout);

    /** What runs {@code image}'s servers, for messages: "image redis:7" or "local binaries". */
    abstract String describe(Image image);

    /**
     * Fails naming {@code agent}, its image and what to do unless {@code tool} is there for the
     * check scripts of {@code agent}.
     */
    abstract void requireTool(ServerProcess agent, Image image, String tool, String why);

    /** Local processes. */
    static final class Processes extends Launcher {

        Processes(String fixture) {
            super(fixture);
        }

        @Override
        Backend backend() {
            return Backend.PROCESSES;
        }

        @Override
        String binary(String name) {
            return Binaries.require(name);
        }

        @Override
        ServerProcess server(String name, Image image, Supplier<List<String>> command, Path workDir, Path log,
                Mounts mounts) {
            return new ManagedProcess(name, command, workDir, log, Map.of());
        }

        @Override
        Commands.Result runOnce(Image image, List<String> command, Path dir, Duration timeout) {
            List<String> cmd = new ArrayList<>(command);
            cmd.set(0, binary(cmd.get(0)));
            return Commands.run(cmd, dir, timeout);
        }

        @Override
        String describe(Image image) {
            return "local processes";
        }

        @Override
        void requireTool(ServerProcess agent, Image image, String tool, String why) {
            Binaries.require(tool);
        }
    }
}
