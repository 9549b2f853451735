package io.waymark.discovery;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.config.CacheConfig;
import org.kiwiproject.consul.config.ClientConfig;
import org.kiwiproject.consul.util.failover.ConsulFailoverInterceptor;
import org.kiwiproject.consul.util.failover.strategy.ConsulFailoverStrategy;

/**
 * One consul-client per configured agent, all on one connection pool and one executor,
 * and the rotation between them. consul-client's dispatcher already lifts OkHttp's
 * 5-requests-per-host limit; each blocking request holds one executor thread and one
 * connection, so the pool keeps enough idle connections for many watches.
 *
 * <p>Each agent's calls in flight are tracked so that an {@link AgentProber} that finds
 * the agent frozen can cancel them (a blocking request would otherwise wait for its read
 * timeout, minutes) and move the rotation past it.
 *
 * <p>Threading: thread-safe; {@link #close()} cancels every call in flight.
 */
final class HttpTransport implements AutoCloseable {

    /**
     * Probe path: answered from the agent's own state. {@code /v1/status/leader} would be
     * forwarded to the servers and hang for Consul's {@code rpc_hold_timeout} (7 s) during a
     * server outage or election, making a live agent look frozen: the probe tests the agent,
     * the blocking queries already notice the cluster. {@code /v1/agent/self} (8 KB) needs
     * {@code agent:read}, and Consul logs every 403 at ERROR; this list is filtered by ACLs
     * instead (an empty {@code {}} when nothing may be read), small, and never an error. Any
     * HTTP status counts as an answer, and no token is sent: the probe needs no secret.
     */
    static final String PROBE_PATH = "/v1/agent/services";
    /** A probe may take the interval, but at least this long (and at most the request timeout). */
    static final long MIN_PROBE_TIMEOUT_MILLIS = 1000;

    /** An agent, its client and its calls in flight. */
    static final class Agent {
        final AgentAddress address;
        final Consul consul;
        final InFlightCalls calls;

        Agent(AgentAddress address, Consul consul, InFlightCalls calls) {
            this.address = address;
            this.consul = consul;
            this.calls = calls;
        }

        @Override
        public String toString() {
            return address.toString();
        }
    }

    final Rotation<Agent> agents;
    private final ConnectionPool pool;
    private final OkHttpClient probeClient;
    private final AgentProber<Agent> prober;

    /**
     * @param scheduler runs the agent probe when {@link Settings#agentProbeInterval} is
     *     not zero
     */
    HttpTransport(Settings s, ExecutorService executor, ScheduledExecutorService scheduler) {
        // idle connections: enough for every watch to reuse its own between two requests
        this.pool = new ConnectionPool(256, 2, TimeUnit.MINUTES);
        ExecutorService unowned = new Unowned(executor);
        List<Agent> list = new ArrayList<>();
        SSLContext tls = tls(s);
        for (AgentAddress a : s.agents) {
            InFlightCalls calls = new InFlightCalls();
            list.add(new Agent(a, client(s, a, unowned, calls, tls), calls));
        }
        if (s.agentProbeInterval.isZero()) {
            this.probeClient = null;
            this.prober = null;
            this.agents = new Rotation<>(list);
        } else {
            this.probeClient = probeClient(s, unowned, tls);
            this.prober = new AgentProber<>(list, new AgentProber.Io<>() {
                @Override
                public boolean busy(Agent agent) {
                    return agent.calls.any();
                }

                @Override
                public CompletableFuture<?> ping(Agent agent) {
                    return HttpTransport.this.ping(agent);
                }

                @Override
                public void down(Agent agent) {
                    // each cancelled call fails its watch: stale endpoints, rotation, backoff
                    agent.calls.cancelAll();
                    agents.failed(agent);
                }
            });
            this.agents = new Rotation<>(list, a -> !prober.isDown(a));
            prober.start(scheduler, s.agentProbeInterval);
        }
    }

    /** The TLS context of https agents when a trust manager is configured, else null (the JVM's). */
    private static SSLContext tls(Settings s) {
        if (s.trustManager == null || s.agents.stream().noneMatch(a -> a.https)) {
            return null;
        }
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {s.trustManager}, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for agents " + s.agents + ": " + e.getMessage(), e);
        }
    }

    /** Probe timeout: the interval, at least 1 s, at most the request timeout. */
    static long probeTimeoutMillis(Settings s) {
        long interval = Math.max(s.agentProbeInterval.toMillis(), MIN_PROBE_TIMEOUT_MILLIS);
        return Math.min(interval, s.requestTimeout.toMillis());
    }

    private OkHttpClient probeClient(Settings s, ExecutorService executor, SSLContext tls) {
        long timeout = probeTimeoutMillis(s);
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .dispatcher(new Dispatcher(executor))
                .connectionPool(pool)
                .retryOnConnectionFailure(false)
                .followRedirects(false)
                .connectTimeout(timeout, TimeUnit.MILLISECONDS)
                .readTimeout(timeout, TimeUnit.MILLISECONDS)
                .writeTimeout(timeout, TimeUnit.MILLISECONDS)
                // the whole exchange, not each read: a frozen agent may accept the connection
                .callTimeout(timeout, TimeUnit.MILLISECONDS);
        if (tls != null) {
            b.sslSocketFactory(tls.getSocketFactory(), s.trustManager);
        }
        return b.build();
    }

    /** One probe of {@code agent}: completes normally on any HTTP answer. */
    private CompletableFuture<Void> ping(Agent agent) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Request request = new Request.Builder()
                .url((agent.address.https ? "https://" : "http://") + agent.address.hostPort() + PROBE_PATH)
                .get().build();
        probeClient.newCall(request).enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
                f.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call call, Response response) {
                response.close();
                f.complete(null);
            }
        });
        return f;
    }

    private Consul client(Settings s, AgentAddress a, ExecutorService executor, InFlightCalls calls,
            SSLContext tls) {
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
                .withConsulFailoverInterceptor(calls)
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
        if (a.https && tls != null) {
            b.withSslContext(tls).withTrustManager(s.trustManager);
        }
        return b.build();
    }

    String describe() {
        return agents.all().stream().map(Agent::toString).collect(Collectors.joining(", "));
    }

    /** Cancels every call in flight and closes every connection. */
    @Override
    public void close() {
        if (prober != null) {
            prober.close();
            probeClient.dispatcher().cancelAll();
        }
        for (Agent a : agents.all()) {
            // cancels the dispatcher's calls, "shuts down" our Unowned view, evicts the pool
            a.consul.destroy();
            a.calls.cancelAll();
        }
        pool.evictAll();
    }

    /**
     * The calls in flight on one agent. consul-client hides its OkHttp client; its failover
     * interceptor is the one hook it offers that sees OkHttp's {@link Call}, so this one
     * only records calls (no failover: each agent has its own client, and the rotation is
     * ours) and lets them proceed unchanged.
     */
    static final class InFlightCalls extends ConsulFailoverInterceptor {

        private final Set<Call> calls = ConcurrentHashMap.newKeySet();

        InFlightCalls() {
            super(NoFailover.INSTANCE);
        }

        @Override
        public Response intercept(Chain chain) {
            Call call = chain.call();
            calls.add(call);
            try {
                return chain.proceed(chain.request());
            } catch (IOException e) {
                // the overridden method does not declare it, OkHttp's Interceptor does: rethrown
                // unchanged so that OkHttp hands it to the callback as usual
                throw InFlightCalls.<RuntimeException>rethrow(e);
            } finally {
                calls.remove(call);
            }
        }

        @SuppressWarnings("unchecked")
        private static <E extends Throwable> E rethrow(Throwable t) throws E {
            throw (E) t;
        }

        boolean any() {
            return !calls.isEmpty();
        }

        /** Cancels the calls in flight; their callbacks get an IOException. */
        void cancelAll() {
            for (Call c : calls) {
                c.cancel();
            }
        }
    }

    /** Never consulted: {@link InFlightCalls} overrides the only method that would. */
    // one abstract method of the interface is deprecated for removal; implementing it is required
    @SuppressWarnings("removal")
    private enum NoFailover implements ConsulFailoverStrategy {
        INSTANCE;

        @Override
        public Optional<Request> computeNextStage(Request previousRequest) {
            return Optional.of(previousRequest);
        }

        @Override
        public Optional<Request> computeNextStage(Request previousRequest, Response previousResponse) {
            return Optional.empty();
        }

        @Override
        public boolean isRequestViable(Request current) {
            return true;
        }

        @Override
        public void markRequestFailed(Request current) {
            // nothing to remember
        }
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
