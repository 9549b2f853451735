package io.waymark.discovery;

import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import okhttp3.ConnectionPool;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.config.CacheConfig;
import org.kiwiproject.consul.config.ClientConfig;

/**
 * One consul-client per configured agent, all on one connection pool and one executor,
 * and the rotation between them. consul-client's dispatcher already lifts OkHttp's
 * 5-requests-per-host limit; each blocking request holds one executor thread and one
 * connection, so the pool keeps enough idle connections for many watches.
 *
 * <p>Threading: thread-safe; {@link #close()} cancels every call in flight.
 */
final class HttpTransport implements AutoCloseable {

    /** An agent and its client. */
    static final class Agent {
        final AgentAddress address;
        final Consul consul;

        Agent(AgentAddress address, Consul consul) {
            this.address = address;
            this.consul = consul;
        }

        @Override
        public String toString() {
            return address.toString();
        }
    }

    final Rotation<Agent> agents;
    private final ConnectionPool pool;

    HttpTransport(Settings s, ExecutorService executor) {
        // idle connections: enough for every watch to reuse its own between two requests
        this.pool = new ConnectionPool(256, 2, TimeUnit.MINUTES);
        ExecutorService unowned = new Unowned(executor);
        List<Agent> list = new ArrayList<>();
        for (AgentAddress a : s.agents) {
            list.add(new Agent(a, client(s, a, unowned)));
        }
        this.agents = new Rotation<>(list);
    }

    private Consul client(Settings s, AgentAddress a, ExecutorService executor) {
        long timeout = s.requestTimeout.toMillis();
        Consul.Builder b = Consul.builder()
                .withUrl((a.https ? "https://" : "http://") + a.hostPort())
                .withHttps(a.https)
                .withPing(false)
                .withConnectTimeoutMillis(timeout)
                .withReadTimeoutMillis(timeout)
                .withWriteTimeoutMillis(timeout)
                .withExecutorService(executor)
                .withConnectionPool(pool)
                // blocking requests get wait + wait/16 + this margin as read timeout
                .withClientConfiguration(new ClientConfig(CacheConfig.builder()
                        .withTimeoutAutoAdjustmentEnabled(true)
                        .withTimeoutAutoAdjustmentMargin(s.requestTimeout)
                        .build()));
        if (s.token != null) {
            // a header, never the ?token= query parameter that ends up in access logs
            b.withTokenAuth(() -> {
                String t = s.token.get();
                return t == null ? "" : t.trim();
            });
        }
        if (a.https && s.trustManager != null) {
            try {
                SSLContext ctx = SSLContext.getInstance("TLS");
                ctx.init(null, new TrustManager[] {s.trustManager}, null);
                b.withSslContext(ctx).withTrustManager(s.trustManager);
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot set up TLS for agent " + a + ": " + e.getMessage(), e);
            }
        }
        return b.build();
    }

    String describe() {
        return agents.all().stream().map(Agent::toString).collect(Collectors.joining(", "));
    }

    /** Cancels every call in flight and closes every connection. */
    @Override
    public void close() {
        for (Agent a : agents.all()) {
            // cancels the dispatcher's calls, "shuts down" our Unowned view, evicts the pool
            a.consul.destroy();
        }
        pool.evictAll();
    }

    /**
     * Lets consul-client's destroy() "shut down" its executor without touching the
     * shared (possibly caller-owned) one behind it.
     */
    static final class Unowned extends AbstractExecutorService {
        private final ExecutorService delegate;
        private volatile boolean shutdown;

        Unowned(ExecutorService delegate) {
            this.delegate = delegate;
        }

        @Override
        public void execute(Runnable command) {
            if (shutdown) {
                throw new RejectedExecutionException("closed");
            }
            delegate.execute(command);
        }

        @Override
        public void shutdown() {
            shutdown = true;
        }

        @Override
        public List<Runnable> shutdownNow() {
            shutdown = true;
            return List.of();
        }

        @Override
        public boolean isShutdown() {
            return shutdown;
        }

        @Override
        public boolean isTerminated() {
            return shutdown;
        }

        @Override
        public boolean awaitTermination(long timeout, TimeUnit unit) {
            return true;
        }
    }
}
