package io.waymark.discovery;

import java.io.IOException;
import java.math.BigInteger;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import okhttp3.HttpUrl;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A name watched by blocking queries on {@code /v1/health/service/:name} (prepared
 * queries, which cannot block, are polled), following Consul's blocking-query guidance:
 * the index is reset to 0 when it goes backwards, an index below 1 is treated as 1, and
 * after an error the next request does not block so that a recovered agent clears the
 * stale mark at once.
 *
 * <p>An empty answer for a name that had instances is checked with the agent's ACL
 * authorizer ({@code POST /v1/internal/acl/authorize}, Consul 1.7+): when the token may not
 * read the service, the answer says nothing about the instances (Consul filters what a
 * token may not read out of answers instead of refusing them), so it is withheld and the
 * last endpoints stay, marked stale.
 */
final class HttpWatch extends NameWatch {

    private static final Logger LOG = LoggerFactory.getLogger(HttpWatch.class);

    private final HttpTransport transport;
    private final Settings settings;
    private final String waitParam;
    // the loop has one request in flight at a time; volatile for the hand-over between pool threads
    private volatile long index;
    private volatile boolean forceDefault;
    private volatile HttpTransport.@Nullable Exchange inFlight;

    HttpWatch(WatchKey key, DefaultConsulDiscovery owner, HttpTransport transport) {
        super(key, owner);
        this.transport = transport;
        this.settings = owner.settings;
        this.waitParam = settings.blockingWait.toSeconds() + "s";
    }

    @Override
    int agentCount() {
        return transport.agents.size();
    }

    @Override
    String agents() {
        return transport.describe();
    }

    /** Consul's guidance on X-Consul-Index: backwards means start over, below 1 means 1. */
    static long nextIndex(long previous, @Nullable BigInteger received) {
        long r = received == null ? 0 : (received.bitLength() > 63 ? Long.MAX_VALUE : received.longValue());
        if (r < previous) {
            return 0;
        }
        return Math.max(r, 1);
    }

    @Override
    void poll() {
        HttpTransport.Agent agent = transport.agents.current();
        boolean prepared = query.preparedQuery();
        long idx = prepared ? 0 : index;
        HttpTransport.Exchange x = transport.get(agent, url(agent, idx), idx > 0);
        inFlight = x;
        if (isStopped()) {
            x.cancel();
        }
        x.reply.whenComplete((r, error) -> {
            if (error != null) {
                loopFailed(agent, error);
                return;
            }
            try {
                if (prepared) {
                    succeeded(new Answer(ConsulJson.preparedQuery(r.body), 0));
                    next(Checks.nanos(settings.pollInterval));
                } else {
                    onAnswer(agent, idx, r);
                }
            } catch (IOException | RuntimeException e) {
                // a bad answer must not end the loop
                loopFailed(agent, e);
            }
        });
    }

    private void onAnswer(HttpTransport.Agent agent, long sentIndex, HttpTransport.Reply r) throws IOException {
        if (sentIndex > 0) {
            owner.counters.blockingQueries.increment();
        }
        if (settings.consistency == Consistency.STALE && !forceDefault
                && r.lastContactMillis > Checks.nanos(settings.maxStaleness) / 1_000_000) {
            // too stale: ask the leader once, as Consul's guidance suggests
            LOG.debug("{}: stale answer ({} ms since leader contact), asking the leader", query, r.lastContactMillis);
            forceDefault = true;
            index = 0;
            next(0);
            return;
        }
        forceDefault = false;
        long nextIdx = nextIndex(sentIndex, r.index);
        if (nextIdx == 0) {
            LOG.info("{}: Consul index went backwards ({} -> {}), starting over", query, sentIndex, r.index);
        }
        index = nextIdx;
        Answer answer = new Answer(endpoints(r.body), r.index == null ? 0 : r.index.longValue());
        Endpoints c = current();
        if (!answer.endpoints().isEmpty() || c != null && c.isEmpty()) {
            succeeded(answer);
            next(0);
            return;
        }
        if (c == null) {
            // a first answer without instances: an error when it only says the token may not read the service
            authorized(agent).whenComplete((allowed, error) -> {
                if (Boolean.FALSE.equals(allowed)) {
                    index = 0;
                    AclFilteredException e = filtered(agent);
                    owner.counters.failed(e);
                    failed(agent.toString(), e);
                } else {
                    succeeded(answer);
                    next(0);
                }
            });
            return;
        }
        // instances gone, or hidden by ACLs: ask the agent before publishing an empty list
        authorized(agent).thenCompose(allowed -> {
            if (Boolean.FALSE.equals(allowed)) {
                withheldEmpty(agent.toString());
                return CompletableFuture.completedFuture(null);
            }
            // the ACL may have changed between the answer and the check: ask again, now that it allows
            return fetch(agent).handle((confirmed, error) -> {
                succeeded(error == null ? confirmed : answer);
                return null;
            });
        }).whenComplete((ignored, error) -> next(0));
    }

    /**
     * Whether the token may read the service: false only when the agent says so; true when
     * ACLs are off (401), and null when the agent cannot tell (an older Consul, an error).
     */
    private CompletableFuture<Boolean> authorized(HttpTransport.Agent agent) {
        HttpUrl url = agent.base.newBuilder().addPathSegments("v1/internal/acl/authorize").build();
        String body = "[{\"Resource\":\"service\",\"Segment\":\"" + query.service() + "\",\"Access\":\"read\"}]";
        return transport.post(agent, url, body).reply.handle((r, error) -> {
            if (error == null) {
                try {
                    return ConsulJson.allowed(r.body);
                } catch (IOException e) {
                    return null;
                }
            }
            Throwable t = Counters.cause(error);
            if (t instanceof HttpTransport.StatusException && ((HttpTransport.StatusException) t).code == 401) {
                return Boolean.TRUE;
            }
            LOG.debug("{}: the ACL check failed ({}); publishing the empty answer", query, describe(t));
            return null;
        });
    }

    private void loopFailed(HttpTransport.Agent agent, Throwable t) {
        if (isStopped()) {
            return;
        }
        index = 0;
        if (Counters.leavesAgent(Counters.kind(t))) {
            transport.agents.failed(agent);
        }
        failed(agent.toString(), t);
    }

    /**
     * A non-blocking request; an empty answer for a name not known to be empty is checked with
     * the agent's ACL authorizer, as the loop checks it, and fails when the token may not read
     * the service.
     */
    @Override
    CompletableFuture<Answer> fetchNow() {
        HttpTransport.Agent agent = transport.agents.current();
        return fetch(agent).thenCompose(answer -> {
            Endpoints c = current();
            if (!answer.endpoints().isEmpty() || query.preparedQuery() || c != null && c.isEmpty()) {
                return CompletableFuture.completedFuture(answer);
            }
            return authorized(agent).thenApply(allowed -> {
                if (Boolean.FALSE.equals(allowed)) {
                    AclFilteredException e = filtered(agent);
                    owner.counters.failed(e);
                    throw new CompletionException(e);
                }
                return answer;
            });
        });
    }

    private AclFilteredException filtered(HttpTransport.Agent agent) {
        return new AclFilteredException("Consul agent " + agent + " answered no instances of '" + query
                + "', and its ACL check says the token may not read service '" + query.service() + "'");
    }

    /**
     * An empty answer that only says the token may not read the service (Consul filters what a
     * token may not read out of an answer rather than refusing it): an ACL refusal.
     */
    static final class AclFilteredException extends IOException {
        private static final long serialVersionUID = 1L;

        AclFilteredException(String message) {
            super(message);
        }
    }

    private CompletableFuture<Answer> fetch(HttpTransport.Agent agent) {
        return transport.get(agent, url(agent, 0), false).reply.handle((r, error) -> {
            if (error != null) {
                if (Counters.leavesAgent(Counters.kind(error))) {
                    transport.agents.failed(agent);
                }
                throw new CompletionException(Counters.cause(error));
            }
            try {
                return query.preparedQuery() ? new Answer(ConsulJson.preparedQuery(r.body), 0)
                        : new Answer(endpoints(r.body), r.index == null ? 0 : r.index.longValue());
            } catch (IOException e) {
                throw new CompletionException(e);
            }
        });
    }

    @Override
    void onStop() {
        HttpTransport.Exchange x = inFlight;
        if (x != null) {
            // a blocking query would otherwise hold its thread and connection for minutes
            x.cancel();
        }
    }

    private List<Endpoint> endpoints(String body) throws IOException {
        // ?passing leaves out warnings too: with includeWarning, only critical instances are dropped here
        return ConsulJson.health(body, settings.includeWarning && !key.everyInstance());
    }

    /** The request URL; blocking on {@code blockIndex} when it is above 0. */
    private HttpUrl url(HttpTransport.Agent agent, long blockIndex) {
        HttpUrl.Builder b = agent.base.newBuilder();
        if (query.preparedQuery()) {
            b.addPathSegments("v1/query").addPathSegment(query.service()).addPathSegment("execute");
        } else {
            b.addPathSegments("v1/health/service").addPathSegment(query.service());
            if (!key.everyInstance() && !settings.includeWarning) {
                b.addQueryParameter("passing", "true");
            }
            query.tag().ifPresent(t -> b.addQueryParameter("tag", t));
        }
        query.datacenter().ifPresent(dc -> b.addQueryParameter("dc", dc));
        if (!forceDefault && settings.consistency == Consistency.STALE) {
            b.addQueryParameter("stale", null);
        } else if (!forceDefault && settings.consistency == Consistency.CACHED) {
            // the agent's cache, without max-age: a blocking query keeps it fresh
            b.addQueryParameter("cached", null);
        }
        if (blockIndex > 0) {
            b.addQueryParameter("index", Long.toString(blockIndex)).addQueryParameter("wait", waitParam);
        }
        return b.build();
    }
}
