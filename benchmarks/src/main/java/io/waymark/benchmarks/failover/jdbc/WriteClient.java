package io.waymark.benchmarks.failover.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/** One of the compared clients: where its writers get their connections. */
interface WriteClient extends AutoCloseable {

    /** The name in the results table. */
    String name();

    /** The short tag its rows carry in the {@code client} column. */
    String tag();

    /** A pooled connection; the caller closes it. */
    Connection connection() throws SQLException;

    /** Anything the table should say about this client's run (may be empty). */
    String note();

    @Override
    void close();
}
