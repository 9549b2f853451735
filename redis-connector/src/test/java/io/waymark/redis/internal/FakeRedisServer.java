package io.waymark.redis.internal;

import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisReadOnlyException;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.api.reactive.RedisReactiveCommands;
import io.lettuce.core.protocol.CommandType;
import io.waymark.discovery.Endpoint;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * An in-memory stand-in for one Redis server behind a Lettuce connection, for unit tests
 * of the routing: it answers ROLE, SET and GET the way a master or a replica would, and can
 * be taken down or made to fail.
 */
final class FakeRedisServer {

    final String host = "127.0.0.1";
    final int port;
    volatile String role;
    /** The replication offset ROLE answers. */
    volatile long offset = 1000;
    volatile boolean up = true;
    /** A frozen process (SIGSTOP): the connection stays up, nothing is answered. */
    volatile boolean frozen;
    /** Every data command that reached this server, e.g. "SET k". */
    final List<String> served = new CopyOnWriteArrayList<>();
    final Map<String, String> data = new ConcurrentHashMap<>();
    /** Every connection ever opened to this server. */
    final List<Object> connections = new CopyOnWriteArrayList<>();
    /** When set, every data command fails with it. */
    volatile RuntimeException failWith;
    /** When set, a reactive multi-element reply fails with it after its elements. */
    volatile RuntimeException failAfterElements;

    FakeRedisServer(int port, String role) {
        this.port = port;
        this.role = role;
    }

    /** The servers by their address, as a node factory finds them. */
    static Map<String, FakeRedisServer> byAddress(FakeRedisServer... servers) {
        Map<String, FakeRedisServer> out = new ConcurrentHashMap<>();
        for (FakeRedisServer s : servers) {
            out.put(s.address(), s);
        }
        return out;
    }

    Endpoint endpoint() {
        return Endpoint.of(host, port);
    }

    String address() {
        return host + ":" + port;
    }

    /** What Node's connector returns: a connection, or a refusal while the server is down. */
    CompletionStage<StatefulRedisConnection<String, String>> connect() {
        if (!up) {
            return CompletableFuture.failedFuture(new RedisConnectionException("Connection refused: " + address()));
        }
        return CompletableFuture.completedFuture(connection());
    }

    /** One connection's state: closing it fails what is still in flight, as Lettuce does. */
    private static final class Link {
        volatile boolean closed;
        final List<RoutedFuture<Object>> inFlight = new CopyOnWriteArrayList<>();

        void close() {
            closed = true;
            for (RoutedFuture<Object> f : inFlight) {
                f.completeExceptionally(new RedisException("Connection closed"));
            }
        }
    }

    @SuppressWarnings("unchecked")
    private StatefulRedisConnection<String, String> connection() {
        Link link = new Link();
        connections.add(link);
        RedisAsyncCommands<String, String> async = (RedisAsyncCommands<String, String>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {RedisAsyncCommands.class},
                (p, m, a) -> command(link, m.getName(), a));
        RedisReactiveCommands<String, String> reactive = (RedisReactiveCommands<String, String>) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {RedisReactiveCommands.class}, (p, m, a) -> {
                    Mono<Object> reply = Mono.defer(() -> Mono.fromCompletionStage(command(link, m.getName(), a)));
                    if (!Flux.class.isAssignableFrom(m.getReturnType())) {
                        return reply;
                    }
                    // a multi-element reply: the elements, then the failure if the server is set to fail midway
                    return reply.flatMapMany(v -> Flux.fromIterable((List<?>) v)).concatWith(Flux.defer(() ->
                            failAfterElements == null ? Flux.empty() : Flux.error(failAfterElements)));
                });
        return (StatefulRedisConnection<String, String>) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {StatefulRedisConnection.class}, (p, m, a) -> {
                    switch (m.getName()) {
                        case "isOpen":
                            return up && !link.closed;
                        case "async":
                            return async;
                        case "reactive":
                            return reactive;
                        case "isMulti":
                            return false;
                        case "closeAsync":
                            link.close();
                            return CompletableFuture.completedFuture(null);
                        case "close":
                            link.close();
                            return null;
                        case "toString":
                            return "connection to " + address();
                        default:
                            throw new UnsupportedOperationException(m.getName());
                    }
                });
    }

    private RoutedFuture<Object> command(Link link, String name, Object[] args) {
        RoutedFuture<Object> f = new RoutedFuture<>();
        if (link.closed) {
            // Lettuce refuses a command on a closed connection before writing it
            f.completeExceptionally(new RedisException("Connection is closed"));
            return f;
        }
        if (frozen) {
            // in the socket buffers: answered (or not) only when the process resumes
            link.inFlight.add(f);
            if (!"dispatch".equals(name)) {
                served.add(name.toUpperCase() + " " + args[0] + " (in flight)");
            }
            return f;
        }
        if (!up) {
            f.completeExceptionally(new RedisException("Currently not connected. Commands are rejected."));
            return f;
        }
        if (name.equals("dispatch") && args[0] == CommandType.ROLE) {
            // a master answers its replication offset and its replicas, a replica where it follows from
            f.complete("master".equals(role) ? List.of(role, offset, List.of())
                    : List.of(role, "127.0.0.1", 6379L, "connected", offset));
            return f;
        }
        served.add(name.toUpperCase() + " " + args[0]);
        if (failWith != null) {
            f.completeExceptionally(failWith);
            return f;
        }
        switch (name) {
            case "set":
                if (!"master".equals(role)) {
                    f.completeExceptionally(new RedisReadOnlyException(
                            "READONLY You can't write against a read only replica."));
                } else {
                    data.put((String) args[0], (String) args[1]);
                    f.complete("OK");
                }
                break;
            case "get":
                f.complete(data.get((String) args[0]));
                break;
            case "keys":
                f.complete(List.copyOf(new java.util.TreeSet<>(data.keySet())));
                break;
            case "eval":
                f.complete("OK");
                break;
            default:
                f.completeExceptionally(new UnsupportedOperationException(name));
        }
        return f;
    }
}
