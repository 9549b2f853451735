package io.waymark.benchmarks.failover.redis;

import java.util.List;

/**
 * One client under test, reduced to what the writers need: an {@code INCR} whose reply counts as
 * the acknowledgement. Implementations are shared by all writer threads of their load.
 */
interface WriteClient extends AutoCloseable {

    /** The name in the results table. */
    String name();

    /** INCR {@code key} through this client; returns the new value, or throws what the caller would see. */
    long incr(String key);

    /** A short remark for the table (settings that matter, counters of the client), or "". */
    default String note() {
        return "";
    }

    @Override
    void close();

    /**
     * Closes {@code clients} after {@code failure} (opening the next one failed), which stays what the
     * caller sees: a client failing to close is added to it as suppressed.
     */
    static void closeAllAfter(Throwable failure, List<WriteClient> clients) {
        for (WriteClient c : clients) {
            try {
                c.close();
            } catch (RuntimeException suppressed) {
                failure.addSuppressed(suppressed);
            }
        }
    }
}
