package io.waymark.jdbc.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the connector asks a server about its role, and how it reads the answers.
 *
 * <p>{@code @@read_only = 0} is the one test of "writable". MySQL 5.7.8+ also has
 * {@code super_read_only} (it implies {@code read_only}); a MySQL server with
 * {@code read_only = 1} but {@code super_read_only = 0} still takes writes from users with
 * {@code SUPER} / {@code CONNECTION_ADMIN}: it is read-only here, and the answer says so
 * ({@link ReadOnly#superUsersWrite}). MariaDB has no {@code super_read_only}: its
 * {@code READ ONLY ADMIN} privilege (part of {@code SUPER} before 10.11) lets a user write through
 * {@code read_only}, so the application user must not hold it.
 *
 * <p><b>Threading:</b> stateless.
 */
final class ProbeSql {

    private static final Logger LOG = LoggerFactory.getLogger(ProbeSql.class);

    static final String READ_ONLY = "SELECT @@read_only";
    /** MySQL: both at once (a server without {@code super_read_only} answers 1193, see {@link #readOnly}). */
    static final String READ_ONLY_AND_SUPER = "SELECT @@read_only, @@super_read_only";
    /**
     * Replication status statements, tried in order until one is understood: MariaDB's
     * multi-source form, MySQL 8.0.22+ / MariaDB 10.5+, then the old form.
     */
    static final List<String> REPLICATION_STATUS = List.of("SHOW ALL SLAVES STATUS", "SHOW REPLICA STATUS",
            "SHOW SLAVE STATUS");

    /**
     * A server's read-only state.
     *
     * @param superUsersWrite {@code read_only = 1} but {@code super_read_only = 0} (MySQL): users
     *     with {@code SUPER} still write there
     */
    record ReadOnly(boolean readOnly, boolean superUsersWrite) {
    }

    private ProbeSql() {
    }

    /**
     * Asks {@code c}'s server whether it is read-only; on MySQL servers {@code super_read_only}
     * too (in the same query). Leaves no transaction open behind the caller's back.
     */
    static ReadOnly readOnly(Connection c) throws SQLException {
        ReadOnly answer;
        if (isMySql(c)) {
            try {
                answer = query(c, READ_ONLY_AND_SUPER);
            } catch (SQLException e) {
                if (ServerErrors.classify(e) != ServerErrors.Kind.UNKNOWN_VARIABLE) {
                    throw e;
                }
                // MySQL before 5.7.8
                answer = query(c, READ_ONLY);
            }
        } else {
            answer = query(c, READ_ONLY);
        }
        if (!c.getAutoCommit()) {
            c.rollback();
        }
        return answer;
    }

    private static ReadOnly query(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                return new ReadOnly(true, false);
            }
            boolean readOnly = rs.getInt(1) != 0;
            boolean superUsersWrite = readOnly && sql.equals(READ_ONLY_AND_SUPER) && rs.getInt(2) == 0;
            return new ReadOnly(readOnly, superUsersWrite);
        }
    }

    /** A MySQL (not MariaDB) server, by the version its handshake gave; false when unknown. */
    private static boolean isMySql(Connection c) {
        try {
            String version = c.getMetaData().getDatabaseProductVersion();
            return version != null && !version.toLowerCase(Locale.ROOT).contains("mariadb");
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Whether the server's replication threads run: true when any replication connection has
     * its IO or SQL thread not "No"; null when no status statement is understood or allowed
     * (MariaDB wants SLAVE MONITOR / REPLICA MONITOR or SUPER, MySQL REPLICATION CLIENT, which an
     * app user often lacks): the caller then goes by {@code @@read_only} alone. Which statement
     * works for a server is remembered, so that a refused one is not asked again (delegates log
     * every server error).
     */
    static Boolean replicating(Statement s, NodeProber prober, String server) throws SQLException {
        int first = prober.replicationStatus(server);
        for (int i = Math.max(0, first); first != NodeProber.NOT_READABLE && i < REPLICATION_STATUS.size(); i++) {
            String sql = REPLICATION_STATUS.get(i);
            try (ResultSet rs = s.executeQuery(sql)) {
                boolean running = threadsRunning(rs);
                prober.replicationStatus(server, i);
                return running;
            } catch (SQLException ex) {
                ServerErrors.Kind kind = ServerErrors.classify(ex);
                if (kind == ServerErrors.Kind.CONNECTION_LOST) {
                    throw ex;
                }
                LOG.debug("'{}' not available: {}", sql, ex.getMessage());
                if (kind == ServerErrors.Kind.MISSING_PRIVILEGE) {
                    // access denied: the other forms need the same privilege
                    break;
                }
            }
        }
        prober.replicationStatus(server, NodeProber.NOT_READABLE);
        return null;
    }

    private static boolean threadsRunning(ResultSet rs) throws SQLException {
        ResultSetMetaData md = rs.getMetaData();
        List<Integer> threads = new ArrayList<>();
        for (int c = 1; c <= md.getColumnCount(); c++) {
            String label = md.getColumnLabel(c).toLowerCase(Locale.ROOT);
            if (label.endsWith("_io_running") || label.endsWith("_sql_running")) {
                threads.add(c);
            }
        }
        boolean running = false;
        while (rs.next()) {
            if (threads.isEmpty()) {
                // a replication connection whose threads we cannot read: assume the worst
                running = true;
            }
            for (int c : threads) {
                String state = rs.getString(c);
                if (state != null && !state.isEmpty() && !state.equalsIgnoreCase("No")) {
                    running = true;
                }
            }
        }
        return running;
    }
}
