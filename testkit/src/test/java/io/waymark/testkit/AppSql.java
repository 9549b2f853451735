package io.waymark.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** SQL on a node of a {@link MariaDbReplication} as its application user or as root, for the ITs. */
final class AppSql {

    private AppSql() {}

    static Connection connect(MariaDbReplication db, MariaDbNode node) throws SQLException {
        return DriverManager.getConnection(db.jdbcUrl(node), db.appUser(), db.appPassword());
    }

    static void execute(MariaDbReplication db, MariaDbNode node, String sql) throws SQLException {
        try (Connection c = connect(db, node); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Runs {@code sql} as root@'%'; returns the first column of the first row, null when none. */
    static String root(MariaDbReplication db, MariaDbNode node, String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:mariadb://" + node.address() + "/", "root",
                db.rootPassword()); Statement s = c.createStatement()) {
            if (!s.execute(sql)) {
                return null;
            }
            try (ResultSet rs = s.getResultSet()) {
                return rs.next() ? rs.getString(1) : null;
            }
        }
    }

    /** Inserts row {@code id} into table t (id INT PRIMARY KEY, v VARCHAR). */
    static void insert(MariaDbReplication db, MariaDbNode node, int id) throws SQLException {
        execute(db, node, "INSERT INTO t VALUES (" + id + ", 'x')");
    }

    /** Whether table t has row {@code id} on {@code node}. */
    static boolean has(MariaDbReplication db, MariaDbNode node, int id) throws SQLException {
        try (Connection c = connect(db, node); Statement s = c.createStatement();
                ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM t WHERE id = " + id)) {
            rs.next();
            return rs.getInt(1) == 1;
        }
    }
}
