package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.Consumer;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandKeyword;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The client timeout of each command: the server's own wait plus the command timeout for blocking ones. */
class BlockingTimeoutsTest {

    private final BlockingTimeouts timeouts = new BlockingTimeouts(Duration.ofSeconds(3));

    private static CommandArgs<String, String> args() {
        return new CommandArgs<>(StringCodec.UTF8);
    }

    private long timeoutOf(ProtocolKeyword type, CommandArgs<String, String> args) {
        return timeouts.getTimeUnit().toMillis(
                timeouts.getTimeout(new Command<>(type, new StatusOutput<>(StringCodec.UTF8), args)));
    }

    @Nested
    class OrdinaryCommands {

        @Test
        void ordinaryCommandsGetTheCommandTimeout() {
            assertThat(timeoutOf(CommandType.GET, args().addKey("k"))).isEqualTo(3000);
            assertThat(timeoutOf(CommandType.SET, args().addKey("k").addValue("v"))).isEqualTo(3000);
            assertThat(timeoutOf(CommandType.PING, null)).isEqualTo(3000);
        }
    }

    @Nested
    class BlockingCommands {

        @Test
        void popsWaitTheirOwnSecondsPlusTheCommandTimeout() {
            assertThat(timeoutOf(CommandType.BLPOP, args().addKeys("a b", "c").add(10))).isEqualTo(13_000);
            assertThat(timeoutOf(CommandType.BRPOP, args().addKeys("q").add(0.5))).isEqualTo(3_500);
            assertThat(timeoutOf(CommandType.BRPOPLPUSH, args().addKeys("s", "d").add(4))).isEqualTo(7_000);
            assertThat(timeoutOf(CommandType.BLMOVE, args().addKeys("s", "d").add(CommandKeyword.LEFT)
                    .add(CommandKeyword.RIGHT).add(2.25))).isEqualTo(5_250);
            assertThat(timeoutOf(CommandType.BZPOPMIN, args().addKeys("z").add(1))).isEqualTo(4_000);
            assertThat(timeoutOf(CommandType.BZPOPMAX, args().addKeys("z").add(1))).isEqualTo(4_000);
        }

        @Test
        void multiPopsHaveTheirTimeoutFirst() {
            assertThat(timeoutOf(CommandType.BLMPOP, args().add(5).add(2).addKeys("10", "20")
                    .add(CommandKeyword.LEFT).add(CommandKeyword.COUNT).add(99))).isEqualTo(8_000);
            assertThat(timeoutOf(CommandType.BZMPOP, args().add(1.5).add(1).addKeys("z").add("MIN")))
                    .isEqualTo(4_500);
        }

        @Test
        void streamReadsWaitTheirBlockMilliseconds() {
            CommandArgs<String, String> xread = args();
            XReadArgs.Builder.count(7).block(1500).build(xread);
            xread.add("STREAMS").addKey("s").add("0");
            assertThat(timeoutOf(CommandType.XREAD, xread)).isEqualTo(4_500);

            // a group named like the option must not be taken for it
            CommandArgs<String, String> group = args().add("GROUP").addKey("BLOCK").addKey("9");
            XReadArgs.Builder.block(250).build(group);
            group.add("STREAMS").addKey("s").add(">");
            assertThat(timeoutOf(CommandType.XREADGROUP, group)).isEqualTo(3_250);

            CommandArgs<String, String> noBlock = args().add("STREAMS").addKey("BLOCK").add("0");
            assertThat(timeoutOf(CommandType.XREAD, noBlock)).as("no BLOCK: an ordinary read").isEqualTo(3000);
        }

        @Test
        void waitAndWaitaofWaitTheirMilliseconds() {
            assertThat(timeoutOf(CommandType.WAIT, args().add(1).add(500))).isEqualTo(3_500);
            ProtocolKeyword waitaof = new ProtocolKeyword() {
                @Override
                public byte[] getBytes() {
                    return "WAITAOF".getBytes(StandardCharsets.US_ASCII);
                }

                @Override
                public String toString() {
                    return "WAITAOF";
                }
            };
            assertThat(timeoutOf(waitaof, args().add(1).add(0).add(200))).isEqualTo(3_200);
        }

        @Test
        void zeroMeansForeverSoNoClientTimeout() {
            assertThat(timeoutOf(CommandType.BLPOP, args().addKeys("q").add(0))).isZero();
            assertThat(timeoutOf(CommandType.BZMPOP, args().add(0.0).add(1).addKeys("z").add("MIN"))).isZero();
            CommandArgs<String, String> xread = args();
            XReadArgs.Builder.block(0).build(xread);
            assertThat(timeoutOf(CommandType.XREAD, xread.add("STREAMS").addKey("s").add("$"))).isZero();
            assertThat(timeoutOf(CommandType.WAIT, args().add(2).add(0))).isZero();
        }

        @Test
        void hugeOrUnreadableServerTimeoutsNeverOverflow() {
            assertThat(timeoutOf(CommandType.BLPOP, args().addKeys("q").add(Long.MAX_VALUE)))
                    .as("saturates rather than wraps").isEqualTo(Long.MAX_VALUE);
            assertThat(timeoutOf(CommandType.BLPOP, args().addKeys("q").add(1e300))).isEqualTo(Long.MAX_VALUE);
            assertThat(timeoutOf(CommandType.BLPOP, args().addKeys("q"))).as("no timeout argument: the server "
                    + "rejects it, the default applies").isEqualTo(3000);
            assertThat(timeoutOf(CommandType.BLPOP, null)).isEqualTo(3000);
        }

        @Test
        void xreadgroupConsumerArgumentsComeFromLettucesOwnBuilder() {
            // the shape Lettuce's XREADGROUP sends: GROUP <group> <consumer> [COUNT n] [BLOCK ms] [NOACK] STREAMS ...
            Consumer<String> consumer = Consumer.from("g", "c");
            CommandArgs<String, String> a = args().add("GROUP")
                    .add(consumer.getGroup().getBytes(StandardCharsets.UTF_8))
                    .add(consumer.getName().getBytes(StandardCharsets.UTF_8));
            XReadArgs.Builder.block(Duration.ofSeconds(2)).noack(true).build(a);
            assertThat(timeoutOf(CommandType.XREADGROUP, a.add("STREAMS").addKey("s").add(">"))).isEqualTo(5_000);
        }
    }
}
