package io.waymark.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.lettuce.core.api.sync.RedisCommands;
import io.waymark.testkit.RedisNode;
import io.waymark.testkit.RedisReplication;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A coordinated switchover under load, as the ITs on a plain and on a secured Consul run it: 4
 * writers (sync, async and reactive in turn) and 2 readers through a standalone
 * {@link DiscoveredRedis} while the master moves to a replica; then the checks of both: no caller
 * saw an error, every acknowledged write is on the new master, and the connector followed the
 * move (writes held by {@code CLIENT PAUSE} came back {@code READONLY} and were retried).
 */
final class SwitchoverUnderLoad {

    final WriteLoad writes;
    final ReadLoad reads;
    /** Writes retried during the switchover. */
    final long retries;

    private SwitchoverUnderLoad(WriteLoad writes, ReadLoad reads, long retries) {
        this.writes = writes;
        this.reads = reads;
        this.retries = retries;
    }

    /** Switches {@code replication}'s master to {@code target} while the load runs, until it settled there. */
    static SwitchoverUnderLoad run(DiscoveredRedis<String, String> redis, RedisReplication replication,
            RedisNode target) throws InterruptedException {
        long retriesBefore = redis.stats().writeRetries();
        redis.sync().set("switchover-read", "stable");
        replication.awaitReplicasInSync();
        ReadLoad readers = new ReadLoad(redis, "switchover-read", "stable", 2).start();
        WriteLoad load = new WriteLoad(redis, "switchover", 4).start();
        try {
            await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledgedCount() > 200);
            replication.switchover(target);
            int afterSwitch = load.acknowledgedCount();
            await().atMost(Duration.ofSeconds(20)).until(() -> load.acknowledgedCount() > afterSwitch + 400);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> redis.stats().masters().equals(List.of(target.address())));
        } finally {
            load.stop();
            readers.stop();
        }
        SwitchoverUnderLoad s = new SwitchoverUnderLoad(load, readers, redis.stats().writeRetries() - retriesBefore);
        System.out.printf("switchover: %d writes, %d reads, longest gap between two acknowledged writes %d ms, "
                + "%d retries%n", load.acknowledgedCount(), readers.reads.get(),
                TimeUnit.NANOSECONDS.toMillis(load.maxGapNanos.get()), s.retries);
        return s;
    }

    /** No caller saw an error, nothing acknowledged is missing on {@code newMaster}, the move was followed. */
    void assertNoCallerErrorAndNothingLost(DiscoveredRedis<String, String> redis,
            RedisCommands<String, String> newMaster) {
        assertThat(writes.failures).as("errors seen by writers").isEmpty();
        assertThat(reads.failures).as("errors seen by readers").isEmpty();
        assertThat(reads.reads.get()).isPositive();
        assertThat(WriteLoad.missingOn(newMaster, writes.acknowledged.keySet())).as("acknowledged writes missing")
                .isEmpty();
        assertThat(redis.stats().failoversSeen()).isGreaterThanOrEqualTo(1);
        assertThat(retries).as("writes held by CLIENT PAUSE came back READONLY").isPositive();
    }
}
