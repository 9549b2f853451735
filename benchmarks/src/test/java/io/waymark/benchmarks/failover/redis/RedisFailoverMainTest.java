package io.waymark.benchmarks.failover.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RedisFailoverMainTest {

    @Nested
    class Arguments {

        @Test
        void knowsEveryScenario() {
            assertThat(RedisFailoverMain.scenario("standalone")).isInstanceOf(RedisStandaloneFailoverScenario.class);
            assertThat(RedisFailoverMain.scenario("CLUSTER")).isInstanceOf(RedisClusterFailoverScenario.class);
            assertThat(RedisFailoverMain.scenario("cluster-kill").title()).contains("kill -9");
            assertThat(RedisFailoverMain.scenario("cluster-freeze").title()).contains("SIGSTOP 15 s");
            assertThat(RedisFailoverMain.scenario("standalone-kill").title()).contains("kill -9")
                    .contains("outside actor");
            assertThat(RedisFailoverMain.scenario("standalone-freeze").title()).contains("frozen");
        }

        @Test
        void rejectsAnUnknownScenario() {
            assertThatIllegalArgumentException().isThrownBy(() -> RedisFailoverMain.scenario("sentinel"))
                    .withMessageContaining("sentinel").withMessageContaining("cluster-freeze");
        }

        @Test
        void rejectsAnUnknownOption() {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> RedisFailoverMain.main(new String[] {"--scenario=standalone", "--fast=yes"}))
                    .withMessageContaining("--fast");
        }

        @Test
        void requiresTheScenario() {
            assertThatIllegalArgumentException()
                    .isThrownBy(() -> RedisFailoverMain.main(new String[] {"--failovers=2"}))
                    .withMessageContaining("--scenario");
        }
    }
}
