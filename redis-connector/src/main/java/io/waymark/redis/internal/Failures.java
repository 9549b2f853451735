package io.waymark.redis.internal;

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

/** What a failed command tells about the node, and whether it may be sent again. */
enum Failures {
    /**
     * The command certainly did not run (READONLY, MOVED, CLUSTERDOWN, TRYAGAIN, rejected while disconnected,
     * refused): retry, elsewhere or later.
     */
    NOT_EXECUTED,
    /** The node may be gone (timeout, reset): look again at the topology, but the command may have run. */
    NODE_SUSPECT,
    /** A reply from a healthy node (wrong type, syntax...): the caller's business. */
    OTHER;

    static Failures classify(Throwable t) {
        Throwable e = unwrap(t);
        if (e instanceof RedisReadOnlyException || e instanceof PartitionException) {
            // PartitionException: Lettuce's cluster view had no node for the slot, nothing was sent
            return NOT_EXECUTED;
        }
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (msg.startsWith("READONLY") || msg.startsWith("MOVED") || msg.startsWith("LOADING")
                || msg.startsWith("MASTERDOWN") || msg.startsWith("CLUSTERDOWN") || msg.startsWith("TRYAGAIN")) {
            // refused before execution: a replica, a node loading its data set, a replica without its master,
            // a cluster without full slot coverage, a multi-key command during a slot migration
            return NOT_EXECUTED;
        }
        if (msg.startsWith("Currently not connected") || e instanceof RedisConnectionException) {
            // Lettuce rejects commands while the connection is down: never written to a socket
            return NOT_EXECUTED;
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof ConnectException) {
                return NOT_EXECUTED;
            }
        }
        if (e instanceof RedisCommandTimeoutException || e instanceof IOException
                || e instanceof ClosedChannelException || e instanceof CancellationException
                || (e instanceof RedisException && e.getCause() instanceof IOException)
                || msg.startsWith("Connection closed") || msg.startsWith("Connection disconnected")) {
            // in flight when the connection dropped: it may have run
            return NODE_SUSPECT;
        }
        return OTHER;
    }

    /** A short reason for logs and metrics: never a message that could hold arguments. */
    static String reason(Throwable t) {
        Throwable e = unwrap(t);
        String msg = e.getMessage() == null ? "" : e.getMessage();
        if (msg.startsWith("READONLY")) {
            return "READONLY";
        }
        for (String word : new String[] {"MOVED", "LOADING", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN"}) {
            if (msg.startsWith(word)) {
                return word;
            }
        }
        return e.getClass().getSimpleName();
    }

    /**
     * What the caller of a command that may have run gets: Lettuce's exception, of the same type
     * where callers tell them apart (a timeout stays a {@link RedisCommandTimeoutException}), its
     * message saying that the outcome is unknown and why, the original as its cause.
     */
    static RedisException outcomeUnknown(Throwable err, String why) {
        Throwable e = unwrap(err);
        String message = e.getMessage() + " (outcome unknown: " + why + ")";
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
