package io.waymark.benchmarks.failover.redis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.waymark.testkit.RedisNode;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** An unplanned failure of a master, as the outage scenarios inject it. */
enum Outage {
    /** SIGKILL: a crash. */
    KILL("master kill -9"),
    /** SIGSTOP, SIGCONT later: a VM pause or a partition; the node wakes believing it is still the master. */
    FREEZE("master SIGSTOP, then SIGCONT");

    final String description;

    Outage(String description) {
        this.description = description;
    }

    /** Polls {@code node}'s ROLE every 5 ms until it says master; returns when (nanoTime). */
    static long awaitMaster(RedisNode node, String password, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RedisClient client = RedisClient.create();
        try (StatefulRedisConnection<String, String> c = client.connect(PeerSettings.uri(node.host(), node.port(),
                password))) {
            while (System.nanoTime() - deadline < 0) {
                if ("master".equals(String.valueOf(c.sync().role().get(0)))) {
                    return System.nanoTime();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
            }
        } finally {
            client.shutdown();
        }
        throw new IllegalStateException(node + " was not promoted within " + timeout);
    }

    /** Polls until {@code node} answers ROLE as a replica (woken or restarted, and demoted). */
    static void awaitReplica(RedisNode node, String password, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        RedisClient client = RedisClient.create();
        try {
            while (System.nanoTime() - deadline < 0) {
                try (StatefulRedisConnection<String, String> c = client.connect(PeerSettings.uri(node.host(),
                        node.port(), password))) {
                    if ("slave".equals(String.valueOf(c.sync().role().get(0)))) {
                        return;
                    }
                } catch (RuntimeException stillDown) {
                    // frozen, restarting or loading: try again
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
            }
        } finally {
            client.shutdown();
        }
        throw new IllegalStateException(node + " did not come back as a replica within " + timeout);
    }
}
