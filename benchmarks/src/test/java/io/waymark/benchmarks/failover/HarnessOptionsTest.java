package io.waymark.benchmarks.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class HarnessOptionsTest {

    private static HarnessSettings settings(String... args) {
        return HarnessOptions.parse(args, "--scenario=a|b", "scenario").settings();
    }

    @Nested
    class Durations {

        @Test
        void acceptsSecondsMillisecondsMinutesAndIso() {
            assertThat(settings("--check-interval=2s").checkInterval()).isEqualTo(Duration.ofSeconds(2));
            assertThat(settings("--settle=500ms").settleBetween()).isEqualTo(Duration.ofMillis(500));
            assertThat(settings("--check-interval=1m").checkInterval()).isEqualTo(Duration.ofMinutes(1));
            assertThat(settings("--check-interval=PT10S").checkInterval()).isEqualTo(Duration.ofSeconds(10));
        }

        @Test
        void rejectsGarbageNamingTheOptionAndValue() {
            assertThatIllegalArgumentException().isThrownBy(() -> settings("--check-interval=soon"))
                    .withMessageContaining("--check-interval").withMessageContaining("soon");
        }
    }

    @Nested
    class Options {

        @Test
        void keepsTheMainsOwnOptionsAndRefusesOthersWithTheUsage() {
            HarnessOptions o = HarnessOptions.parse(new String[] {"--scenario=b", "--writers=3"}, "--scenario=a|b",
                    "scenario");
            assertThat(o.option("scenario", null)).isEqualTo("b");
            assertThat(o.option("fault", "none")).isEqualTo("none");
            assertThat(o.settings())
                    .isEqualTo(new HarnessSettings(20, 3, Duration.ofSeconds(2), Duration.ofSeconds(1)));
            assertThatIllegalArgumentException().isThrownBy(() -> settings("--fault=kill"))
                    .withMessageContaining("unknown option --fault").withMessageContaining("usage: --scenario=a|b")
                    .withMessageContaining("[--settle=1s]");
        }
    }
}
