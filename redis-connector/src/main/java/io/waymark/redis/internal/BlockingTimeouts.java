package io.waymark.redis.internal;

import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.protocol.ProtocolKeyword;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;
import java.util.List;

/**
 * Lettuce's client timeout of each command. A blocking command ({@code BLPOP q 10},
 * {@code XREAD BLOCK 5000}, {@code WAIT 1 500}...) waits on the server for its own timeout:
 * the client waits that long plus the command timeout, and forever when the server does
 * ({@code 0}). Were the client to give up first, the server would go on waiting and hand
 * the next item pushed to a caller that is gone: that item would be lost.
 *
 * <p>Every other command gets the command timeout. Lettuce asks for every command it
 * writes, on the caller's thread: the common case is one type check.
 *
 * <p><b>Threading:</b> immutable.
 */
final class BlockingTimeouts extends TimeoutOptions.TimeoutSource {

    private static final long NOT_BLOCKING = -1;

    private final long commandMillis;

    BlockingTimeouts(Duration commandTimeout) {
        this.commandMillis = commandTimeout.toMillis();
    }

    /** Milliseconds; 0 for no client timeout. */
    @Override
    public long getTimeout(RedisCommand<?, ?, ?> command) {
        ProtocolKeyword type = command.getType();
        if (type instanceof CommandType t && !blocks(t)) {
            return commandMillis;
        }
        long server = serverTimeoutMillis(type, command.getArgs());
        if (server == NOT_BLOCKING) {
            return commandMillis;
        }
        if (server == 0) {
            return 0;
        }
        long sum = server + commandMillis;
        return sum < 0 ? Long.MAX_VALUE : sum;
    }

    private static boolean blocks(CommandType t) {
        switch (t) {
            case BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP, XREAD, XREADGROUP, WAIT:
                return true;
            default:
                return false;
        }
    }

    /**
     * Whether a command of this type with these arguments blocks its connection on the server
     * (the pops always, {@code XREAD} and {@code XREADGROUP} with {@code BLOCK}), so that it
     * needs a connection of its own. {@code WAIT} blocks too, but it waits for the writes of
     * the connection it runs on: it stays on the shared one.
     */
    static boolean pinsConnection(ProtocolKeyword type, CommandArgs<?, ?> args) {
        if (!(type instanceof CommandType t) || t == CommandType.WAIT || !blocks(t)) {
            return false;
        }
        return t != CommandType.XREAD && t != CommandType.XREADGROUP
                || serverTimeoutMillis(type, args) != NOT_BLOCKING;
    }

    /**
     * How long the server may hold the command, in milliseconds (0 forever), read from the
     * arguments as they go on the wire; {@link #NOT_BLOCKING} if it does not block, or if its
     * arguments are not what the server would accept (it then answers at once with an error).
     */
    static long serverTimeoutMillis(ProtocolKeyword type, CommandArgs<?, ?> args) {
        if (args == null) {
            return NOT_BLOCKING;
        }
        String name = type.toString();
        switch (name) {
            case "BLPOP", "BRPOP", "BRPOPLPUSH", "BLMOVE", "BZPOPMIN", "BZPOPMAX": {
                List<String> a = WireArgs.of(args);
                return a.isEmpty() ? NOT_BLOCKING : seconds(a.get(a.size() - 1));
            }
            case "BLMPOP", "BZMPOP": {
                List<String> a = WireArgs.of(args);
                return a.isEmpty() ? NOT_BLOCKING : seconds(a.get(0));
            }
            case "WAIT", "WAITAOF": {
                List<String> a = WireArgs.of(args);
                return a.isEmpty() ? NOT_BLOCKING : millis(a.get(a.size() - 1));
            }
            case "XREAD", "XREADGROUP":
                return blockOption(WireArgs.of(args), name.equals("XREADGROUP") ? 3 : 0);
            default:
                return NOT_BLOCKING;
        }
    }

    /** [GROUP group consumer] [COUNT n] [BLOCK ms] [NOACK] STREAMS ...: options start at {@code from}. */
    private static long blockOption(List<String> a, int from) {
        for (int i = from; i + 1 < a.size(); i++) {
            String option = a.get(i);
            if (option.equalsIgnoreCase("STREAMS")) {
                break;
            }
            if (option.equalsIgnoreCase("BLOCK")) {
                return millis(a.get(i + 1));
            }
            if (option.equalsIgnoreCase("COUNT")) {
                i++;
            }
        }
        return NOT_BLOCKING;
    }

    private static long seconds(String s) {
        try {
            double d = Double.parseDouble(s);
            if (!(d >= 0)) {
                return NOT_BLOCKING;
            }
            double ms = Math.ceil(d * 1000);
            return ms >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) ms;
        } catch (NumberFormatException e) {
            return NOT_BLOCKING;
        }
    }

    private static long millis(String s) {
        try {
            long ms = Long.parseLong(s);
            return ms < 0 ? NOT_BLOCKING : ms;
        } catch (NumberFormatException e) {
            return NOT_BLOCKING;
        }
    }
}
