package io.waymark.jdbc.internal;

import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import java.util.Locale;

/**
 * What a MySQL / MariaDB error means for routing: the one place that reads error codes, SQLStates
 * and messages, used by every path (connect, statements, probes). Codes:
 * <ul>
 *   <li>1290 {@code ER_OPTION_PREVENTS_STATEMENT} is raised for many server options
 *       ({@code --read-only}, {@code --super-read-only}, {@code --secure-file-priv},
 *       {@code --skip-grant-tables}, ...): only the read-only ones say the server was demoted, and
 *       only they mean the statement was refused before it ran;</li>
 *   <li>1836 {@code ER_READ_ONLY_MODE} ("Running in read-only mode");</li>
 *   <li>1792 {@code ER_CANT_EXECUTE_IN_READ_ONLY_TRANSACTION}: the caller's own
 *       {@code READ ONLY} transaction, nothing about the server's role;</li>
 *   <li>2006 / 2013 (server gone / lost during query), 1927 (connection killed, MariaDB), 1053
 *       (server shutdown) and SQLState class 08: the connection is gone, and a statement in flight
 *       has an unknown outcome;</li>
 *   <li>SQLState class 28 and 1045: credentials; 1227: a missing privilege; 1193: an unknown
 *       system variable (a server without {@code super_read_only}).</li>
 * </ul>
 *
 * <p><b>Threading:</b> stateless.
 */
final class ServerErrors {

    /** What an error says. */
    enum Kind {
        /** 1290 / 1836 naming read-only: the server refused the statement before running it, because it is read-only. */
        READ_ONLY_REFUSAL,
        /** 1792: a write inside the caller's own {@code READ ONLY} transaction. */
        READ_ONLY_TRANSACTION,
        /** The connection is gone (SQLState class 08 and the codes above): a statement in flight may or may not have run. */
        CONNECTION_LOST,
        /** Bad credentials (SQLState class 28, 1045): no other server or round will do better. */
        ACCESS_DENIED,
        /** 1227: the user lacks a privilege the statement needs. */
        MISSING_PRIVILEGE,
        /** 1193: the server has no such system variable. */
        UNKNOWN_VARIABLE,
        /** Anything else, 1290 for options other than read-only included: the statement's own error. */
        OTHER
    }

    static final int OPTION_PREVENTS_STATEMENT = 1290;
    static final int READ_ONLY_MODE = 1836;
    static final int READ_ONLY_TRANSACTION = 1792;
    static final int SERVER_GONE = 2006;
    static final int SERVER_LOST = 2013;
    static final int CONNECTION_KILLED = 1927;
    static final int SERVER_SHUTDOWN = 1053;
    static final int ACCESS_DENIED = 1045;
    static final int SPECIFIC_ACCESS_DENIED = 1227;
    static final int UNKNOWN_SYSTEM_VARIABLE = 1193;

    /** How far chains ({@code getNextException}, causes) are followed: they may be long or even cyclic. */
    private static final int MAX_CHAIN = 10;

    private ServerErrors() {
    }

    /**
     * The meaning of {@code e} and what is chained to it: a connection loss anywhere in the chain
     * wins (the connection is gone, whatever else was said), else the first meaningful kind.
     */
    static Kind classify(SQLException e) {
        Kind found = Kind.OTHER;
        Throwable x = e;
        for (int depth = 0; x != null && depth < MAX_CHAIN; x = next(x), depth++) {
            if (x instanceof SQLException s) {
                Kind k = own(s);
                if (k == Kind.CONNECTION_LOST) {
                    return k;
                }
                if (found == Kind.OTHER) {
                    found = k;
                }
            }
        }
        return found;
    }

    /** What follows {@code x} in its chain: an {@link SQLException}'s next exception if it has one, else the cause. */
    private static Throwable next(Throwable x) {
        if (x instanceof SQLException s && s.getNextException() != null) {
            return s.getNextException();
        }
        return x.getCause();
    }

    /** The meaning of {@code e} alone, nothing chained to it. */
    static Kind own(SQLException e) {
        String state = e.getSQLState();
        int code = e.getErrorCode();
        if ((state != null && state.startsWith("08")) || e instanceof SQLNonTransientConnectionException
                || e instanceof SQLTransientConnectionException || code == SERVER_GONE || code == SERVER_LOST
                || code == CONNECTION_KILLED || code == SERVER_SHUTDOWN) {
            return Kind.CONNECTION_LOST;
        }
        if ((state != null && state.startsWith("28")) || code == ACCESS_DENIED) {
            return Kind.ACCESS_DENIED;
        }
        switch (code) {
            case OPTION_PREVENTS_STATEMENT:
            case READ_ONLY_MODE:
                return namesReadOnly(e.getMessage(), code) ? Kind.READ_ONLY_REFUSAL : Kind.OTHER;
            case READ_ONLY_TRANSACTION:
                return Kind.READ_ONLY_TRANSACTION;
            case SPECIFIC_ACCESS_DENIED:
                return Kind.MISSING_PRIVILEGE;
            case UNKNOWN_SYSTEM_VARIABLE:
                return Kind.UNKNOWN_VARIABLE;
            default:
                return Kind.OTHER;
        }
    }

    /**
     * Whether the message names a read-only option. 1290's text is "... running with the %s option
     * ...", the option name untranslated whatever {@code lc_messages} says; what a driver appends
     * after it (MariaDB Connector/J 2's "Query is: ...") is not read, a statement's text may say anything.
     */
    private static boolean namesReadOnly(String message, int code) {
        if (message == null) {
            return false;
        }
        int query = message.indexOf("\nQuery is:");
        String m = (query < 0 ? message : message.substring(0, query)).toLowerCase(Locale.ROOT);
        if (code == READ_ONLY_MODE) {
            return m.contains("read-only") || m.contains("read only");
        }
        return m.contains("--read-only") || m.contains("--super-read-only") || m.contains("--read_only")
                || m.contains("--super_read_only");
    }

    /** The first exception of {@code e}'s chain (itself included) that means {@code kind}, or null. */
    static SQLException find(SQLException e, Kind kind) {
        Throwable x = e;
        for (int depth = 0; x != null && depth < MAX_CHAIN; x = next(x), depth++) {
            if (x instanceof SQLException s && own(s) == kind) {
                return s;
            }
        }
        return null;
    }

    /** Whether the connection behind {@code e} is gone. */
    static boolean isConnectionLost(SQLException e) {
        return classify(e) == Kind.CONNECTION_LOST;
    }

    /**
     * While opening a primary: whether another server or round may do better (connection trouble,
     * a read-only server, or an error without SQLState, i.e. from the driver itself), rather than a
     * configuration error (bad credentials, unknown database, bad driver parameter) that fails at once.
     */
    static boolean worthAnotherServer(SQLException e) {
        Kind k = classify(e);
        return k == Kind.CONNECTION_LOST || k == Kind.READ_ONLY_REFUSAL
                || (k != Kind.ACCESS_DENIED && e.getSQLState() == null);
    }
}
