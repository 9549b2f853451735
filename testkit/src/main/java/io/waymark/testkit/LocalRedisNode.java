package io.waymark.testkit;

import io.waymark.testkit.internal.Poll;
import io.waymark.testkit.internal.Resp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A redis-server (a local process or a container); its config file, holding the password, is
 * readable by its owner only.
 *
 * <p>Threading: thread-safe.
 */
final class LocalRedisNode extends LocalProcessNode implements RedisNode {

    private final String password;
    private final Path conf;
    /** "host port" of the master this node replicates, null for a master; used at (re)start. */
    private volatile String upstream;

    /** @param options the caller's, "--name value" (redis-server's command-line form) */
    LocalRedisNode(String name, String host, int port, String password, FixtureResources resources,
            Duration clusterNodeTimeout, Duration readyTimeout, List<String> options) {
        super(Kind.REDIS, name, host, port, resources, readyTimeout, options);
        this.password = password;
        Path dir = dir();
        this.conf = dir.resolve("redis.conf");
        StringBuilder c = new StringBuilder();
        c.append("bind ").append(host).append('\n');
        c.append("port ").append(port).append('\n');
        c.append("daemonize no\n");
        c.append("logfile \"\"\n");
        c.append("dir ").append(dir).append('\n');
        c.append("save \"\"\n");
        c.append("appendonly no\n");
        c.append("requirepass \"").append(password).append("\"\n");
        c.append("masterauth \"").append(password).append("\"\n");
        // INFO on the master lists replicas by this address, not by the 127.0.0.1 they connect from
        c.append("replica-announce-ip ").append(host).append('\n');
        c.append("repl-diskless-sync-delay 0\n");
        if (clusterNodeTimeout != null) {
            c.append("cluster-enabled yes\n");
            c.append("cluster-announce-ip ").append(host).append('\n');
            c.append("cluster-config-file ").append(dir.resolve("nodes.conf")).append('\n');
            c.append("cluster-node-timeout ").append(clusterNodeTimeout.toMillis()).append('\n');
        }
        try {
            Files.createDirectories(dir);
            Files.writeString(conf, "");
            Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(conf, c.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the config of redis " + name, e);
        }
    }

    @Override
    List<String> command() {
        List<String> cmd = new ArrayList<>(List.of(binary(), conf.toString()));
        String up = upstream;
        if (up != null) {
            cmd.add("--replicaof");
            cmd.addAll(List.of(up.split(" ")));
        }
        return cmd;
    }

    void upstream(RedisNode master) {
        this.upstream = master == null ? null : master.host() + " " + master.port();
    }

    @Override
    public String role() {
        Object r = call("ROLE");
        return String.valueOf(((List<?>) r).get(0));
    }

    /** Runs one command with AUTH. */
    Object call(String... args) {
        return Resp.call(host(), port(), password, args);
    }

    /** Runs one command with AUTH, giving up after {@code timeout}: a probe. */
    Object callWithin(Duration timeout, String... args) {
        return Resp.call(host(), port(), password, timeout, args);
    }

    String info(String section) {
        return String.valueOf(call("INFO", section));
    }

    String infoField(String section, String field) {
        return Resp.infoField(info(section), field);
    }

    @Override
    void awaitReady(Duration timeout) {
        pollWhileRunning(timeout, Duration.ofMillis(100), () -> "PONG".equals(String.valueOf(call("PING"))),
                process()::describe);
    }

    /** Waits until this replica's link to its master is up. */
    void awaitLinkUp(Duration timeout) {
        Poll.until(timeout, Duration.ofMillis(100),
                () -> "up".equals(infoField("replication", "master_link_status")),
                () -> "replica " + address() + " did not sync; " + process().describe());
    }

    @Override
    public String toString() {
        return "RedisNode[" + address() + " pid " + pid() + "]";
    }
}
