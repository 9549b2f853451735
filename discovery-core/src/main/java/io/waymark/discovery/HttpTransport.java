package io.waymark.discovery;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import okhttp3.Call;
import okhttp3.Callback;
import okhttp3.ConnectionPool;
import okhttp3.Dispatcher;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/**
 * The agents' HTTP API on OkHttp: one client (one dispatcher, one connection pool, one
 * executor) for every agent (a {@code unix://} agent's clients derive from it, with a socket
 * factory of their own), the rotation between them and the probe that notices a frozen
 * one. Each request in flight holds one executor thread (OkHttp has no non-blocking I/O) and
 * one HTTP/1.1 connection, or one stream of an HTTP/2 connection (https), so the
 * dispatcher admits at most {@link #maxRequests(int) maxWatches + 64} at once (more wait
 * in its queue): with at most one blocking query per watch, 64 slots stay free for first
 * lookups, refreshes and ACL checks.
 *
 * <p>The token reaches the {@code X-Consul-Token} header through {@link ConsulToken} only;
 * probes send none.
 *
 * <p>Each agent's calls in flight are tracked so that an {@link AgentProber} that finds
 * the agent frozen can cancel them (a blocking request would otherwise wait for its read
 * timeout, minutes) and move the rotation past it. Agents that answer over HTTP/2 are
 * checked by PING frames on their connections instead (see {@code pings}).
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
    /** Requests in flight beyond one per watch: first lookups, refreshes, ACL checks. */
    static final int EXTRA_REQUESTS = 64;

    private static final MediaType JSON = MediaType.get("application/json");

    /** An agent, the clients that reach it, and its calls in flight. */
    static final class Agent {
        final AgentAddress address;
        final HttpUrl base;
        private final OkHttpClient client;
        private final OkHttpClient blockingClient;
        /** Null when probing is off. */
        private final @Nullable OkHttpClient probeClient;
        private final Set<Call> calls = ConcurrentHashMap.newKeySet();
        /**
         * Whether its last answer came over HTTP/2 (as Consul's https answers do): its
         * connections are then checked by PING frames, not by probe requests.
         */
        private volatile boolean http2;

        /** Reached through the clients given, or, for a {@code unix://} agent, clients derived from them. */
        Agent(AgentAddress address, OkHttpClient client, OkHttpClient blockingClient, @Nullable OkHttpClient probeClient) {
            this.address = address;
            this.base = new HttpUrl.Builder().scheme(address.https() ? "https" : "http").host(address.host())
                    .port(address.port()).build();
            String socket = address.socketPath();
            this.client = socket == null ? client : unix(client, socket);
            this.blockingClient = socket == null ? blockingClient : unix(blockingClient, socket);
            this.probeClient = socket == null || probeClient == null ? probeClient : unix(probeClient, socket);
        }

        /**
         * The same dispatcher and pool, connecting to the socket: OkHttp keys pooled
         * connections by socket factory too, so they never mix with TCP ones.
         */
        private static OkHttpClient unix(OkHttpClient c, String socket) {
            return c.newBuilder().socketFactory(new UnixSocketFactory(socket))
                    .dns(host -> List.of(InetAddress.getLoopbackAddress())).build();
        }

        boolean busy() {
            return !calls.isEmpty();
        }

        private void answered(Response response) {
            http2 = response.protocol() == Protocol.HTTP_2;
        }

        /** Cancels the calls in flight; their callbacks get an IOException. */
        void cancelAll() {
            for (Call c : calls) {
                c.cancel();
            }
        }

        @Override
        public String toString() {
            return address.toString();
        }
    }

    /** A 2xx answer: its body and the blocking-query headers. */
    static final class Reply {
        final String body;
        /** {@code X-Consul-Index}; null when absent or not a number. */
        final @Nullable BigInteger index;
        /** {@code X-Consul-LastContact} in milliseconds, 0 when absent. */
        final long lastContactMillis;

        Reply(String body, @Nullable BigInteger index, long lastContactMillis) {
            this.body = body;
            this.index = index;
            this.lastContactMillis = lastContactMillis;
        }
    }

    /** A request sent: its answer to come, and the means to cancel it. */
    static final class Exchange {
        final CompletableFuture<Reply> reply = new CompletableFuture<>();
        private volatile @Nullable Call call;
        private volatile boolean abandoned;

        /** Cancels the request: its sender no longer wants the answer (not a failure of the agent). */
        void cancel() {
            abandoned = true;
            Call c = call;
            if (c != null) {
                c.cancel();
            }
        }
    }

    /** An answer other than 2xx. */
    static final class StatusException extends IOException {
        private static final long serialVersionUID = 1L;
        final int code;
        /** The body Consul sent with it (e.g. "ACL not found"), shortened. */
        final String body;

        StatusException(int code, String body) {
            super("HTTP " + code + (body.isEmpty() ? "" : ": " + body));
            this.code = code;
            this.body = body;
        }
    }

    final Rotation<Agent> agents;
    private final Counters counters;
    private final List<String[]> scope;
    private final ConnectionPool pool;
    private final OkHttpClient client;
    private final OkHttpClient blockingClient;
    private final @Nullable OkHttpClient probeClient;
    private final @Nullable AgentProber<Agent> prober;

    /**
     * @param executor runs every call (each holds a thread while in flight)
     * @param scheduler runs the agent probe when {@link Settings#agentProbeInterval} is not zero
     */
    HttpTransport(Settings s, ExecutorService executor, ScheduledExecutorService scheduler, Counters counters) {
        this.counters = counters;
        // idle connections: enough for every watch to reuse its own between two requests
        this.pool = new ConnectionPool(256, 2, TimeUnit.MINUTES);
        this.scope = scope(s);
        Tls.Context tls = s.tls;
        Dispatcher dispatcher = new Dispatcher(executor);
        dispatcher.setMaxRequests(maxRequests(s.maxWatches));
        dispatcher.setMaxRequestsPerHost(maxRequests(s.maxWatches));
        int timeout = Checks.intMillis(s.requestTimeout);
        OkHttpClient.Builder b = new OkHttpClient.Builder()
                .dispatcher(dispatcher)
                .connectionPool(pool)
                .followRedirects(false)
                .connectTimeout(timeout, TimeUnit.MILLISECONDS)
                .readTimeout(timeout, TimeUnit.MILLISECONDS)
                .writeTimeout(timeout, TimeUnit.MILLISECONDS);
        pings(b, s);
        if (s.token != null) {
            b.addInterceptor(s.token);
        }
        if (tls != null) {
            b.sslSocketFactory(tls.socketFactory, tls.trustManager).hostnameVerifier(tls.hostnameVerifier());
        }
        this.client = b.build();
        // Consul answers a blocking query after wait + up to wait/16 of jitter; the request timeout on top
        long waitNanos = Checks.nanos(s.blockingWait);
        long readNanos = Checks.addNanos(waitNanos + waitNanos / 16, Checks.nanos(s.requestTimeout));
        this.blockingClient = client.newBuilder()
                .readTimeout(Math.min(readNanos / 1_000_000, Integer.MAX_VALUE), TimeUnit.MILLISECONDS).build();
        this.probeClient = s.agentProbeInterval.isZero() ? null : probeClient(s, executor, tls);
        List<Agent> list = new ArrayList<>();
        for (AgentAddress a : s.agents) {
            list.add(new Agent(a, client, blockingClient, probeClient));
        }
        if (probeClient == null) {
            this.prober = null;
            this.agents = new Rotation<>(list, a -> true, counters.agentRotations);
        } else {
            this.prober = new AgentProber<>(list, new AgentProber.Io<>() {
                @Override
                public boolean busy(Agent agent) {
                    // an HTTP/2 agent's connections answer PINGs instead: a probe would take a stream, and
                    // with every stream of its connections taken by blocking queries, a connection of its own
                    return agent.busy() && !agent.http2;
                }

                @Override
                public CompletableFuture<?> ping(Agent agent) {
                    return HttpTransport.this.ping(agent);
                }

                @Override
                public void down(Agent agent) {
                    // each cancelled call fails its watch: stale endpoints, rotation, backoff
                    agent.cancelAll();
                    agents.failed(agent);
                }
            });
            this.agents = new Rotation<>(list, a -> !prober.isDown(a), counters.agentRotations);
            prober.start(scheduler, s.agentProbeInterval);
        }
    }

    /**
     * HTTP/2 connections send a PING every probe timeout (the interval, at least 1 s); one whose
     * previous PING went unanswered fails with every request on it, so watches move on as after
     * failed probes. HTTP/1.1 connections have no PING: their agents are probed.
     */
    private static void pings(OkHttpClient.Builder b, Settings s) {
        if (!s.agentProbeInterval.isZero()) {
            b.pingInterval(probeTimeoutMillis(s), TimeUnit.MILLISECONDS);
        }
    }

    /** Requests in flight at most: one per watch plus {@value #EXTRA_REQUESTS}. */
    static int maxRequests(int maxWatches) {
        return maxWatches + EXTRA_REQUESTS;
    }

    /** The Enterprise query parameters of every request ({@code ns}, {@code partition}), as the Go API client sends them. */
    private static List<String[]> scope(Settings s) {
        List<String[]> p = new ArrayList<>();
        if (s.namespace != null) {
            p.add(new String[] {"ns", s.namespace});
        }
        if (s.partition != null) {
            p.add(new String[] {"partition", s.partition});
        }
        return List.copyOf(p);
    }

    /** {@code url} with the namespace and partition. */
    private HttpUrl scoped(HttpUrl url) {
        if (scope.isEmpty()) {
            return url;
        }
        HttpUrl.Builder b = url.newBuilder();
        for (String[] p : scope) {
            b.setQueryParameter(p[0], p[1]);
        }
        return b.build();
    }

    /** Probe timeout: the interval, at least 1 s, at most the request timeout. */
    static long probeTimeoutMillis(Settings s) {
        long interval = Math.max(Checks.nanos(s.agentProbeInterval) / 1_000_000, MIN_PROBE_TIMEOUT_MILLIS);
        return Math.min(interval, Checks.intMillis(s.requestTimeout));
    }

    private OkHttpClient probeClient(Settings s, ExecutorService executor, Tls.@Nullable Context tls) {
        long timeout = probeTimeoutMillis(s);
        // a dispatcher of its own: probes must never wait behind blocking queries
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
        // whichever client opens a pooled connection sets its PINGs
        pings(b, s);
        if (tls != null) {
            b.sslSocketFactory(tls.socketFactory, tls.trustManager).hostnameVerifier(tls.hostnameVerifier());
        }
        return b.build();
    }

    /** One probe of {@code agent}: completes normally on any HTTP answer. */
    private CompletableFuture<Void> ping(Agent agent) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        Request request = new Request.Builder().url(scoped(agent.base.newBuilder().encodedPath(PROBE_PATH).build()))
                .get().build();
        // probes run only when probing is on, and then every agent has its probe client
        Objects.requireNonNull(agent.probeClient).newCall(request).enqueue(new Callback() {
            @Override
            public void onFailure(Call call, IOException e) {
                f.completeExceptionally(e);
            }

            @Override
            public void onResponse(Call call, Response response) {
                agent.answered(response);
                response.close();
                f.complete(null);
            }
        });
        return f;
    }

    /**
     * Sends {@code GET url} to {@code agent}; a request with {@code blocking} set may wait in
     * Consul for the blocking wait. The reply completes on an executor thread; a non-2xx
     * answer fails it with a {@link StatusException}.
     */
    Exchange get(Agent agent, HttpUrl url, boolean blocking) {
        return send(agent, new Request.Builder().url(scoped(url)).get().build(), blocking);
    }

    /** Sends {@code POST url} with a JSON body; not blocking. */
    Exchange post(Agent agent, HttpUrl url, String json) {
        return send(agent, new Request.Builder().url(scoped(url)).post(RequestBody.create(json, JSON)).build(), false);
    }

    private Exchange send(Agent agent, Request request, boolean blocking) {
        Exchange x = new Exchange();
        Call call = (blocking ? agent.blockingClient : agent.client).newCall(request);
        x.call = call;
        agent.calls.add(call);
        counters.requests.increment();
        call.enqueue(new Callback() {
            @Override
            public void onFailure(Call c, IOException e) {
                agent.calls.remove(c);
                if (x.abandoned) {
                    x.reply.completeExceptionally(e);
                    return;
                }
                // otherwise cancelled only by the prober (or by close(), after which nobody listens)
                IOException error = c.isCanceled() ? new SocketTimeoutException("Consul agent " + agent
                        + " stopped answering its probes; request cancelled") : e;
                counters.failed(error);
                x.reply.completeExceptionally(error);
            }

            @Override
            public void onResponse(Call c, Response response) {
                agent.calls.remove(c);
                agent.answered(response);
                try (response) {
                    String body = response.body().string();
                    if (!response.isSuccessful()) {
                        StatusException error = new StatusException(response.code(), shorten(body));
                        counters.failed(error);
                        x.reply.completeExceptionally(error);
                        return;
                    }
                    x.reply.complete(new Reply(body, number(response.header("X-Consul-Index")),
                            lastContact(response.header("X-Consul-LastContact"))));
                } catch (IOException e) {
                    counters.failed(e);
                    x.reply.completeExceptionally(e);
                }
            }
        });
        return x;
    }

    /** An error body as a message may quote it: one line, at most 200 characters. */
    static String shorten(String body) {
        String oneLine = body.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }

    private static @Nullable BigInteger number(String header) {
        if (header == null || header.isEmpty() || !header.chars().allMatch(Character::isDigit)) {
            return null;
        }
        return new BigInteger(header);
    }

    private static long lastContact(String header) {
        BigInteger n = number(header);
        return n == null ? 0 : (n.bitLength() > 63 ? Long.MAX_VALUE : n.longValue());
    }

    String describe() {
        return agents.all().stream().map(Agent::toString).collect(Collectors.joining(", "));
    }

    /** Cancels every call in flight and closes every connection. */
    @Override
    public void close() {
        if (prober != null) {
            prober.close();
        }
        if (probeClient != null) {
            probeClient.dispatcher().cancelAll();
        }
        client.dispatcher().cancelAll();
        pool.evictAll();
    }
}
