package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisException;
import io.waymark.redis.RedisMetrics;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The one retry decision, on a clock the test moves. */
class RetryPolicyTest {

    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    private final AtomicLong clock = new AtomicLong(1_000_000 * MS);
    private final RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(2), RedisMetrics.NONE, clock::get, () -> 0.5);

    private static final RedisException CLUSTERDOWN = new RedisCommandExecutionException("CLUSTERDOWN The cluster is down");
    private static final RedisException TIMEOUT = new RedisCommandTimeoutException("Command timed out after 3 second(s)");

    @Nested
    class Resending {

        @Test
        void onlyWhatCertainlyDidNotRunGoesAgain() {
            long deadline = policy.deadline();
            assertThat(policy.mayResend(Failures.REFUSED, RetryPolicy.Resend.IF_REFUSED, deadline, false)).isTrue();
            assertThat(policy.mayResend(Failures.NOT_SENT, RetryPolicy.Resend.IF_REFUSED, deadline, false)).isTrue();
            assertThat(policy.mayResend(Failures.OUTCOME_UNKNOWN, RetryPolicy.Resend.IF_REFUSED, deadline, false))
                    .isFalse();
            assertThat(policy.mayResend(Failures.OTHER, RetryPolicy.Resend.IF_REFUSED, deadline, false)).isFalse();
        }

        @Test
        void nothingGoesAgainBeyondTheBudget() {
            long deadline = policy.deadline();
            clock.addAndGet(1999 * MS);
            assertThat(policy.mayResend(Failures.REFUSED, RetryPolicy.Resend.IF_REFUSED, deadline, false)).isTrue();
            clock.addAndGet(MS);
            assertThat(policy.mayResend(Failures.REFUSED, RetryPolicy.Resend.IF_REFUSED, deadline, false)).isFalse();
        }

        @Test
        void nothingGoesAgainAfterAReactivePublisherEmitted() {
            assertThat(policy.mayResend(Failures.REFUSED, RetryPolicy.Resend.IF_REFUSED, policy.deadline(), true))
                    .isFalse();
        }

        @Test
        void dispatchAndSplitCommandsNeverGoAgain() {
            long deadline = policy.deadline();
            assertThat(policy.mayResend(Failures.NOT_SENT, RetryPolicy.Resend.NEVER, deadline, false)).isFalse();
            assertThat(policy.mayResend(Failures.REFUSED, RetryPolicy.Resend.SPLIT, deadline, false)).isFalse();
        }
    }

    @Nested
    class Backoff {

        @Test
        void theBackoffGrowsFrom10To100MsWithJitterInItsUpperHalf() {
            long left = 2000 * MS;
            assertThat(RetryPolicy.backoffNanos(0, left, 0.0)).isEqualTo(5 * MS);
            assertThat(RetryPolicy.backoffNanos(0, left, 0.999999)).isBetween(9 * MS, 10 * MS);
            assertThat(RetryPolicy.backoffNanos(1, left, 0.0)).isEqualTo(10 * MS);
            assertThat(RetryPolicy.backoffNanos(3, left, 0.0)).isEqualTo(40 * MS);
            for (int attempt = 4; attempt < 40; attempt++) {
                assertThat(RetryPolicy.backoffNanos(attempt, left, 0.999999)).isBetween(50 * MS, 100 * MS);
            }
        }

        @Test
        void theLastWaitIsOnlyWhatIsLeft() {
            long deadline = policy.deadline();
            clock.addAndGet(1997 * MS);
            assertThat(policy.backoffNanos(9, deadline)).isEqualTo(3 * MS);
        }
    }

    @Nested
    class Failing {

        @Test
        void aWriteThatMayHaveRunSaysSoAndIsCounted() {
            Throwable t = policy.failure(TIMEOUT, Failures.OUTCOME_UNKNOWN, RetryPolicy.Resend.IF_REFUSED, false);
            assertThat(t).isInstanceOf(RedisCommandTimeoutException.class).hasMessageContaining("outcome unknown");
            assertThat(policy.outcomeUnknown()).isEqualTo(1);
        }

        @Test
        void aReadIsHarmlessToRunTwiceSoItsFailureIsAsItIs() {
            assertThat(policy.failure(TIMEOUT, Failures.OUTCOME_UNKNOWN, RetryPolicy.Resend.IF_REFUSED, true))
                    .isSameAs(TIMEOUT);
            assertThat(policy.outcomeUnknown()).isZero();
        }

        @Test
        void aRefusalThatOutlivedTheBudgetIsAsItIs() {
            assertThat(policy.failure(CLUSTERDOWN, Failures.REFUSED, RetryPolicy.Resend.IF_REFUSED, false))
                    .isSameAs(CLUSTERDOWN);
            assertThat(policy.outcomeUnknown()).isZero();
        }
    }

    @Test
    void retriesAreCountedAndToldToTheMetricsHook() {
        StringBuilder told = new StringBuilder();
        RetryPolicy p = new RetryPolicy(Duration.ofSeconds(2), new RedisMetrics() {
            @Override
            public void writeRetried(String command, String reason) {
                told.append(command).append(' ').append(reason);
            }
        });
        p.retrying("set", CLUSTERDOWN);
        assertThat(p.retries()).isEqualTo(1);
        assertThat(told).hasToString("set CLUSTERDOWN");
    }
}
