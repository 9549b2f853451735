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

    /** Runs {@code sql} on {@code node} as root. */
    static void executeAsRoot(MariaDbReplication db, MariaDbNode node, String sql) throws SQLException {
        try (Connection c = root(db, node); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static Connection root(MariaDbReplication db, MariaDbNode node) throws SQLException {
        return DriverManager.getConnection("jdbc:mariadb://" + node.address() + "/", "root", db.rootPassword());
    }
}
