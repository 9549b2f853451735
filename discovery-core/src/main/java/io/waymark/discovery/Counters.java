package io.waymark.discovery;

import io.waymark.discovery.DiscoveryStats.ErrorKind;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * What {@link DiscoveryStats} reports, counted where requests are sent and answered (never
 * on the cached resolve path), and the one classification of request failures that decides
 * both the counter and whether the agent is left.
 *
 * <p>Threading: thread-safe (striped adders).
 */
final class Counters {

    final LongAdder requests = new LongAdder();
    final LongAdder blockingQueries = new LongAdder();
    final LongAdder changesPublished = new LongAdder();
    final LongAdder agentRotations = new LongAdder();
    final LongAdder aclEmptySuspicions = new LongAdder();
    final LongAdder watchesEvicted = new LongAdder();
    final LongAdder uncachedLookups = new LongAdder();
    private final LongAdder[] errors = new LongAdder[ErrorKind.values().length];

    Counters() {
        for (int i = 0; i < errors.length; i++) {
            errors[i] = new LongAdder();
        }
    }

    /** Counts a failed request; returns its kind. */
    ErrorKind failed(Throwable error) {
        ErrorKind k = kind(error);
        errors[k.ordinal()].increment();
        return k;
    }

    DiscoveryStats snapshot(int watchedNames, Duration oldestStale) {
        long[] e = new long[errors.length];
        for (int i = 0; i < e.length; i++) {
            e[i] = errors[i].sum();
        }
        return new DiscoveryStats(watchedNames, requests.sum(), e, blockingQueries.sum(), changesPublished.sum(),
                oldestStale, agentRotations.sum(), aclEmptySuspicions.sum(), watchesEvicted.sum(),
                uncachedLookups.sum());
    }

    /** The failure inside completion wrappers. */
    static Throwable cause(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }

    static ErrorKind kind(Throwable error) {
        Throwable t = cause(error);
        if (t instanceof HttpTransport.StatusException) {
            int code = ((HttpTransport.StatusException) t).code;
            if (code == 403) {
                return ErrorKind.ACL_DENIED;
            }
            return code >= 500 || code == 429 ? ErrorKind.SERVER_ERROR : ErrorKind.OTHER;
        }
        if (t instanceof HttpWatch.AclFilteredException) {
            return ErrorKind.ACL_DENIED;
        }
        if (t instanceof ConsulToken.TokenException || t instanceof ConsulJson.BadAnswerException) {
            return ErrorKind.OTHER;
        }
        if (t instanceof InterruptedIOException) {
            // SocketTimeoutException included; OkHttp's "executor rejected" is one too, but local
            return "executor rejected".equals(t.getMessage()) ? ErrorKind.OTHER : ErrorKind.TIMEOUT;
        }
        if (t instanceof java.io.IOException) {
            return ErrorKind.CONNECTION;
        }
        return ErrorKind.OTHER;
    }

    /**
     * Whether a failure of this kind says the agent is the problem, so that the watches move
     * to the next one: not an ACL refusal (every agent would refuse the same token), not a
     * local problem.
     */
    static boolean leavesAgent(ErrorKind k) {
        return k == ErrorKind.TIMEOUT || k == ErrorKind.CONNECTION || k == ErrorKind.SERVER_ERROR;
    }
}
