package io.waymark.redis.internal;

import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.ProtocolKeyword;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code withWriteConnection} call: the action gets the sync commands of a pinned
 * connection, and the connection goes back to the pool only as the next action must find
 * it. What the action left is undone ({@code DISCARD} an open transaction, {@code UNWATCH});
 * a connection whose state cannot be undone that cheaply ({@code SELECT}, {@code CLIENT
 * SETNAME}, {@code CLIENT REPLY}...) or whose reply may still come (a timeout, an interrupt,
 * a lost connection) is closed instead.
 *
 * <p>The commands work only while the action runs: used afterwards, on a connection that may
 * serve someone else by then, they throw {@link IllegalStateException}.
 *
 * <p><b>Threading:</b> the action's thread; the commands must not be handed to other threads.
 */
final class WriteSession<K, V> implements InvocationHandler {

    private static final Logger LOG = LoggerFactory.getLogger(WriteSession.class);

    private final StatefulRedisConnection<K, V> connection;
    private final RedisCommands<K, V> commands;
    private final RetryPolicy policy;
    private volatile boolean open = true;
    /** A command changed the connection's state beyond what UNWATCH and DISCARD undo. */
    private boolean dirty;
    private boolean watched;
    /** A command's reply may still come. */
    private boolean unknown;

    private WriteSession(StatefulRedisConnection<K, V> connection, RetryPolicy policy) {
        this.connection = connection;
        this.commands = connection.sync();
        this.policy = policy;
    }

    /** Runs {@code action} on {@code connection}, borrowed from {@code pool}, and gives it back or closes it. */
    @SuppressWarnings("unchecked")
    static <K, V, T> T run(PinnedPool<StatefulRedisConnection<K, V>> pool, StatefulRedisConnection<K, V> connection,
            RetryPolicy policy, Function<RedisCommands<K, V>, T> action) {
        WriteSession<K, V> session = new WriteSession<>(connection, policy);
        RedisCommands<K, V> proxy = (RedisCommands<K, V>) Proxy.newProxyInstance(
                WriteSession.class.getClassLoader(), new Class<?>[] {RedisCommands.class}, session);
        try {
            return action.apply(proxy);
        } finally {
            session.open = false;
            if (session.clean()) {
                pool.release(connection);
            } else {
                pool.discard(connection);
            }
        }
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        if (method.getDeclaringClass() == Object.class) {
            return Proxies.objectMethod(proxy, method, args, "DiscoveredRedis.withWriteConnection(" + connection + ")");
        }
        if (!open) {
            throw new IllegalStateException(method.getName() + " after withWriteConnection returned: its connection "
                    + "went back to the pool; use the commands inside the action only");
        }
        note(method, args);
        try {
            return method.invoke(commands, args);
        } catch (InvocationTargetException e) {
            Throwable c = e.getCause();
            Failures failure = Failures.classify(c);
            if (failure == Failures.OUTCOME_UNKNOWN || failure == Failures.NOT_SENT) {
                unknown = true;
            }
            // nothing in here is sent again: a command that may have run says so
            throw policy.failure(c, failure, RetryPolicy.Resend.NEVER, false);
        }
    }

    /** What a call does to the connection's state. */
    private void note(Method method, Object[] args) {
        String name = method.getName();
        if (name.equals("watch")) {
            watched = true;
        } else if (name.equals("dispatch") && args != null && args.length > 0 && args[0] instanceof ProtocolKeyword) {
            CommandArgs<?, ?> a = args.length > 2 && args[2] instanceof CommandArgs ? (CommandArgs<?, ?>) args[2] : null;
            dirty |= CommandClassifier.classifyKeyword((ProtocolKeyword) args[0], a) == CommandKind.UNSUPPORTED;
        } else {
            dirty |= CommandClassifier.classifyName(name) == CommandKind.UNSUPPORTED;
        }
    }

    /** Undoes what the action left, if it can: whether the connection may serve the next action. */
    private boolean clean() {
        if (dirty || unknown || !connection.isOpen()) {
            return false;
        }
        try {
            if (connection.isMulti()) {
                commands.discard();
            }
            if (watched) {
                commands.unwatch();
            }
            return true;
        } catch (RuntimeException e) {
            LOG.debug("resetting a pinned connection failed, closing it: {}", e.toString());
            return false;
        }
    }
}
