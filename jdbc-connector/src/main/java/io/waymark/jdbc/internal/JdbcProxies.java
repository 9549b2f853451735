package io.waymark.jdbc.internal;

import java.io.InputStream;
import java.io.Reader;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLXML;
import java.sql.Statement;
import java.sql.Struct;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Dynamic proxies around the delegate's statements, result sets and metadata, so that they
 * report the logical connection ({@code getConnection()}, {@code getStatement()}), so that
 * their errors reach the one handler ({@link Routing#handle}), and so that a statement can move to a
 * new primary: statement proxies record how they were created, their settings
 * ({@code setFetchSize}, {@code setQueryTimeout}, ...) and, for prepared statements, the
 * current parameters, and replay them on the new physical connection (see
 * {@link Routing#mayRetry}).
 */
final class JdbcProxies {

    private JdbcProxies() {
    }

    /** Creates a delegate statement on a physical connection (again, after a failover). */
    @FunctionalInterface
    interface StatementFactory<T extends Statement> {
        T create(Connection physical) throws SQLException;
    }

    @SuppressWarnings("unchecked")
    static <T extends Statement> T statement(Routing owner, Physical physical, StatementFactory<T> factory,
            String sql) throws SQLException {
        T target = factory.create(physical.conn);
        Class<?> type = target instanceof CallableStatement ? CallableStatement.class
                : target instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
        return (T) Proxy.newProxyInstance(JdbcProxies.class.getClassLoader(), new Class<?>[] {type},
                new StatementHandler(owner, physical, target, type, sql, factory));
    }

    static DatabaseMetaData metaData(Routing owner, Physical physical, DatabaseMetaData target) {
        return (DatabaseMetaData) Proxy.newProxyInstance(JdbcProxies.class.getClassLoader(),
                new Class<?>[] {DatabaseMetaData.class}, new Handler(owner, physical, target, DatabaseMetaData.class) {
                    @Override
                    Object special(Object proxy, Method method, Object[] args) {
                        return "getConnection".equals(method.getName()) && count(args) == 0 ? owner.logical() : NONE;
                    }
                });
    }

    private static int count(Object[] args) {
        return args == null ? 0 : args.length;
    }

    /** Common plumbing: identity methods, unwrap, error handling. */
    private abstract static class Handler implements InvocationHandler {
        static final Object NONE = new Object();

        final Routing owner;
        final Class<?> type;
        // replaced only by StatementHandler when it moves to a new primary (user thread)
        Physical physical;
        Object target;

        Handler(Routing owner, Physical physical, Object target, Class<?> type) {
            this.owner = owner;
            this.physical = physical;
            this.target = target;
            this.type = type;
        }

        /** A value for methods handled here, or {@link #NONE} to call the target. */
        abstract Object special(Object proxy, Method method, Object[] args) throws SQLException;

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            int n = count(args);
            if (method.getDeclaringClass() == Object.class) {
                switch (name) {
                    case "equals":
                        return proxy == args[0];
                    case "hashCode":
                        return System.identityHashCode(proxy);
                    case "toString":
                        return type.getSimpleName() + " on " + physical.address() + ": " + target;
                    default:
                        break;
                }
            }
            if (n == 1 && ("unwrap".equals(name) || "isWrapperFor".equals(name)) && args[0] instanceof Class
                    && ((Class<?>) args[0]).isInstance(proxy)) {
                return "unwrap".equals(name) ? proxy : Boolean.TRUE;
            }
            Object special = special(proxy, method, args);
            if (special != NONE) {
                return special;
            }
            return call(proxy, method, args);
        }

        Object call(Object proxy, Method method, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw translate(physical, e);
            }
        }

        Throwable translate(Physical p, InvocationTargetException e) {
            Throwable cause = e.getCause();
            return cause instanceof SQLException ? owner.handle(p, (SQLException) cause) : cause;
        }
    }

    /** One recorded setter call, replayed on a new delegate statement. */
    private record Call(Method method, Object[] args, boolean replayable) {
    }

    private static final class StatementHandler extends Handler {
        /** Pause before the second re-run of a refused statement; doubled for each further one. */
        static final long FIRST_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
        static final long MAX_PAUSE_NANOS = TimeUnit.SECONDS.toNanos(1);

        private final String preparedSql;
        private final StatementFactory<?> factory;
        private final boolean callable;
        /** Statement settings by method and arity: the last call wins. */
        private final Map<String, Call> settings = new LinkedHashMap<>();
        /** Current prepared-statement parameters by index. */
        private final Map<Integer, Call> parameters = new TreeMap<>();
        private boolean pendingBatch;

        StatementHandler(Routing owner, Physical physical, Object target, Class<?> type, String preparedSql,
                StatementFactory<?> factory) {
            super(owner, physical, target, type);
            this.preparedSql = preparedSql;
            this.factory = factory;
            this.callable = type == CallableStatement.class;
        }

        @Override
        Object special(Object proxy, Method method, Object[] args) {
            return "getConnection".equals(method.getName()) && count(args) == 0 ? owner.logical() : NONE;
        }

        @Override
        Object call(Object proxy, Method method, Object[] args) throws Throwable {
            String name = method.getName();
            boolean lifecycle = "close".equals(name) || "isClosed".equals(name);
            boolean execute = name.startsWith("execute");
            if (!lifecycle && (physical.retired || !owner.usable(physical) || (execute && owner.demoted(physical) && replayable()))) {
                if (physical.retired || owner.mayReconnect(physical)) {
                    moveBeforeCall();
                } else if (execute) {
                    throw owner.notSent(physical);
                }
            }
            String sql = null;
            if (execute) {
                sql = count(args) > 0 && args[0] instanceof String ? (String) args[0] : preparedSql;
                owner.transactions.beforeStatement(sql, owner.session.autoCommit);
            }
            Object result;
            try {
                result = invoke(method, args, execute);
            } catch (InvocationTargetException e) {
                Throwable cause = e.getCause();
                if (execute && cause instanceof SQLException && !name.contains("Batch") && replayable()
                        && owner.mayRetry(physical, (SQLException) cause, sql)) {
                    return retry(proxy, method, args, sql, (SQLException) cause);
                }
                throw translate(physical, e);
            } finally {
                if (name.endsWith("Batch") && !"addBatch".equals(name)) {
                    // executeBatch / executeLargeBatch / clearBatch empty the batch, even when they fail
                    pendingBatch = false;
                }
            }
            record(method, args);
            return wrapResult(proxy, result);
        }

        /**
         * Re-runs a statement that the old primary refused as read-only (so did not execute) on
         * the new one, for up to {@code consul.failoverTimeout}: each time on another server than
         * the one that refused it last, and after the first re-run with a pause that doubles
         * ({@link #FIRST_PAUSE_NANOS} up to {@link #MAX_PAUSE_NANOS}), so that servers refusing in
         * turn are not hammered.
         */
        private Object retry(Object proxy, Method method, Object[] args, String sql, SQLException refusal)
                throws Throwable {
            long deadline = owner.retryDeadline();
            SQLException last = refusal;
            long pause = 0;
            while (true) {
                Physical failedOn = physical;
                Physical next;
                try {
                    if (pause > 0) {
                        Connector.sleep(Math.min(pause, deadline - System.nanoTime()),
                                "waiting to re-run a statement refused as read-only", "HY000");
                    }
                    next = owner.replacePrimary(failedOn, deadline, true);
                } catch (SQLException noPrimary) {
                    last.addSuppressed(noPrimary);
                    throw owner.handle(failedOn, last);
                }
                try {
                    rebind(next);
                } catch (SQLException e) {
                    throw owner.handle(next, e);
                }
                try {
                    Object result = invoke(method, args, true);
                    owner.retried(failedOn, next);
                    return wrapResult(proxy, result);
                } catch (InvocationTargetException e) {
                    Throwable cause = e.getCause();
                    if (cause instanceof SQLException && System.nanoTime() - deadline < 0
                            && owner.mayRetry(physical, (SQLException) cause, sql)) {
                        last = (SQLException) cause;
                        pause = pause == 0 ? FIRST_PAUSE_NANOS : Math.min(pause * 2, MAX_PAUSE_NANOS);
                        continue;
                    }
                    throw translate(physical, e);
                }
            }
        }

        /** Calls the delegate statement; an execution is marked in flight meanwhile (see {@link PrimaryWatch}). */
        private Object invoke(Method method, Object[] args, boolean execute) throws ReflectiveOperationException {
            if (!execute) {
                return method.invoke(target, args);
            }
            Physical p = physical;
            p.begin();
            try {
                return method.invoke(target, args);
            } finally {
                p.end();
            }
        }

        /** This statement's connection was replaced (or broke, outside a transaction): follow it first. */
        private void moveBeforeCall() throws SQLException {
            if (!replayable()) {
                throw new SQLException("this statement was created on " + physical.address() + ", which is no longer"
                        + " this connection's primary after a failover, and its "
                        + (callable ? "callable state" : pendingBatch ? "pending batch" : "stream or LOB parameters")
                        + " cannot be carried over: create the statement again", "HY000");
            }
            Physical next = physical.retired ? owner.primaryForStatements()
                    : owner.replacePrimary(physical, owner.retryDeadline(), false);
            try {
                rebind(next);
            } catch (SQLException e) {
                throw owner.handle(next, e);
            }
        }

        private boolean replayable() {
            if (callable || pendingBatch) {
                return false;
            }
            for (Call c : parameters.values()) {
                if (!c.replayable()) {
                    return false;
                }
            }
            return true;
        }

        /** A new delegate statement on {@code next}, with this one's settings and parameters. */
        private void rebind(Physical next) throws SQLException {
            if (next == physical) {
                return;
            }
            Statement fresh = factory.create(next.conn);
            try {
                for (Call c : settings.values()) {
                    c.method().invoke(fresh, c.args());
                }
                for (Call c : parameters.values()) {
                    c.method().invoke(fresh, c.args());
                }
            } catch (InvocationTargetException e) {
                closeQuietly(fresh);
                Throwable cause = e.getCause();
                if (cause instanceof SQLException) {
                    throw (SQLException) cause;
                }
                throw new SQLException("could not carry the statement over to " + next.address() + ": " + cause, "HY000",
                        cause);
            } catch (IllegalAccessException e) {
                closeQuietly(fresh);
                throw new SQLException("could not carry the statement over to " + next.address() + ": " + e, "HY000", e);
            }
            Object old = target;
            target = fresh;
            physical = next;
            closeQuietly((Statement) old);
        }

        private static void closeQuietly(Statement s) {
            try {
                s.close();
            } catch (SQLException | RuntimeException e) {
                // the statement of a closed (replaced) connection: nothing to release
            }
        }

        private void record(Method method, Object[] args) {
            if (callable) {
                return;
            }
            String name = method.getName();
            Class<?> declaring = method.getDeclaringClass();
            if (declaring == Statement.class) {
                if (name.startsWith("set") || "closeOnCompletion".equals(name)) {
                    settings.put(name + "/" + count(args), new Call(method, args, true));
                } else if ("addBatch".equals(name)) {
                    pendingBatch = true;
                }
            } else if (declaring == PreparedStatement.class) {
                if (name.startsWith("set") && count(args) > 0 && args[0] instanceof Integer) {
                    parameters.put((Integer) args[0], new Call(method, args, replayable(args)));
                } else if ("clearParameters".equals(name)) {
                    parameters.clear();
                } else if ("addBatch".equals(name)) {
                    pendingBatch = true;
                }
            }
        }

        /** Streams may have been consumed by the refused attempt; LOBs and the like belong to the old connection. */
        private static boolean replayable(Object[] args) {
            for (Object a : args) {
                if (a instanceof InputStream || a instanceof Reader || a instanceof Blob || a instanceof Clob
                        || a instanceof Array || a instanceof Struct || a instanceof Ref || a instanceof SQLXML
                        || a instanceof RowId) {
                    return false;
                }
            }
            return true;
        }

        private Object wrapResult(Object proxy, Object result) {
            if (result instanceof ResultSet) {
                ResultSet rs = (ResultSet) result;
                return Proxy.newProxyInstance(JdbcProxies.class.getClassLoader(), new Class<?>[] {ResultSet.class},
                        new Handler(owner, physical, rs, ResultSet.class) {
                            @Override
                            Object special(Object rsProxy, Method m, Object[] a) {
                                return "getStatement".equals(m.getName()) && count(a) == 0 ? proxy : NONE;
                            }
                        });
            }
            return result;
        }
    }
}
