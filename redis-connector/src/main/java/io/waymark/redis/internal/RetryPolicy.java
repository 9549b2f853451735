package io.waymark.redis.internal;

import io.waymark.redis.RedisMetrics;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one retry decision, for every API of both modes: a command goes again only if it
 * certainly did not run, within the failover budget, and not after a reactive publisher
 * emitted; a read may also go to the next node when its node failed (a read may run twice).
 * What is not sent again reaches the caller, saying so when its outcome is unknown.
 *
 * <p>It counts the retries and the commands that failed with an unknown outcome, for
 * {@link io.waymark.redis.RedisStats}.
 *
 * <p><b>Threading:</b> thread-safe; the clock and the jitter source are injectable for tests.
 */
final class RetryPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(RetryPolicy.class);

    static final long MIN_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    static final long MAX_BACKOFF_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    /** Whether a command may be sent again after a failed attempt, worked out once per command. */
    enum Resend {
        /** After a refusal or when it was never sent: the plain command. */
        IF_REFUSED,
        /**
         * Only when it was never sent: a script ({@code EVAL}, {@code EVALSHA}, {@code FCALL}) can answer
         * {@code error_reply('READONLY ...')} after it wrote, so a refusal from it proves nothing.
         */
        IF_NOT_SENT,
        /** Never: {@code dispatch}, whose output object the first attempt already filled. */
        NEVER,
        /**
         * Never, and whatever the failure its outcome is unknown: a multi-key command Lettuce split across
         * slots ({@code DEL}, {@code MSET}...), whose other parts may have run on other nodes.
         */
        SPLIT
    }

    private final long budgetNanos;
    private final RedisMetrics metrics;
    private final LongSupplier ticker;
    private final DoubleSupplier random;
    private final AtomicLong retries = new AtomicLong();
    private final AtomicLong outcomeUnknown = new AtomicLong();

    RetryPolicy(RedisSettings<?, ?> settings) {
        this(settings.failoverBudget(), settings.metrics(), settings.ticker(),
                () -> ThreadLocalRandom.current().nextDouble());
    }

    RetryPolicy(Duration failoverBudget, RedisMetrics metrics) {
        this(failoverBudget, metrics, System::nanoTime, () -> ThreadLocalRandom.current().nextDouble());
    }

    /**
     * @param ticker nanoseconds, as {@link System#nanoTime()}
     * @param random the jitter, in [0, 1)
     */
    RetryPolicy(Duration failoverBudget, RedisMetrics metrics, LongSupplier ticker, DoubleSupplier random) {
        this.budgetNanos = failoverBudget.toNanos();
        this.metrics = SafeMetrics.wrap(metrics);
        this.ticker = ticker;
        this.random = random;
    }

    long now() {
        return ticker.getAsLong();
    }

    /** The end of the failover budget of a command issued now. */
    long deadline() {
        return deadline(ticker.getAsLong());
    }

    /** The end of the failover budget of a command issued at {@code start} ({@link #now()}). */
    long deadline(long start) {
        return start + budgetNanos;
    }

    /** What a failure means for a command with this resend rule: a script's refusal is no proof it did not run. */
    static Failures classify(Throwable err, Resend resend) {
        Failures f = Failures.classify(err);
        return f == Failures.REFUSED && resend == Resend.IF_NOT_SENT ? Failures.OUTCOME_UNKNOWN : f;
    }

    /** A command (any, in cluster mode; a write, in standalone mode): may it go again? */
    boolean mayResend(Failures failure, Resend resend, long deadline, boolean emitted) {
        if (emitted || resend == Resend.NEVER || resend == Resend.SPLIT) {
            return false;
        }
        boolean didNotRun = failure == Failures.NOT_SENT || failure == Failures.REFUSED;
        return didNotRun && ticker.getAsLong() - deadline < 0;
    }

    /**
     * A standalone read whose node failed: may it go to the next node? Any node problem will do,
     * a timeout included, but not {@code READONLY} (a read refused as a write stays refused) nor an
     * error reply, and never after a reactive read emitted (the caller would see elements twice).
     */
    static boolean mayReadElsewhere(Failures failure, Throwable err, boolean emitted) {
        if (emitted) {
            return false;
        }
        return failure == Failures.OUTCOME_UNKNOWN || failure == Failures.NOT_SENT
                || failure == Failures.REFUSED && !Failures.reason(err).equals("READONLY");
    }

    /**
     * How long to wait before attempt {@code attempt + 1} of a cluster command: backoff doubling from
     * 10 ms to 100 ms, jittered into its upper half so that writers held by one outage do not return in
     * step, never past the deadline.
     */
    long backoffNanos(int attempt, long deadline) {
        return backoffNanos(attempt, deadline - ticker.getAsLong(), random.getAsDouble());
    }

    @SuppressWarnings("NarrowCalculation") // cap is MIN_BACKOFF_NANOS times a power of two: even, cap / 2 is exact
    static long backoffNanos(int attempt, long nanosLeft, double random) {
        long cap = Math.min(MAX_BACKOFF_NANOS, MIN_BACKOFF_NANOS << Math.min(Math.max(attempt, 0), 4));
        long delay = cap / 2 + (long) (random * (cap / 2));
        return Math.max(0, Math.min(delay, nanosLeft));
    }

    /** A command goes again: counted, logged, and told to the metrics hook. */
    void retrying(String command, Throwable err) {
        String reason = Failures.reason(err);
        retries.incrementAndGet();
        LOG.debug("retrying {} after {}", command, reason);
        metrics.writeRetried(command, reason);
    }

    /**
     * What the caller gets for a command that is not sent again: the failure as it is, or, when the
     * command may have run (reads aside: running twice is harmless), an exception saying the outcome
     * is unknown, counted.
     */
    Throwable failure(Throwable err, Failures failure, Resend resend, boolean read) {
        if (read) {
            return Failures.unwrap(err);
        }
        if (resend == Resend.SPLIT && failure != Failures.OTHER) {
            outcomeUnknown.incrementAndGet();
            return Failures.outcomeUnknown(err, "Lettuce split the command across slots and other parts may "
                    + "have run; it was not retried");
        }
        if (failure == Failures.OUTCOME_UNKNOWN) {
            outcomeUnknown.incrementAndGet();
            return Failures.outcomeUnknown(err, resend == Resend.IF_NOT_SENT && Failures.classify(err)
                    == Failures.REFUSED ? "a script can answer this after it wrote; it was not retried"
                    : "the command may have run; it was not retried");
        }
        return Failures.unwrap(err);
    }

    long retries() {
        return retries.get();
    }

    long outcomeUnknown() {
        return outcomeUnknown.get();
    }
}
