package io.waymark.redis.internal;

import io.waymark.redis.RedisMetrics;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The application's {@link RedisMetrics}, isolated: the hooks run inside routing and topology
 * callbacks, where an exception would leave a caller's future incomplete or a topology change
 * half made. What a hook throws is logged (WARN the first time, DEBUG after) and dropped.
 *
 * <p><b>Threading:</b> as thread-safe as the delegate.
 */
final class SafeMetrics implements RedisMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(SafeMetrics.class);

    private final RedisMetrics delegate;
    private final AtomicBoolean warned = new AtomicBoolean();

    private SafeMetrics(RedisMetrics delegate) {
        this.delegate = delegate;
    }

    static RedisMetrics wrap(RedisMetrics metrics) {
        return metrics == RedisMetrics.NONE || metrics instanceof SafeMetrics ? metrics : new SafeMetrics(metrics);
    }

    @Override
    public void masterChanged(String from, String to) {
        guard("masterChanged", () -> delegate.masterChanged(from, to));
    }

    @Override
    public void writeRetried(String command, String reason) {
        guard("writeRetried", () -> delegate.writeRetried(command, reason));
    }

    @Override
    public void writableMasterRestored(Duration withoutMaster) {
        guard("writableMasterRestored", () -> delegate.writableMasterRestored(withoutMaster));
    }

    private void guard(String hook, Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            failed(hook, e);
        }
    }

    private void failed(String hook, RuntimeException e) {
        if (warned.compareAndSet(false, true)) {
            LOG.warn("RedisMetrics.{} threw; ignored, as every later failure of a hook (logged at DEBUG)", hook, e);
        } else {
            LOG.debug("RedisMetrics.{} threw: {}", hook, e.toString());
        }
    }
}
