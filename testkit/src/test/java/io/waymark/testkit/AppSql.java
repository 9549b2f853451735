package io.waymark.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The application user's SQL on a node of a {@link MariaDbReplication}, for the ITs. */
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
