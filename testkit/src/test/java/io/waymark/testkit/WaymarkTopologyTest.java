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
    void the_seed_stands_alone() {
        assertThatThrownBy(() -> check(SeedAndMore.class)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(SeedAndMore.class.getName())
                .hasMessageContaining("seed = true takes no other attribute");
    }

    @Test
    void role_checks_need_a_data_fixture() {
        assertThatThrownBy(() -> check(ChecksOfNothing.class))
                .hasMessageContaining("roleChecks = true needs redisReplicas, redisCluster or mariadbReplicas");
    }

    @Test
    void role_checks_on_two_redis_fixtures_would_clash() {
        assertThatThrownBy(() -> check(TwoRedisWithChecks.class))
                .hasMessageContaining("both redisReplicas and redisCluster");
    }

    @Test
    void counts_are_checked_with_the_attribute_name() {
        assertThatThrownBy(() -> check(TooManyReplicas.class)).hasMessage("redisReplicas must be in -1..5: 9");
    }
}
