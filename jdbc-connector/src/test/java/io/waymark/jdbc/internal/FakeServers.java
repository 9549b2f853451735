package io.waymark.jdbc.internal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverPropertyInfo;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Logger;

/**
 * In-memory stand-ins for MySQL servers, for unit tests of the connection logic only (the real
 * servers are exercised by the ITs): a Driver whose connections answer {@code SELECT @@read_only}
 * and {@code SELECT @@server_id}, refuse writes with 1290 while read-only and fail with SQLState
 * 08 while down. Writes are recorded as their SQL, followed by the bound parameters if any; a
 * statement's settings ({@code setQueryTimeout}, ...) are kept in {@link Server#settings}.
 */
final class FakeServers implements Driver {

    static final class Server {
        final String address;
        final int serverId;
        volatile boolean readOnly;
        volatile boolean down;
        /**
         * Frozen (SIGSTOP): connections are accepted and then nothing answers; a call waits until it
         * thaws or its connection is closed or aborted (then it fails with 08000), a connect until it
         * thaws or for {@code connectTimeout} ms (then 08000, as MariaDB Connector/J says it).
         */
        volatile boolean frozen;
        /** How long a write takes (a slow statement on a server that answers everything else). */
        volatile long writeDelayMillis;
        /** Its replication threads run (what SHOW ... STATUS reports, when readable). */
        volatile boolean replicating;
        /** Whether the app user may read the replication status; false as without SLAVE MONITOR. */
        volatile boolean replicationStatusReadable;
        /** Refuses writes as read-only although {@code @@read_only} answers 0 (a server flapping, or lying). */
        volatile boolean refusesWritesAsReadOnly;
        /**
         * When set, a write runs (is recorded) and then fails with error 1290 and this message, as a
         * CALL whose INSERT ran before its SELECT ... INTO OUTFILE hit {@code --secure-file-priv}.
         */
        volatile String failsAfterWriting;
        /** What the handshake says ({@code DatabaseMetaData.getDatabaseProductVersion()}). */
        volatile String version = "10.11.6-MariaDB";
        /** MySQL's super_read_only; null: the server has no such variable (MariaDB, MySQL before 5.7.8). */
        volatile Boolean superReadOnly;
        /** {@link System#nanoTime} of every write attempt, refused or not. */
        final List<Long> writeAttempts = new CopyOnWriteArrayList<>();
        /** Run after each write attempt is recorded, before it is refused or done (a test's way to change Consul's mind). */
        volatile Runnable afterWriteAttempt = () -> { };
        /** Statements run with executeQuery, in order. */
        final List<String> queries = new CopyOnWriteArrayList<>();
        final List<String> writes = new CopyOnWriteArrayList<>();
        final List<Conn> connections = new CopyOnWriteArrayList<>();
        /** Statement settings seen by this server, as "name=value". */
        final List<String> settings = new CopyOnWriteArrayList<>();

        Server(String address, int serverId, boolean readOnly) {
            this.address = address;
            this.serverId = serverId;
            this.readOnly = readOnly;
        }
    }

    static final class Conn {
        final Server server;
        boolean autoCommit = true;
        boolean readOnly;
        boolean closed;
        int isolation = Connection.TRANSACTION_REPEATABLE_READ;
        /** What setNetworkTimeout last set, or -1. */
        int networkTimeout = -1;

        Conn(Server server) {
            this.server = server;
        }
    }

    final Map<String, Server> servers = new ConcurrentHashMap<>();
    final List<String> urls = new CopyOnWriteArrayList<>();
    /** The properties of every connect call, in order (probes included). */
    final List<Properties> properties = new CopyOnWriteArrayList<>();

    Server add(String address, int serverId, boolean readOnly) {
        Server s = new Server(address, serverId, readOnly);
        servers.put(address, s);
        return s;
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        urls.add(url);
        properties.add(info);
        String rest = url.substring(url.indexOf("//") + 2);
        String address = rest.substring(0, rest.indexOf('/'));
        Server s = servers.get(address);
        if (s == null || s.down) {
            throw new SQLNonTransientConnectionException("Could not connect to " + address + ": Connection refused", "08000");
        }
        String timeout = info.getProperty("connectTimeout");
        if (!awaitThawed(s, null, timeout == null ? FROZEN_FOREVER_MILLIS : Long.parseLong(timeout))) {
            throw new java.sql.SQLTimeoutException("Socket timeout when connecting to " + address + ". Read timed out",
                    "08000");
        }
        if (!"pw".equals(info.getProperty("password")) && !url.contains("password=pw")) {
            throw new SQLException("Access denied for user 'app'", "28000", 1045);
        }
        Conn c = new Conn(s);
        s.connections.add(c);
        return (Connection) proxy(Connection.class, (p, m, a) -> connection(c, p, m, a));
    }

    private static Object proxy(Class<?> type, InvocationHandler h) {
        return Proxy.newProxyInstance(FakeServers.class.getClassLoader(), new Class<?>[] {type}, h);
    }

    /** How long "for good" is here: a test's own timeout ends it sooner. */
    private static final long FROZEN_FOREVER_MILLIS = 60_000;

    /** Waits while {@code s} is frozen, at most {@code millis}; false when it still is, or {@code c} was closed meanwhile. */
    private static boolean awaitThawed(Server s, Conn c, long millis) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(millis);
        while (s.frozen && (c == null || !c.closed)) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
        return c == null || !c.closed;
    }

    private static void checkUp(Conn c) throws SQLException {
        if (!awaitThawed(c.server, c, FROZEN_FOREVER_MILLIS)) {
            throw new SQLNonTransientConnectionException("Socket error", "08000");
        }
        if (c.server.down) {
            throw new SQLNonTransientConnectionException("Socket closed", "08000");
        }
        if (c.closed) {
            throw new SQLNonTransientConnectionException("Connection closed", "08003");
        }
    }

    private static Object connection(Conn c, Object proxy, Method m, Object[] a) throws SQLException {
        switch (m.getName()) {
            case "createStatement":
            case "prepareStatement":
                checkUp(c);
                String prepared = a != null && a.length > 0 ? (String) a[0] : null;
                Object[] holder = new Object[1];
                Map<Integer, Object> params = new java.util.TreeMap<>();
                holder[0] = proxy(prepared == null ? Statement.class : PreparedStatement.class,
                        (sp, sm, sa) -> statement(c, proxy, holder[0], prepared, params, sm, sa));
                return holder[0];
            case "setAutoCommit":
                checkUp(c);
                c.autoCommit = (Boolean) a[0];
                return null;
            case "getAutoCommit":
                return c.autoCommit;
            case "setReadOnly":
                checkUp(c);
                c.readOnly = (Boolean) a[0];
                return null;
            case "isReadOnly":
                return c.readOnly;
            case "setTransactionIsolation":
                c.isolation = (Integer) a[0];
                return null;
            case "getTransactionIsolation":
                return c.isolation;
            case "commit":
            case "rollback":
                checkUp(c);
                return null;
            case "isValid":
                return awaitThawed(c.server, c, 1000L * Math.max(1, (Integer) a[0])) && !c.closed && !c.server.down;
            case "getMetaData":
                return proxy(java.sql.DatabaseMetaData.class, (mp, mm, ma) -> {
                    if (mm.getName().equals("getDatabaseProductVersion")) {
                        return c.server.version;
                    }
                    throw new SQLFeatureNotSupportedException(mm.getName());
                });
            case "close":
            case "abort":
                c.closed = true;
                return null;
            case "setNetworkTimeout":
                checkUp(c);
                c.networkTimeout = (Integer) a[1];
                return null;
            case "isClosed":
                return c.closed;
            case "getTypeMap":
                checkUp(c);
                return Map.of();
            case "setClientInfo":
                try {
                    checkUp(c);
                } catch (SQLException e) {
                    // the only checked exception setClientInfo declares
                    throw new java.sql.SQLClientInfoException(e.getMessage(), e.getSQLState(), e.getErrorCode(), Map.of());
                }
                return null;
            case "setTypeMap":
            case "getClientInfo":
                checkUp(c);
                return null;
            case "createClob":
                checkUp(c);
                throw new SQLFeatureNotSupportedException("createClob");
            case "toString":
                return "FakeConnection[" + c.server.address + "]";
            case "hashCode":
                return System.identityHashCode(proxy);
            case "equals":
                return proxy == a[0];
            default:
                throw new SQLFeatureNotSupportedException(m.getName());
        }
    }

    private static Object statement(Conn c, Object connection, Object self, String prepared,
            Map<Integer, Object> params, Method m, Object[] a) throws SQLException {
        String sql = prepared != null ? prepared : a != null && a.length > 0 && a[0] instanceof String ? (String) a[0] : null;
        switch (m.getName()) {
            case "executeQuery":
                checkUp(c);
                c.server.queries.add(sql);
                if (sql.startsWith("SHOW")) {
                    return replicationStatus(c.server, sql, self);
                }
                int value;
                int secondColumn = 0;
                if (sql.contains("@@super_read_only")) {
                    if (c.server.superReadOnly == null) {
                        throw new SQLException("Unknown system variable 'super_read_only'", "HY000", 1193);
                    }
                    value = c.server.readOnly ? 1 : 0;
                    secondColumn = c.server.superReadOnly ? 1 : 0;
                } else if (sql.contains("@@read_only")) {
                    value = c.server.readOnly ? 1 : 0;
                } else if (sql.contains("@@server_id")) {
                    value = c.server.serverId;
                } else {
                    throw new SQLException("unexpected query " + sql, "42000", 1064);
                }
                boolean[] consumed = new boolean[1];
                int second = secondColumn;
                return proxy(ResultSet.class, (rp, rm, ra) -> {
                    switch (rm.getName()) {
                        case "next":
                            boolean first = !consumed[0];
                            consumed[0] = true;
                            return first;
                        case "getInt":
                            return (Integer) ra[0] == 2 ? second : value;
                        case "getStatement":
                            return self;
                        case "close":
                            return null;
                        default:
                            throw new SQLFeatureNotSupportedException(rm.getName());
                    }
                });
            case "executeUpdate":
            case "execute":
                checkUp(c);
                if (sql.contains("syntax error")) {
                    throw new SQLException("You have an error in your SQL syntax", "42000", 1064);
                }
                c.server.writeAttempts.add(System.nanoTime());
                c.server.afterWriteAttempt.run();
                if (c.server.writeDelayMillis > 0) {
                    try {
                        Thread.sleep(c.server.writeDelayMillis);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                if (c.server.readOnly || c.readOnly || c.server.refusesWritesAsReadOnly) {
                    throw new SQLException("The MariaDB server is running with the --read-only option so it cannot"
                            + " execute this statement", "HY000", 1290);
                }
                c.server.writes.add(params.isEmpty() ? sql : sql + " " + params.values());
                if (c.server.failsAfterWriting != null) {
                    throw new SQLException(c.server.failsAfterWriting, "HY000", 1290);
                }
                return "execute".equals(m.getName()) ? (Object) Boolean.FALSE : (Object) 1;
            case "getConnection":
                return connection;
            case "clearParameters":
                params.clear();
                return null;
            case "addBatch":
                return null;
            case "executeBatch":
                checkUp(c);
                if (c.server.readOnly) {
                    throw new java.sql.BatchUpdateException("read-only", "HY000", 1290, new int[0]);
                }
                c.server.writes.add("batch " + sql);
                return new int[] {1};
            case "close":
                return null;
            case "toString":
                return "FakeStatement[" + sql + "]";
            case "hashCode":
                return System.identityHashCode(self);
            case "equals":
                return self == a[0];
            default:
                if (m.getName().startsWith("set") && a != null && a.length >= 2 && a[0] instanceof Integer
                        && m.getDeclaringClass() == PreparedStatement.class) {
                    checkUp(c);
                    Object bound = a[1];
                    if (bound instanceof java.io.InputStream) {
                        bound = "stream";
                    }
                    params.put((Integer) a[0], bound);
                    return null;
                }
                if (m.getName().startsWith("set") && a != null && a.length == 1) {
                    c.server.settings.add(m.getName() + "=" + a[0]);
                    return null;
                }
                throw new SQLFeatureNotSupportedException(m.getName());
        }
    }

    /** MariaDB's answers: SHOW REPLICA STATUS is understood, the others are not (as on MySQL 8.4). */
    private static Object replicationStatus(Server server, String sql, Object statement) throws SQLException {
        if (!sql.equals("SHOW REPLICA STATUS")) {
            throw new SQLException("You have an error in your SQL syntax near '" + sql + "'", "42000", 1064);
        }
        if (!server.replicationStatusReadable) {
            throw new SQLException("Access denied; you need (at least one of) the SLAVE MONITOR privilege(s)"
                    + " for this operation", "42000", 1227);
        }
        List<String> columns = List.of("Replica_IO_State", "Replica_IO_Running", "Replica_SQL_Running");
        List<String> row = server.replicating ? List.of("Waiting for master", "Yes", "Yes") : null;
        Object metaData = proxy(java.sql.ResultSetMetaData.class, (mp, mm, ma) -> {
            switch (mm.getName()) {
                case "getColumnCount":
                    return columns.size();
                case "getColumnLabel":
                case "getColumnName":
                    return columns.get((Integer) ma[0] - 1);
                default:
                    throw new SQLFeatureNotSupportedException(mm.getName());
            }
        });
        boolean[] consumed = new boolean[1];
        return proxy(ResultSet.class, (rp, rm, ra) -> {
            switch (rm.getName()) {
                case "next":
                    boolean has = row != null && !consumed[0];
                    consumed[0] = true;
                    return has;
                case "getString":
                    return row.get((Integer) ra[0] - 1);
                case "getMetaData":
                    return metaData;
                case "getStatement":
                    return statement;
                case "close":
                    return null;
                default:
                    throw new SQLFeatureNotSupportedException(rm.getName());
            }
        });
    }

    @Override
    public boolean acceptsURL(String url) {
        return url.startsWith("jdbc:mysql:");
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) {
        return new DriverPropertyInfo[0];
    }

    @Override
    public int getMajorVersion() {
        return 1;
    }

    @Override
    public int getMinorVersion() {
        return 0;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }
}
