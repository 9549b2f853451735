package io.waymark.benchmarks.failover.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.waymark.benchmarks.failover.HarnessSettings;
import io.waymark.benchmarks.failover.ScenarioRun;
import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Redis standalone failover scenario, 2 switchovers with 2 writers per client")
class RedisFailoverScenarioIT extends ScenarioRun {

    RedisFailoverScenarioIT() {
        super(new RedisStandaloneFailoverScenario(),
                new HarnessSettings(2, 2, Duration.ofSeconds(2), Duration.ofSeconds(1)), "Waymark DiscoveredRedis",
                "Lettuce MasterReplica (static nodes)", "kiwi ServiceHealthCache + Lettuce",
                "Consul DNS on (re)connect + Lettuce");
    }

    @Test
    void waymarkHadNoWriteAcceptedByAReplica() {
        assertThat(waymark().writesAcceptedByReplica()).isZero();
    }
}
