package io.waymark.jdbc.internal;

/**
 * Whether a logical connection is inside a transaction, as far as it can tell: auto-commit off
 * with a statement run since the last commit or rollback, or a transaction opened through SQL
 * ({@code BEGIN}, {@code START TRANSACTION}, {@code XA START}, {@code ... AND CHAIN}; read by
 * {@link SqlText}) and not yet ended. A connection inside a transaction never moves to another
 * server, and once auto-commit was changed through SQL ({@code SET autocommit},
 * {@code SET completion_type}) nothing is ever re-run on one.
 *
 * <p><b>Threading:</b> confined to the logical connection's user thread.
 */
final class TransactionTracker {

    /** Auto-commit off and work done since the last commit or rollback. */
    private boolean workInTransaction;
    /** A transaction opened through SQL and not yet ended. */
    private boolean explicitTransaction;
    /** Auto-commit or completion type changed through SQL: the JDBC flag cannot be trusted. */
    private boolean settingsBySql;

    /** Before a statement runs, with its SQL when known. */
    void beforeStatement(String sql, boolean autoCommit) {
        if (sql != null) {
            switch (SqlText.effect(sql)) {
                case BEGINS:
                case CHAINS:
                    explicitTransaction = true;
                    break;
                case ENDS:
                    explicitTransaction = false;
                    break;
                case SESSION_TRANSACTION_SETTINGS:
                    settingsBySql = true;
                    break;
                default:
                    break;
            }
        }
        beforeWork(autoCommit);
    }

    /** Before other work that belongs to a transaction (a savepoint). */
    void beforeWork(boolean autoCommit) {
        if (!autoCommit) {
            workInTransaction = true;
        }
    }

    /** A JDBC commit or rollback, or auto-commit switched on (which commits). */
    void ended() {
        workInTransaction = false;
        explicitTransaction = false;
    }

    boolean inTransaction(boolean autoCommit) {
        return explicitTransaction || (!autoCommit && workInTransaction);
    }

    /** No transaction opened through SQL, and auto-commit never changed through SQL. */
    boolean sqlLeftTransactionsAlone() {
        return !explicitTransaction && !settingsBySql;
    }
}
