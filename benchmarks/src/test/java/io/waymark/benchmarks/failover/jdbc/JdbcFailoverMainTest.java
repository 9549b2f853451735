package io.waymark.benchmarks.failover.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.waymark.benchmarks.failover.HarnessSettings;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class JdbcFailoverMainTest {

    @Nested
    class Options {

        @Test
        void defaultsToTwentyFailoversFourWritersTwoSeconds() {
            HarnessSettings s = JdbcFailoverMain.settings(new String[0]);
            assertThat(s.failovers()).isEqualTo(20);
            assertThat(s.writers()).isEqualTo(4);
            assertThat(s.checkInterval()).isEqualTo(Duration.ofSeconds(2));
        }

        @Test
        void takesTheHarnessOptions() {
            HarnessSettings s = JdbcFailoverMain.settings(
                    new String[] {"--failovers=5", "--writers=3", "--check-interval=10s", "--settle=500ms"});
            assertThat(s).isEqualTo(new HarnessSettings(5, 3, Duration.ofSeconds(10), Duration.ofMillis(500)));
        }

        @Test
        void rejectsUnknownOrMalformedOptions() {
            assertThatThrownBy(() -> JdbcFailoverMain.settings(new String[] {"--scenario=x"}))
                    .hasMessageContaining("unknown option --scenario");
            assertThatThrownBy(() -> JdbcFailoverMain.scenario(new String[] {"--fault=reboot"}))
                    .hasMessageContaining("--fault must be switchover, kill or freeze: reboot");
            assertThatThrownBy(() -> JdbcFailoverMain.settings(new String[] {"--writers=four"}))
                    .hasMessageContaining("--writers must be an integer: four");
            assertThatThrownBy(() -> JdbcFailoverMain.settings(new String[] {"failovers=2"}))
                    .hasMessageContaining("not --name=value");
        }
    }

    @Nested
    class Faults {

        @Test
        void aSwitchoverByDefaultAKilledOrFrozenPrimaryOnRequest() {
            assertThat(JdbcFailoverMain.scenario(new String[0])).isInstanceOf(JdbcFailoverScenario.class);
            assertThat(JdbcFailoverMain.scenario(new String[] {"--failovers=5", "--fault=kill"}).title())
                    .contains("killed (kill -9)").contains("outside actor");
            assertThat(JdbcFailoverMain.scenario(new String[] {"--fault=FREEZE"}).title()).contains("frozen (SIGSTOP");
            assertThat(JdbcFailoverMain.settings(new String[] {"--fault=kill", "--failovers=5"}).failovers())
                    .isEqualTo(5);
        }
    }

    @Nested
    class ConsulHealthAnswers {

        @Test
        void readsTheServiceAddressOfEveryPassingInstance() {
            String body = "[{\"Node\":{\"ID\":\"x\",\"Node\":\"db1\",\"Address\":\"127.0.0.9\",\"TaggedAddresses\":{}},"
                    + "\"Service\":{\"ID\":\"w-master-mysql-3306\",\"Service\":\"w-master-mysql-3306\",\"Tags\":[\"master\"],"
                    + "\"Address\":\"127.0.0.31\",\"TaggedAddresses\":{\"lan_ipv4\":{\"Address\":\"127.0.0.31\"}},"
                    + "\"Port\":3306},\"Checks\":[]},"
                    + "{\"Node\":{\"Node\":\"db2\",\"Address\":\"127.0.0.8\"},\"Service\":{\"ID\":\"w\",\"Address\":\"127.0.0.32\","
                    + "\"Port\":3306},\"Checks\":[]}]";
            assertThat(OperatorRepointedClient.addresses(body)).containsExactly("127.0.0.31", "127.0.0.32");
            assertThat(OperatorRepointedClient.addresses("[]")).isEmpty();
        }
    }
}
