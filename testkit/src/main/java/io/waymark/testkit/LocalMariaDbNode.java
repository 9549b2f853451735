package io.waymark.testkit;

import io.waymark.testkit.internal.Commands;
import io.waymark.testkit.internal.Reaper;
import io.waymark.testkit.internal.ServerProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * A mariadbd (a local process or a container) with its own data dir, socket and pid file;
 * controlled over JDBC as a root user for 127.x, bootstrapped through the socket.
 *
 * <p>Threading: thread-safe.
 */
final class LocalMariaDbNode extends LocalProcessNode implements MariaDbNode {

    private final Path socket;
    private final int serverId;
    private final String rootPassword;
    /** Whether a (re)start passes --read-only: replicas must not come back writable. */
    private volatile boolean readOnly;

    /** @param options the caller's, "--name=value"; for mariadbd, not for mariadb-install-db */
    LocalMariaDbNode(String name, String host, int port, int serverId, FixtureResources resources,
            String rootPassword, Duration readyTimeout, List<String> options) {
        super(Kind.MARIADB, name, host, port, resources, readyTimeout, options);
        this.serverId = serverId;
        this.rootPassword = rootPassword;
        this.socket = dir().resolve("mysqld.sock");
    }

    @Override
    List<String> command() {
        List<String> cmd = new ArrayList<>(List.of(binary(), "--no-defaults",
                "--datadir=" + dir().resolve("data"), "--bind-address=" + host(), "--port=" + port(),
                "--socket=" + socket, "--pid-file=" + dir().resolve("mysqld.pid"),
                "--user=root", "--server-id=" + serverId, "--log-bin=" + dir().resolve("binlog"),
                "--relay-log=" + dir().resolve("relay"), "--log-slave-updates", "--binlog-format=ROW",
                "--skip-name-resolve", "--performance-schema=OFF", "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=16M", "--innodb-use-native-aio=0", "--max-connections=200",
                "--tmpdir=" + dir()));
        if (readOnly) {
            cmd.add("--read-only");
        }
        return cmd;
    }

    void readOnlyAtStart(boolean readOnly) {
        this.readOnly = readOnly;
    }

    /** Starts mariadb-install-db; returns the running installer to wait on. */
    ServerProcess install() {
        try {
            Files.createDirectories(dir());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir(), e);
        }
        List<String> cmd = List.of(launcher().binary("mariadb-install-db"), "--no-defaults",
                "--datadir=" + dir().resolve("data"), "--auth-root-authentication-method=normal",
                "--skip-test-db", "--user=root", "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=16M", "--innodb-use-native-aio=0");
        // a server of its own, so that a JVM exit mid-install stops it before the dir is deleted
        ServerProcess installer = launcher().server("mariadb-install-db " + address(), Launcher.Image.MARIADB,
                () -> cmd, dir(), dir().resolve("install.log"), Launcher.Mounts.NONE);
        installer.start();
        return installer;
    }

    /** Starts the installers of {@code nodes}, in parallel on the containers backend. */
    static List<ServerProcess> installAll(List<LocalMariaDbNode> nodes, FixtureResources resources) {
        ServerProcess[] out = new ServerProcess[nodes.size()];
        List<Runnable> starts = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            int k = i;
            starts.add(() -> out[k] = nodes.get(k).install());
        }
        if (resources.launcher().backend() == Backend.PROCESSES) {
            starts.forEach(Runnable::run);
        } else {
            Parallel.run(starts, "waymark-testkit-install");
        }
        return List.of(out);
    }

    /** Waits for the installer; a failed install is retried once on a fresh data dir. */
    void awaitInstalled(ServerProcess installer, Duration timeout) {
        Integer exit = installer.awaitExit(timeout);
        if (exit != null && exit != 0) {
            String first = errors(installer.log());
            Reaper.deleteDir(dir().resolve("data"));
            installer.start();
            exit = installer.awaitExit(timeout);
            if (exit != null && exit != 0) {
                throw new IllegalStateException("mariadb-install-db for " + address() + " failed twice"
                        + " (exit " + exit + "); first attempt:\n" + first + "second attempt:\n"
                        + errors(installer.log()) + installer.logTail(20));
            }
        }
        if (exit == null) {
            throw new IllegalStateException("mariadb-install-db for " + address() + " timed out:\n"
                    + installer.logTail(40));
        }
    }

    private static String errors(Path log) {
        try {
            StringBuilder sb = new StringBuilder();
            Files.readAllLines(log).stream().filter(l -> l.contains("ERROR") || l.contains("rror:"))
                    .limit(15).forEach(l -> sb.append("  | ").append(l).append('\n'));
            return sb.toString();
        } catch (IOException e) {
            return "(cannot read " + log + ")\n";
        }
    }

    /**
     * Runs {@code sql} as root@localhost over the socket (before the TCP root user exists), with the
     * client next to the server (a local process, or an exec in its container).
     */
    void bootstrap(String sql, Duration timeout) {
        String client = launcher().binary("mariadb");
        List<String> base = List.of(client, "--no-defaults", "-S", socket.toString(), "-u", "root");
        pollWhileRunning(timeout, Duration.ofMillis(200), () -> {
            List<String> ping = new ArrayList<>(base);
            ping.addAll(List.of("-N", "-B", "-e", "SELECT 1"));
            return process().exec(ping, dir(), Duration.ofSeconds(10)).exit() == 0;
        }, process()::describe);
        // the SQL holds passwords: from an owner-only file, never on a command line
        Path file = dir().resolve("bootstrap.sql");
        try {
            Files.writeString(file, "");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            Files.writeString(file, sql);
            List<String> run = new ArrayList<>(base);
            run.addAll(List.of("-e", "source " + file));
            Commands.Result r = process().exec(run, dir(), Duration.ofSeconds(30));
            if (r.exit() != 0) {
                throw new IllegalStateException("bootstrap SQL failed on " + address() + ": " + r.output().trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // deleted with the fixture dir on close
            }
        }
    }

    /** Connects as root with the fixture's default timeouts (3 s connect, 15 s per statement). */
    Connection connect() throws SQLException {
        return connect(Duration.ofSeconds(3), Duration.ofSeconds(15));
    }

    private Connection connect(Duration connectTimeout, Duration socketTimeout) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "root");
        p.setProperty("password", rootPassword);
        p.setProperty("connectTimeout", String.valueOf(connectTimeout.toMillis()));
        p.setProperty("socketTimeout", String.valueOf(socketTimeout.toMillis()));
        return DriverManager.getConnection("jdbc:mariadb://" + address() + "/", p);
    }

    /** Runs statements as root. */
    void execute(String... statements) {
        executeWithin(null, statements);
    }

    /** Like {@link #execute}, giving up after {@code timeout} (null: the defaults). */
    void executeWithin(Duration timeout, String... statements) {
        withStatement(timeout, s -> {
            for (String sql : statements) {
                s.execute(sql);
            }
            return null;
        });
    }

    /** First column of the first row, or null. */
    String queryString(String sql) {
        return queryStringWithin(null, sql);
    }

    /** Like {@link #queryString}, giving up after {@code timeout} (null: the defaults): a probe. */
    String queryStringWithin(Duration timeout, String sql) {
        return withStatement(timeout, s -> {
            try (ResultSet rs = s.executeQuery(sql)) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }

    /** The first row by column label, empty when none. */
    Map<String, String> queryRow(String sql) {
        return queryRowWithin(null, sql);
    }

    /** Like {@link #queryRow}, giving up after {@code timeout} (null: the defaults). */
    Map<String, String> queryRowWithin(Duration timeout, String sql) {
        return withStatement(timeout, s -> {
            try (ResultSet rs = s.executeQuery(sql)) {
                Map<String, String> row = new LinkedHashMap<>();
                if (rs.next()) {
                    ResultSetMetaData md = rs.getMetaData();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        row.put(md.getColumnLabel(i), rs.getString(i));
                    }
                }
                return row;
            }
        });
    }

    private interface SqlWork<T> {
        T run(Statement s) throws SQLException;
    }

    /** Runs {@code work} on a fresh root connection, as a statement of its own. */
    private <T> T withStatement(Duration timeout, SqlWork<T> work) {
        try (Connection c = timeout == null ? connect() : connect(timeout, timeout);
                Statement s = c.createStatement()) {
            return work.run(s);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL on " + address() + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    void awaitReady(Duration timeout) {
        pollWhileRunning(timeout, Duration.ofMillis(200), () -> "1".equals(queryString("SELECT 1")),
                process()::describe);
    }

    @Override
    public boolean isReadOnly() {
        return "1".equals(queryString("SELECT @@read_only"));
    }

    @Override
    public String toString() {
        return "MariaDbNode[" + address() + " pid " + pid() + "]";
    }
}
