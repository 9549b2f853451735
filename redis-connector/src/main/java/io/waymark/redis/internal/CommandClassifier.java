package io.waymark.redis.internal;

import io.lettuce.core.XReadArgs;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.ReadOnlyCommands;
import java.lang.reflect.Method;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Maps a method of Lettuce's command interfaces to a {@link CommandKind}.
 *
 * <p>Lettuce names its methods after the command, with camel-case suffixes for
 * variants ({@code zrangebyscoreWithScores}, {@code hscanNovalues}); the lower-case
 * prefix is the command, which Lettuce's own {@link ReadOnlyCommands} classifies. A few
 * commands Lettuce calls read-only still go to the master: they address one server's
 * state ({@code SCRIPT LOAD} must reach the node that later runs {@code EVALSHA},
 * {@code CLIENT}, {@code INFO}). Anything unknown is a write: a write sent to the master
 * is always correct, a write sent to a replica never is.
 */
final class CommandClassifier {

    private static final Set<String> READ_ONLY = new HashSet<>();
    private static final Set<String> MASTER_ONLY_READS =
            Set.of("CLIENT", "SCRIPT", "INFO", "COMMAND", "TIME", "ECHO", "ASKING", "READWRITE");
    private static final Set<String> BLOCKING =
            Set.of("blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop");
    private static final Set<String> UNSUPPORTED = Set.of("auth", "select", "readOnly", "readWrite", "asking",
            "setTimeout", "quit", "reset", "setAutoFlushCommands", "flushCommands", "swapdb", "clientSetname",
            "clientSetinfo", "clientTracking", "clientCaching", "clientNoEvict");
    /** Commands that change the state of the connection they run on, refused through {@code dispatch} too. */
    private static final Set<String> CONNECTION_STATE = Set.of("AUTH", "SELECT", "MULTI", "EXEC", "DISCARD",
            "WATCH", "UNWATCH", "HELLO", "RESET", "QUIT", "READONLY", "READWRITE", "ASKING", "SUBSCRIBE", "PSUBSCRIBE",
            "SSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE", "MONITOR", "SYNC", "PSYNC", "REPLCONF",
            "SWAPDB");
    /** {@code CLIENT} subcommands that change the connection they run on. */
    private static final Set<String> CLIENT_CONNECTION_STATE = Set.of("REPLY", "SETNAME", "SETINFO", "TRACKING",
            "CACHING", "NO-EVICT", "NO-TOUCH");
    private static final Set<String> LOCAL = Set.of("digest", "getJsonParser", "isOpen", "toString", "hashCode",
            "equals");
    private static final Map<String, CommandKind> READ_ONLY_VARIANTS = Map.of(
            "evalReadOnly", CommandKind.READ,
            "evalshaReadOnly", CommandKind.READ,
            "fcallReadOnly", CommandKind.READ,
            "sortReadOnly", CommandKind.READ);

    static {
        for (CommandType t : ReadOnlyCommands.getReadOnlyCommands()) {
            if (!MASTER_ONLY_READS.contains(t.name())) {
                READ_ONLY.add(t.name());
            }
        }
    }

    private final Map<Method, CommandKind> cache = new ConcurrentHashMap<>();

    /** The kind of a call; {@code args} matter only for {@code dispatch} and {@code XREAD ... BLOCK}. */
    CommandKind classify(Method method, Object[] args) {
        String name = method.getName();
        if (name.equals("dispatch") && args != null && args.length > 0 && args[0] instanceof ProtocolKeyword) {
            CommandArgs<?, ?> commandArgs = args.length > 2 && args[2] instanceof CommandArgs ? (CommandArgs<?, ?>) args[2]
                    : null;
            return classifyKeyword((ProtocolKeyword) args[0], commandArgs);
        }
        if ((name.equals("xread") || name.equals("xreadgroup")) && args != null) {
            for (Object a : args) {
                if (a instanceof XReadArgs && blocks((XReadArgs) a)) {
                    return CommandKind.BLOCKING;
                }
            }
        }
        return cache.computeIfAbsent(method, m -> classifyName(m.getName()));
    }

    /** XReadArgs keeps BLOCK to itself: written out as the command would send it, it says. */
    private static boolean blocks(XReadArgs xreadArgs) {
        CommandArgs<String, String> options = new CommandArgs<>(StringCodec.UTF8);
        xreadArgs.build(options);
        return BlockingTimeouts.pinsConnection(CommandType.XREAD, options);
    }

    /** Whether {@link #classify} looks at the arguments of this method, not only at its name. */
    static boolean dependsOnArguments(String methodName) {
        return methodName.equals("dispatch") || methodName.equals("xread") || methodName.equals("xreadgroup");
    }

    /** Whether a command of this method may be sent again once it certainly did not run (see {@link RetryPolicy}). */
    static RetryPolicy.Resend resend(String methodName) {
        switch (methodName) {
            case "dispatch":
                return RetryPolicy.Resend.NEVER;
            case "eval", "evalsha", "fcall":
                return RetryPolicy.Resend.IF_NOT_SENT;
            default:
                return RetryPolicy.Resend.IF_REFUSED;
        }
    }

    static CommandKind classifyName(String name) {
        if (LOCAL.contains(name)) {
            return CommandKind.LOCAL;
        }
        if (UNSUPPORTED.contains(name)) {
            return CommandKind.UNSUPPORTED;
        }
        if (BLOCKING.contains(name)) {
            return CommandKind.BLOCKING;
        }
        CommandKind variant = READ_ONLY_VARIANTS.get(name);
        if (variant != null) {
            return variant;
        }
        return READ_ONLY.contains(commandOf(name)) ? CommandKind.READ : CommandKind.WRITE;
    }

    static CommandKind classifyKeyword(ProtocolKeyword keyword, CommandArgs<?, ?> args) {
        if (BlockingTimeouts.pinsConnection(keyword, args)) {
            return CommandKind.BLOCKING;
        }
        String n = keyword.toString().toUpperCase(Locale.ROOT);
        if (CONNECTION_STATE.contains(n)) {
            return CommandKind.UNSUPPORTED;
        }
        if (n.equals("CLIENT")) {
            List<String> a = WireArgs.of(args);
            if (!a.isEmpty() && CLIENT_CONNECTION_STATE.contains(a.get(0).toUpperCase(Locale.ROOT))) {
                return CommandKind.UNSUPPORTED;
            }
        }
        if (MASTER_ONLY_READS.contains(n)) {
            return CommandKind.WRITE;
        }
        return ReadOnlyCommands.isReadOnlyCommand(keyword) ? CommandKind.READ : CommandKind.WRITE;
    }

    /** {@code zrangebyscoreWithScores} to {@code ZRANGEBYSCORE}. */
    static String commandOf(String methodName) {
        int end = 0;
        while (end < methodName.length() && Character.isLowerCase(methodName.charAt(end))) {
            end++;
        }
        return methodName.substring(0, end).toUpperCase(Locale.ROOT);
    }
}
