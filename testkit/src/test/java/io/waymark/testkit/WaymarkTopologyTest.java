package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("@WaymarkTopology checks")
class WaymarkTopologyTest {

    @WaymarkTopology(seed = true, redisReplicas = 1)
    static class SeedAndMore {}

    @WaymarkTopology(roleChecks = true)
    static class ChecksOfNothing {}

    @WaymarkTopology(redisReplicas = 1, redisCluster = true, roleChecks = true)
    static class TwoRedisWithChecks {}

    @WaymarkTopology(redisReplicas = 9)
    static class TooManyReplicas {}

    private static void check(Class<?> c) {
        WaymarkTopologyExtension.Fixtures.check(c.getAnnotation(WaymarkTopology.class), c);
    }

    @Test
    void theSeedStandsAlone() {
        assertThatThrownBy(() -> check(SeedAndMore.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(SeedAndMore.class.getName())
                .hasMessageContaining("seed = true takes no other attribute");
    }

    @Test
    void roleChecksNeedADataFixture() {
        assertThatThrownBy(() -> check(ChecksOfNothing.class))
                .hasMessageContaining("roleChecks = true needs redisReplicas, redisCluster or mariadbReplicas");
    }

    @Test
    void roleChecksOnTwoRedisFixturesWouldClash() {
        assertThatThrownBy(() -> check(TwoRedisWithChecks.class))
                .hasMessageContaining("both redisReplicas and redisCluster");
    }

    @Test
    void countsAreCheckedWithTheAttributeName() {
        assertThatThrownBy(() -> check(TooManyReplicas.class)).hasMessage("redisReplicas must be in -1..5: 9");
    }
}
