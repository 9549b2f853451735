package io.waymark.benchmarks.failover.redis;

import io.lettuce.core.RedisURI;
import java.time.Duration;

/** What the peers share with Waymark's defaults, so that only the failover handling differs. */
final class PeerSettings {

    /** Waymark's default command timeout; Lettuce's own default (60 s) would make every stall look worse. */
    static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(3);

    private PeerSettings() {
    }

    static RedisURI uri(String host, int port, String password) {
        return RedisURI.builder().withHost(host).withPort(port).withPassword(password.toCharArray())
                .withTimeout(COMMAND_TIMEOUT).build();
    }
}
