package io.waymark.redis.internal;

import io.lettuce.core.RedisCommandInterruptedException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisReadOnlyException;
import io.lettuce.core.cluster.PartitionException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * What a failed command tells: whether it ran, and what it says about the node. The one
 * place where Lettuce's exceptions and Redis's error replies are told apart.
 */
enum Failures {
    /**
     * It never left the client (rejected while the connection was down, connection refused, no node
     * for the slot in Lettuce's view): the node is unreachable; the command may be sent again.
     */
    NOT_SENT,
    /**
     * The server refused it before running it ({@code READONLY}, {@code MOVED}, {@code LOADING},
     * {@code MASTERDOWN}, {@code CLUSTERDOWN}, {@code TRYAGAIN}): the node is not (yet) the one to ask;
     * the command may be sent again. A script can answer the same words after it wrote
     * ({@code error_reply('READONLY ...')}): see {@link RetryPolicy.Resend#IF_NOT_SENT}.
     */
    REFUSED,
    /** It may have run (a timeout, a reset or closed connection, a cancelled or interrupted caller). */
    OUTCOME_UNKNOWN,
    /** A reply from a healthy node (wrong type, syntax...): the caller's business. */
    OTHER;

    private static final String[] REFUSALS = {"READONLY", "MOVED", "LOADING", "MASTERDOWN", "CLUSTERDOWN",
        "TRYAGAIN"};

    static Failures classify(Throwable t) {
        Throwable e = unwrap(t);
        if (e instanceof PartitionException) {
            // Lettuce's cluster view had no node for the slot: nothing was sent
            return NOT_SENT;
        }
        if (e instanceof RedisReadOnlyException) {
            return REFUSED;
        }
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (refusal(msg) != null) {
            // refused before execution: a replica, a node loading its data set, a replica without its master,
            // a cluster without full slot coverage, a multi-key command during a slot migration
            return REFUSED;
        }
        if (msg.startsWith("Currently not connected") || msg.equals("Connection is closed")
                || e instanceof RedisConnectionException) {
            // Lettuce rejects commands while the connection is down, or closed (a fenced node's): never written
            return NOT_SENT;
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return NOT_SENT;
            }
        }
        if (e instanceof RedisCommandTimeoutException || e instanceof RedisCommandInterruptedException
                || e instanceof IOException || e instanceof ClosedChannelException
                || e instanceof CancellationException
                || (e instanceof RedisException && e.getCause() instanceof IOException)
                || msg.startsWith("Connection closed") || msg.startsWith("Connection disconnected")
                || msg.contains(OUTCOME_UNKNOWN_MARK)) {
            // in flight when the connection dropped or the caller gave up: it may have run
            return OUTCOME_UNKNOWN;
        }
        return OTHER;
    }

    private static final String OUTCOME_UNKNOWN_MARK = "(outcome unknown: ";

    private static String refusal(String msg) {
        for (String word : REFUSALS) {
            if (msg.startsWith(word)) {
                return word;
            }
        }
        return null;
    }

    /** A short reason for logs and metrics: never a message that could hold arguments. */
    static String reason(Throwable t) {
        Throwable e = unwrap(t);
        String word = refusal(e.getMessage() == null ? "" : e.getMessage());
        return word != null ? word : e.getClass().getSimpleName();
    }

    /**
     * What the caller of a command that may have run gets: Lettuce's exception, of the same type
     * where callers tell them apart (a timeout stays a {@link RedisCommandTimeoutException}), its
     * message saying that the outcome is unknown and why, the original as its cause.
     */
    static RedisException outcomeUnknown(Throwable err, String why) {
        Throwable e = unwrap(err);
        String message = e.getMessage() + " " + OUTCOME_UNKNOWN_MARK + why + ")";
        RedisException out;
        if (e instanceof RedisCommandTimeoutException) {
            out = new RedisCommandTimeoutException(message);
            out.initCause(e);
        } else {
            out = new RedisException(message, e);
        }
        return out;
    }

    static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
