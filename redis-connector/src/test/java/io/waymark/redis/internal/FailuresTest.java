package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisReadOnlyException;
import io.lettuce.core.cluster.PartitionSelectorException;
import io.lettuce.core.cluster.models.partitions.Partitions;
import java.io.IOException;
import java.net.ConnectException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class FailuresTest {

    @Nested
    class CertainlyNotRun {

        @Test
        void aReadonlyReplyIsARefusal() {
            assertThat(Failures.classify(new RedisReadOnlyException("READONLY You can't write against a read only replica.")))
                    .isEqualTo(Failures.REFUSED);
            assertThat(Failures.classify(new RedisCommandExecutionException("READONLY You can't write")))
                    .isEqualTo(Failures.REFUSED);
            assertThat(Failures.reason(new CompletionException(new RedisReadOnlyException("READONLY x"))))
                    .isEqualTo("READONLY");
        }

        @Test
        void aMovedReplyOutsideClusterModeIsARefusal() {
            assertThat(Failures.classify(new RedisCommandExecutionException("MOVED 3999 127.0.0.1:6381")))
                    .isEqualTo(Failures.REFUSED);
        }

        @Test
        void aNodeLoadingOrWithoutItsMasterRefuses() {
            assertThat(Failures.classify(new RedisCommandExecutionException(
                    "LOADING Redis is loading the dataset in memory"))).isEqualTo(Failures.REFUSED);
            assertThat(Failures.classify(new RedisCommandExecutionException(
                    "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")))
                    .isEqualTo(Failures.REFUSED);
            assertThat(Failures.reason(new RedisCommandExecutionException("LOADING x"))).isEqualTo("LOADING");
        }

        @Test
        void aClusterWithoutFullCoverageOrMidMigrationRefuses() {
            assertThat(Failures.classify(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down")))
                    .isEqualTo(Failures.REFUSED);
            assertThat(Failures.classify(new CompletionException(new RedisCommandExecutionException(
                    "CLUSTERDOWN Hash slot not served")))).isEqualTo(Failures.REFUSED);
            assertThat(Failures.classify(new RedisCommandExecutionException(
                    "TRYAGAIN Multiple keys request during rehashing of slot"))).isEqualTo(Failures.REFUSED);
            assertThat(Failures.reason(new RedisCommandExecutionException("CLUSTERDOWN The cluster is down")))
                    .isEqualTo("CLUSTERDOWN");
            assertThat(Failures.reason(new RedisCommandExecutionException("TRYAGAIN x"))).isEqualTo("TRYAGAIN");
            assertThat(Failures.classify(new PartitionSelectorException("Cannot determine a partition for slot 42.",
                    new Partitions()))).as("a slot missing from Lettuce's view: nothing was sent")
                    .isEqualTo(Failures.NOT_SENT);
        }

        @Test
        void aCommandRejectedWhileDisconnectedOrRefusedWasNeverSent() {
            assertThat(Failures.classify(new RedisException("Currently not connected. Commands are rejected.")))
                    .isEqualTo(Failures.NOT_SENT);
            assertThat(Failures.classify(new RedisConnectionException("Unable to connect to 127.0.0.5:6379",
                    new ConnectException("Connection refused")))).isEqualTo(Failures.NOT_SENT);
            assertThat(Failures.classify(new RedisException("Connection is closed")))
                    .as("Lettuce's check before writing to a connection closed by the connector (a fenced node)")
                    .isEqualTo(Failures.NOT_SENT);
            assertThat(Failures.classify(new RedisException("Connection closed")))
                    .as("in flight when the connection closed").isEqualTo(Failures.OUTCOME_UNKNOWN);
        }
    }

    @Nested
    class MayHaveRun {

        @Test
        void timeoutsAndResetsLeaveTheOutcomeUnknown() {
            assertThat(Failures.classify(new RedisCommandTimeoutException("Command timed out after 3 second(s)")))
                    .isEqualTo(Failures.OUTCOME_UNKNOWN);
            assertThat(Failures.classify(new IOException("Connection reset by peer")))
                    .isEqualTo(Failures.OUTCOME_UNKNOWN);
            assertThat(Failures.classify(new RedisException("Connection disconnected")))
                    .as("in flight when the connection dropped").isEqualTo(Failures.OUTCOME_UNKNOWN);
        }

        @Test
        void theirCallersAreToldTheOutcomeIsUnknownInAnExceptionOfTheSameKind() {
            RedisCommandTimeoutException timeout = new RedisCommandTimeoutException("Command timed out after 3 second(s)");
            RedisException e = Failures.outcomeUnknown(new CompletionException(timeout), "it was not retried");
            assertThat(e).isInstanceOf(RedisCommandTimeoutException.class).hasCause(timeout)
                    .hasMessage("Command timed out after 3 second(s) (outcome unknown: it was not retried)");
            IOException reset = new IOException("Connection reset by peer");
            assertThat(Failures.outcomeUnknown(reset, "it may have run")).hasCause(reset)
                    .hasMessageContaining("Connection reset by peer").hasMessageContaining("outcome unknown");
        }

        @Test
        void errorRepliesOfAHealthyNodeAreTheCallersBusiness() {
            assertThat(Failures.classify(new RedisCommandExecutionException(
                    "WRONGTYPE Operation against a key holding the wrong kind of value")))
                    .isEqualTo(Failures.OTHER);
            assertThat(Failures.classify(new RedisCommandExecutionException("ERR syntax error")))
                    .isEqualTo(Failures.OTHER);
        }
    }
}
