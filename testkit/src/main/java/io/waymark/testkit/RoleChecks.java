package io.waymark.testkit;

import io.waymark.testkit.internal.Reaper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Consul service registrations with the seed's role script checks, to put Consul client agents in
 * front of fixtures: a "master"/"primary" service passing only while the node is the writable
 * one, a "slave"/"replica" service passing only while it is a replica. Give them to
 * {@link ConsulCluster.Builder#clientAgent(String, List)}, which then binds the agent to the
 * node's own address, as the seed runs one agent per host.
 *
 * <p>The check scripts are written once per JVM into a temp dir removed at JVM exit. They run the
 * Redis or MariaDB client next to the agent: installed locally on the processes backend, in the
 * agent's image on the containers backend (see {@link Backend} for the images).
 *
 * <p>Threading: thread-safe.
 */
public final class RoleChecks {

    /**
     * The client comes from the agent's PATH plus the usual dirs, so one script serves a local agent
     * and one in a container (whose image has the client, see {@link Backend}).
     */
    private static final String PATH =
            "PATH=\"$PATH:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"\n";

    private static volatile Path scriptDir;

    private RoleChecks() {}

    /**
     * The seed's two Redis services for {@code node}: {@code masterService} (tag "master") passing
     * while INFO replication says role:master, {@code replicaService} (tag "slave") while it says
     * role:slave. Service ids equal the names.
     */
    public static List<ServiceSpec> redis(RedisNode node, String password, String masterService,
            String replicaService, Duration interval) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(password, "password");
        return roleServices(node.host(), node.port(), script("check_role.sh", redisScript()), "redis-cli",
                interval, masterService, List.of(password, "master"), replicaService, List.of(password, "slave"));
    }

    /**
     * Two MariaDB services for {@code node}: {@code primaryService} (tag "master") passing while
     * {@code SELECT @@read_only} is 0, {@code replicaService} (tag "slave") while it is 1. The user
     * needs no privilege for that query: the application user will do.
     */
    public static List<ServiceSpec> mariadb(MariaDbNode node, String user, String password,
            String primaryService, String replicaService, Duration interval) {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(password, "password");
        return roleServices(node.host(), node.port(), script("check_read_only.sh", mariadbScript()),
                "mariadb", interval, primaryService, List.of(user, password, "0"), replicaService,
                List.of(user, password, "1"));
    }

    /**
     * The writable service (tag "master") and the replica service (tag "slave") on host:port, each
     * checked by {@code script host port} and its own further arguments.
     */
    private static List<ServiceSpec> roleServices(String host, int port, Path script, String tool,
            Duration interval, String writableService, List<String> writableArgs, String replicaService,
            List<String> replicaArgs) {
        return List.of(roleService(host, port, script, tool, interval, writableService, "master", writableArgs),
                roleService(host, port, script, tool, interval, replicaService, "slave", replicaArgs));
    }

    private static ServiceSpec roleService(String host, int port, Path script, String tool,
            Duration interval, String service, String tag, List<String> args) {
        List<String> argv = new ArrayList<>(List.of(host, String.valueOf(port)));
        argv.addAll(args);
        return ServiceSpec.builder(service).id(service).tags(tag).address(host).port(port)
                .scriptCheck(interval, script.toString(), argv.toArray(String[]::new)).requires(tool).build();
    }

    private static String redisScript() {
        return "#!/bin/sh\n"
                + "# check_role.sh HOST PORT AUTH ROLE: exit 0 when the Redis at HOST:PORT has ROLE\n"
                + PATH
                + "n=$(REDISCLI_AUTH=\"$3\" timeout 5 redis-cli"
                + " -h \"$1\" -p \"$2\" --no-auth-warning INFO replication 2>/dev/null"
                + " | grep -c \"role:$4\")\n"
                + "[ \"$n\" -eq 1 ] || exit 2\n";
    }

    private static String mariadbScript() {
        return "#!/bin/sh\n"
                + "# check_read_only.sh HOST PORT USER PASSWORD EXPECTED: exit 0 when @@read_only is EXPECTED\n"
                + PATH
                + "v=$(MYSQL_PWD=\"$4\" timeout 5 mariadb"
                + " --no-defaults --connect-timeout=2 -h \"$1\" -P \"$2\" -u \"$3\" -N -B"
                + " -e 'SELECT @@read_only' 2>/dev/null)\n"
                + "[ \"$v\" = \"$5\" ] || exit 2\n";
    }

    private static synchronized Path script(String name, String content) {
        try {
            if (scriptDir == null || !Files.isDirectory(scriptDir)) {
                scriptDir = Reaper.tempDir("waymark-rolechecks-");
            }
            Path file = scriptDir.resolve(name);
            if (!Files.exists(file)) {
                Path tmp = scriptDir.resolve(name + ".tmp");
                Files.writeString(tmp, content);
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.move(tmp, file);
            }
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the role check script " + name, e);
        }
    }
}
