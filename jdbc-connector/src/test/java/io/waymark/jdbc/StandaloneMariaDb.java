package io.waymark.jdbc;

import io.waymark.testkit.LoopbackAddresses;
import io.waymark.testkit.internal.Binaries;
import io.waymark.testkit.internal.ManagedProcess;
import io.waymark.testkit.internal.Poll;
import io.waymark.testkit.internal.Reaper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One mariadbd started with server options that the testkit's {@code MariaDbReplication} does
 * not take (it starts every node with a fixed command line), e.g. {@code --secure-file-priv}:
 * built from the testkit's own parts (a leased loopback address, {@link ManagedProcess} tracked
 * by pid, {@link Reaper} temp dir), so it is cleaned up like every fixture. A database, an
 * application user limited to it, and an {@code admin} user with every privilege for the test's
 * own SQL.
 *
 * <p>Threading: confined to the test that owns it.
 */
final class StandaloneMariaDb implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

    private final LoopbackAddresses.Lease lease;
    private final Path dir;
    private final String database;
    private final String adminPassword = "admin-pw-" + Long.toHexString(System.nanoTime());
    private final ManagedProcess server;

    private StandaloneMariaDb(LoopbackAddresses.Lease lease, Path dir, String database,
            Function<Path, List<String>> options) {
        this.lease = lease;
        this.dir = dir;
        this.database = database;
        List<String> cmd = new ArrayList<>(List.of(Binaries.require("mariadbd"), "--no-defaults",
                "--datadir=" + dir.resolve("data"), "--bind-address=" + lease.address(), "--port=3306",
                "--socket=" + socket(), "--pid-file=" + dir.resolve("mysqld.pid"), "--user=root",
                "--skip-name-resolve", "--performance-schema=OFF", "--innodb-buffer-pool-size=32M",
                "--innodb-log-file-size=16M", "--innodb-use-native-aio=0", "--tmpdir=" + dir));
        cmd.addAll(options.apply(dir));
        this.server = new ManagedProcess("mariadbd " + address(), () -> cmd, dir, dir.resolve("mariadbd.log"),
                Map.of());
    }

    /**
     * Installs and starts a server with {@code options} (given the server's own directory, where
     * they may create what they name) added to its command line, with {@code database} and
     * {@code user}/{@code password} limited to it.
     */
    static StandaloneMariaDb start(String database, String user, String password,
            Function<Path, List<String>> options) {
        LoopbackAddresses.Lease lease = LoopbackAddresses.acquire(3306);
        StandaloneMariaDb db;
        try {
            db = new StandaloneMariaDb(lease, Reaper.tempDir("waymark-jdbc-mariadb-"), database, options);
        } catch (RuntimeException | Error e) {
            lease.close();
            throw e;
        }
        try {
            db.install();
            db.server.start();
            db.bootstrap("CREATE USER 'admin'@'%' IDENTIFIED BY '" + db.adminPassword + "';\n"
                    + "GRANT ALL PRIVILEGES ON *.* TO 'admin'@'%' WITH GRANT OPTION;\n"
                    + "CREATE DATABASE `" + database + "`;\n"
                    + "CREATE USER '" + user + "'@'%' IDENTIFIED BY '" + password + "';\n"
                    + "GRANT SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, INDEX, ALTER ON `" + database
                    + "`.* TO '" + user + "'@'%';\n");
            return db;
        } catch (RuntimeException | Error e) {
            db.close();
            throw e;
        }
    }

    String host() {
        return lease.address();
    }

    int port() {
        return 3306;
    }

    String address() {
        return host() + ":" + port();
    }

    /** Runs statements as a user with every privilege. */
    void admin(String... statements) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + address() + "/" + database, "admin",
                adminPassword); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** The first column of the first row, as a user with every privilege. */
    long adminQuery(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + address() + "/" + database, "admin",
                adminPassword); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private Path socket() {
        return dir.resolve("mysqld.sock");
    }

    private void install() {
        List<String> cmd = List.of(Binaries.require("mariadb-install-db"), "--no-defaults",
                "--datadir=" + dir.resolve("data"), "--auth-root-authentication-method=normal", "--skip-test-db",
                "--user=root", "--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M",
                "--innodb-use-native-aio=0");
        ManagedProcess installer = new ManagedProcess("mariadb-install-db " + address(), () -> cmd, dir,
                dir.resolve("install.log"), Map.of());
        installer.start();
        Integer exit = installer.awaitExit(START_TIMEOUT);
        if (exit == null || exit != 0) {
            throw new IllegalStateException("mariadb-install-db for " + address() + " failed (exit " + exit + "):\n"
                    + installer.logTail(30));
        }
    }

    /** Runs {@code sql} as root@localhost through the socket, once the server answers there. */
    private void bootstrap(String sql) {
        String client = Binaries.require("mariadb");
        Poll.until(START_TIMEOUT, Duration.ofMillis(200), () -> {
            if (!server.isRunning()) {
                throw new Poll.Abort(server.name() + " exited");
            }
            Process p = new ProcessBuilder(client, "--no-defaults", "-S", socket().toString(), "-u", "root", "-N",
                    "-B", "-e", "SELECT 1").redirectErrorStream(true).start();
            p.getOutputStream().close();
            return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
        }, server::describe);
        try {
            // through stdin: passwords never show in the process list
            Process p = new ProcessBuilder(client, "--no-defaults", "-S", socket().toString(), "-u", "root")
                    .redirectErrorStream(true).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(sql.getBytes(StandardCharsets.UTF_8));
            }
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("bootstrap SQL failed on " + address() + ": " + out.trim());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Stops the server, releases the address and deletes the files. */
    @Override
    public void close() {
        try {
            server.stop(Duration.ofSeconds(30));
        } finally {
            try {
                lease.close();
            } finally {
                Reaper.deleteDir(dir);
            }
        }
    }

    @Override
    public String toString() {
        return "StandaloneMariaDb[" + address() + " pid " + server.pid() + "]";
    }

    /** Creates {@code path} (for options naming a directory); returns it. */
    static Path createDirectory(Path path) {
        try {
            return Files.createDirectories(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
