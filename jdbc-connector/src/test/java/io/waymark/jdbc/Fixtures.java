package io.waymark.jdbc;

import io.waymark.testkit.MariaDbNode;
import io.waymark.testkit.MariaDbReplication;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** What the ITs of this module share around the testkit's fixtures. */
final class Fixtures {

    private Fixtures() {
    }

    /** Closes each of {@code fixtures} that was started (null ones were not), every one even when one fails. */
    static void closeAll(AutoCloseable... fixtures) {
        RuntimeException failure = null;
        for (AutoCloseable f : fixtures) {
            try {
                if (f != null) {
                    f.close();
                }
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IllegalStateException("closing " + f + " failed", e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Runs {@code sql} on {@code node} as root (every privilege), one statement after the other. */
    static void asRoot(MariaDbReplication db, MariaDbNode node, String... sql) throws SQLException {
        try (Connection c = root(db, node); Statement s = c.createStatement()) {
            for (String statement : sql) {
                s.execute(statement);
            }
        }
    }

    /** The first column of the first row of {@code sql} on {@code node}, as root. */
    static long queryAsRoot(MariaDbReplication db, MariaDbNode node, String sql) throws SQLException {
        try (Connection c = root(db, node); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Connection root(MariaDbReplication db, MariaDbNode node) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + node.address() + "/", "root", db.rootPassword());
    }
}
