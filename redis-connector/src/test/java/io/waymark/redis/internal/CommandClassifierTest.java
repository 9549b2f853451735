package io.waymark.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.lettuce.core.XReadArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.api.reactive.RedisClusterReactiveCommands;
import io.lettuce.core.cluster.api.sync.RedisClusterCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CommandClassifierTest {

    private final CommandClassifier classifier = new CommandClassifier();

    @Nested
    class Reads {

        @ParameterizedTest
        @ValueSource(strings = {"get", "mget", "hgetall", "zrangebyscoreWithScores", "hscanNovalues", "exists",
                "ttl", "scan", "lrange", "smembers", "xrange", "evalReadOnly", "evalshaReadOnly", "sortReadOnly",
                "geosearch", "zscore", "strlen", "bitcount", "dump"})
        void readOnlyCommandsGoWhereTheReadPolicySays(String name) {
            assertThat(CommandClassifier.classifyName(name)).isEqualTo(CommandKind.READ);
        }
    }

    @Nested
    class Writes {

        @ParameterizedTest
        @ValueSource(strings = {"set", "del", "incr", "hset", "zadd", "eval", "evalsha", "expire", "getset",
                "getdel", "getex", "sdiffstore", "zrangestore", "publish", "flushall", "xadd", "sort", "georadius",
                "bitfield", "lmove", "rpoplpush"})
        void everythingThatMayChangeDataGoesToTheMaster(String name) {
            assertThat(CommandClassifier.classifyName(name)).isEqualTo(CommandKind.WRITE);
        }

        @ParameterizedTest
        @ValueSource(strings = {"scriptLoad", "scriptExists", "clientList", "clientGetname", "clientKill", "info",
                "time", "echo", "command", "role", "ping"})
        void serverStateCommandsGoToTheMasterEvenIfReadOnly(String name) {
            assertThat(CommandClassifier.classifyName(name)).isEqualTo(CommandKind.WRITE);
        }

        @Test
        void unknownCommandsAreWritesBecauseTheMasterIsAlwaysRight() {
            assertThat(CommandClassifier.classifyName("someFutureCommand")).isEqualTo(CommandKind.WRITE);
        }
    }

    @Nested
    class PinnedAndUnsupported {

        @ParameterizedTest
        @ValueSource(strings = {"blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop"})
        void blockingCommandsArePinned(String name) {
            assertThat(CommandClassifier.classifyName(name)).isEqualTo(CommandKind.BLOCKING);
        }

        @Test
        void xreadWithBlockIsPinnedWithoutBlockItIsARead() throws Exception {
            Method xread = RedisClusterAsyncCommands.class.getMethod("xread", XReadArgs.class,
                    XReadArgs.StreamOffset[].class);
            assertThat(classifier.classify(xread, new Object[] {XReadArgs.Builder.block(1000), null}))
                    .isEqualTo(CommandKind.BLOCKING);
            assertThat(classifier.classify(xread, new Object[] {XReadArgs.Builder.count(10), null}))
                    .isEqualTo(CommandKind.READ);
            Method plain = RedisClusterAsyncCommands.class.getMethod("xread", XReadArgs.StreamOffset[].class);
            assertThat(classifier.classify(plain, new Object[] {null})).isEqualTo(CommandKind.READ);
        }

        @Test
        void xreadgroupWithBlockIsPinnedWithoutBlockItIsAWrite() throws Exception {
            Method xreadgroup = RedisClusterAsyncCommands.class.getMethod("xreadgroup", io.lettuce.core.Consumer.class,
                    XReadArgs.class, XReadArgs.StreamOffset[].class);
            assertThat(classifier.classify(xreadgroup, new Object[] {null, XReadArgs.Builder.block(0), null}))
                    .isEqualTo(CommandKind.BLOCKING);
            assertThat(classifier.classify(xreadgroup, new Object[] {null, XReadArgs.Builder.noack(), null}))
                    .as("it moves entries into the group's pending list").isEqualTo(CommandKind.WRITE);
        }

        @Test
        void waitStaysOnTheSharedConnectionWhoseWritesItWaitsFor() {
            // WAIT counts the replicas that acknowledged this connection's writes: on a connection of its
            // own it would wait for nothing; its client timeout grows instead (BlockingTimeouts)
            assertThat(CommandClassifier.classifyName("waitForReplication")).isEqualTo(CommandKind.WRITE);
        }

        @ParameterizedTest
        @ValueSource(strings = {"auth", "select", "readOnly", "readWrite", "setTimeout", "quit", "reset",
                "setAutoFlushCommands", "flushCommands", "asking", "clientSetname", "clientSetinfo", "clientTracking",
                "clientCaching", "clientNoEvict"})
        void connectionStateCommandsAreRefused(String name) {
            assertThat(CommandClassifier.classifyName(name)).isEqualTo(CommandKind.UNSUPPORTED);
        }

        @Test
        void dispatchIsClassifiedByItsCommandType() throws Exception {
            Method dispatch = Arrays.stream(RedisClusterAsyncCommands.class.getMethods())
                    .filter(m -> m.getName().equals("dispatch")).findFirst().orElseThrow();
            assertThat(classifier.classify(dispatch, new Object[] {CommandType.GET, null}))
                    .isEqualTo(CommandKind.READ);
            assertThat(classifier.classify(dispatch, new Object[] {CommandType.SET, null}))
                    .isEqualTo(CommandKind.WRITE);
            assertThat(classifier.classify(dispatch, new Object[] {CommandType.SCRIPT, null}))
                    .isEqualTo(CommandKind.WRITE);
        }

        @ParameterizedTest
        @ValueSource(strings = {"BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP"})
        void dispatchedBlockingCommandsArePinned(String type) throws Exception {
            Method dispatch = Arrays.stream(RedisClusterAsyncCommands.class.getMethods())
                    .filter(m -> m.getName().equals("dispatch")).findFirst().orElseThrow();
            assertThat(classifier.classify(dispatch, new Object[] {CommandType.valueOf(type), null}))
                    .isEqualTo(CommandKind.BLOCKING);
        }

        @ParameterizedTest
        @ValueSource(strings = {"SELECT", "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "AUTH", "HELLO", "QUIT",
            "READONLY", "READWRITE", "ASKING", "SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "MONITOR", "SYNC"})
        void aDispatchedCommandThatChangesTheConnectionsStateIsRefused(String type) throws Exception {
            assertThat(classifier.classify(dispatch3(), new Object[] {CommandType.valueOf(type), null, null}))
                    .isEqualTo(CommandKind.UNSUPPORTED);
        }

        @ParameterizedTest
        @ValueSource(strings = {"REPLY OFF", "SETNAME x", "TRACKING ON", "CACHING YES", "NO-EVICT ON", "no-touch on",
            "SETINFO LIB-NAME x"})
        void aDispatchedClientSubcommandThatChangesTheConnectionIsRefused(String subcommand) throws Exception {
            CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8);
            for (String word : subcommand.split(" ")) {
                args.add(word);
            }
            assertThat(classifier.classify(dispatch3(), new Object[] {CommandType.CLIENT, null, args}))
                    .isEqualTo(CommandKind.UNSUPPORTED);
        }

        @Test
        void aDispatchedClientSubcommandThatReadsServerStateGoesToTheMaster() throws Exception {
            CommandArgs<String, String> args = new CommandArgs<>(StringCodec.UTF8).add("LIST");
            assertThat(classifier.classify(dispatch3(), new Object[] {CommandType.CLIENT, null, args}))
                    .isEqualTo(CommandKind.WRITE);
        }

        private Method dispatch3() {
            return Arrays.stream(RedisClusterAsyncCommands.class.getMethods())
                    .filter(m -> m.getName().equals("dispatch") && m.getParameterCount() == 3).findFirst()
                    .orElseThrow();
        }

        @Test
        void aDispatchedXreadIsPinnedWhenItsArgumentsSayBlock() throws Exception {
            Method dispatch = Arrays.stream(RedisClusterAsyncCommands.class.getMethods())
                    .filter(m -> m.getName().equals("dispatch") && m.getParameterCount() == 3).findFirst()
                    .orElseThrow();
            CommandArgs<String, String> blocking = new CommandArgs<>(StringCodec.UTF8);
            XReadArgs.Builder.block(100).build(blocking);
            blocking.add("STREAMS").addKey("s").add("$");
            assertThat(classifier.classify(dispatch, new Object[] {CommandType.XREAD, null, blocking}))
                    .isEqualTo(CommandKind.BLOCKING);
            CommandArgs<String, String> plain = new CommandArgs<>(StringCodec.UTF8).add("STREAMS").addKey("s").add("0");
            assertThat(classifier.classify(dispatch, new Object[] {CommandType.XREAD, null, plain}))
                    .isEqualTo(CommandKind.READ);
        }
    }

    @Nested
    class WholeInterfaces {

        @Test
        void noMethodWhoseCommandLettuceCallsWriteIsRoutedAsARead() {
            Set<String> lettuceReadOnly = io.lettuce.core.protocol.ReadOnlyCommands.getReadOnlyCommands().stream()
                    .map(Enum::name).collect(Collectors.toSet());
            List<String> wronglyRead = Arrays.stream(RedisClusterAsyncCommands.class.getMethods())
                    .map(Method::getName)
                    .filter(n -> CommandClassifier.classifyName(n) == CommandKind.READ)
                    .filter(n -> !lettuceReadOnly.contains(CommandClassifier.commandOf(n))
                            && !n.endsWith("ReadOnly"))
                    .collect(Collectors.toList());
            assertThat(wronglyRead).isEmpty();
        }

        @Test
        void everyLettuceReadOnlyCommandWithAMethodIsRoutedAsARead() {
            // the methods that send a command (digest(script) is computed locally; digestKey sends DIGEST)
            Map<String, List<String>> methodsByCommand = Arrays.stream(RedisClusterAsyncCommands.class.getMethods())
                    .map(Method::getName).distinct()
                    .filter(m -> CommandClassifier.classifyName(m) != CommandKind.LOCAL)
                    .collect(Collectors.groupingBy(CommandClassifier::commandOf));
            Set<String> notRead = new TreeSet<>();
            for (CommandType t : io.lettuce.core.protocol.ReadOnlyCommands.getReadOnlyCommands()) {
                for (String method : methodsByCommand.getOrDefault(t.name(), List.of())) {
                    if (CommandClassifier.classifyName(method) != CommandKind.READ
                            && !CommandClassifier.classifyName(method).equals(CommandKind.UNSUPPORTED)) {
                        notRead.add(t.name());
                    }
                }
            }
            // the deliberate exceptions: server state that must be read on the master
            assertThat(notRead).isSubsetOf("CLIENT", "SCRIPT", "INFO", "COMMAND", "TIME", "ECHO", "ASKING",
                    "READWRITE");
        }

        @Test
        void syncAndReactiveMethodsShareTheAsyncClassification() {
            Set<String> names = new TreeSet<>();
            for (Method m : RedisClusterCommands.class.getMethods()) {
                names.add(m.getName());
            }
            for (Method m : RedisClusterReactiveCommands.class.getMethods()) {
                names.add(m.getName());
            }
            Set<String> async = Arrays.stream(RedisClusterAsyncCommands.class.getMethods()).map(Method::getName)
                    .collect(Collectors.toSet());
            assertThat(async).containsAll(names);
        }
    }
}
