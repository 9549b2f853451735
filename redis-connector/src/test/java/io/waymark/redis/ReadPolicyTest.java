package io.waymark.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.ReadFrom;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ReadPolicyTest {

    @Nested
    class NamedConstants {

        @Test
        void theConstantsMapToLettucesReadFromForClusterMode() {
            assertThat(ReadPolicy.MASTER.toReadFrom()).isSameAs(ReadFrom.UPSTREAM);
            assertThat(ReadPolicy.MASTER_PREFERRED.toReadFrom()).isSameAs(ReadFrom.UPSTREAM_PREFERRED);
            assertThat(ReadPolicy.REPLICA.toReadFrom()).isSameAs(ReadFrom.REPLICA);
            assertThat(ReadPolicy.REPLICA_PREFERRED.toReadFrom()).isSameAs(ReadFrom.REPLICA_PREFERRED);
            assertThat(ReadPolicy.ANY.toReadFrom()).isSameAs(ReadFrom.ANY);
        }

        @Test
        void replicaPreferredTriesReplicasFirstAndFallsBackToTheMaster() {
            assertThat(ReadPolicy.REPLICA_PREFERRED.usesReplicas()).isTrue();
            assertThat(ReadPolicy.REPLICA_PREFERRED.replicasFirst()).isTrue();
            assertThat(ReadPolicy.REPLICA_PREFERRED.usesMaster()).isTrue();
        }

        @Test
        void replicaNeverReadsFromTheMaster() {
            assertThat(ReadPolicy.REPLICA.usesMaster()).isFalse();
        }

        @Test
        void masterNeverReadsFromReplicas() {
            assertThat(ReadPolicy.MASTER.usesReplicas()).isFalse();
            assertThat(ReadPolicy.MASTER.usesMaster()).isTrue();
        }
    }

    @Nested
    class Parse {

        @Test
        void parseAcceptsNamesInAnyCaseWithDashes() {
            assertThat(ReadPolicy.parse("replica-preferred")).isSameAs(ReadPolicy.REPLICA_PREFERRED);
            assertThat(ReadPolicy.parse(" Master ")).isSameAs(ReadPolicy.MASTER);
            assertThat(ReadPolicy.valueOf("MASTER_PREFERRED")).as("the enum's own, exact").isSameAs(
                    ReadPolicy.MASTER_PREFERRED);
        }

        @Test
        void parseRejectsUnknownNamesNamingTheValue() {
            assertThatThrownBy(() -> ReadPolicy.parse("nearest"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'nearest'")
                    .hasMessageContaining("REPLICA_PREFERRED");
        }
    }
}
