package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class PacingTest {

    @Nested
    @DisplayName("jittered exponential backoff")
    class BackoffTests {

        private final Backoff noJitter = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 1.0);
        private final Backoff fullJitter = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.0);

        @Test
        @DisplayName("doubles from the initial delay up to the maximum")
        void doubles() {
            assertThat(noJitter.delayNanos(1)).isEqualTo(ms(100));
            assertThat(noJitter.delayNanos(2)).isEqualTo(ms(200));
            assertThat(noJitter.delayNanos(3)).isEqualTo(ms(400));
            assertThat(noJitter.delayNanos(8)).isEqualTo(ms(10_000));
            assertThat(noJitter.delayNanos(1000)).isEqualTo(ms(10_000));
        }

        @Test
        @DisplayName("jitter takes off at most half")
        void jitter() {
            assertThat(fullJitter.delayNanos(1)).isEqualTo(ms(50));
            assertThat(fullJitter.delayNanos(3)).isEqualTo(ms(200));
            assertThat(fullJitter.delayNanos(100)).isEqualTo(ms(5_000));
            Backoff half = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(10), () -> 0.5);
            assertThat(half.delayNanos(1)).isEqualTo(ms(75));
        }

        @Test
        @DisplayName("no overflow for huge attempt counts or maxima")
        void noOverflow() {
            Backoff huge = new Backoff(Duration.ofDays(1), Duration.ofDays(10_000), () -> 1.0);
            assertThat(huge.delayNanos(Integer.MAX_VALUE)).isEqualTo(Duration.ofDays(10_000).toNanos());
            assertThat(noJitter.delayNanos(0)).isEqualTo(ms(100));
        }
    }

    @Nested
    @DisplayName("token bucket")
    class TokenBucketTests {

        private final AtomicLong now = new AtomicLong(1_000_000);

        @Test
        @DisplayName("lets a burst through, then spaces requests at the rate")
        void burstThenRate() {
            TokenBucket bucket = new TokenBucket(5, 3, now::get);
            assertThat(bucket.reserve()).isZero();
            assertThat(bucket.reserve()).isZero();
            assertThat(bucket.reserve()).isZero();
            assertThat(bucket.reserve()).isEqualTo(ms(200));
            // the next one queues behind the reservation
            assertThat(bucket.reserve()).isEqualTo(ms(400));
            now.addAndGet(ms(400));
            assertThat(bucket.reserve()).isEqualTo(ms(200));
        }

        @Test
        @DisplayName("refills while idle, but never beyond the burst")
        void refill() {
            TokenBucket bucket = new TokenBucket(10, 2, now::get);
            bucket.reserve();
            bucket.reserve();
            now.addAndGet(TimeUnit.SECONDS.toNanos(60));
            assertThat(bucket.reserve()).isZero();
            assertThat(bucket.reserve()).isZero();
            assertThat(bucket.reserve()).isEqualTo(ms(100));
        }

        @Test
        void validates() {
            assertThatThrownBy(() -> new TokenBucket(0, 1, now::get)).hasMessage("permitsPerSecond must be > 0: 0.0");
            assertThatThrownBy(() -> new TokenBucket(1, 0, now::get)).hasMessage("burst must be >= 1: 0");
        }
    }

    private static long ms(long millis) {
        return TimeUnit.MILLISECONDS.toNanos(millis);
    }
}
