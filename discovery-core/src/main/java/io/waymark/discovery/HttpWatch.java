package io.waymark.discovery;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.kiwiproject.consul.async.Callback;
import org.kiwiproject.consul.async.ConsulResponseCallback;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.health.HealthCheck;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.kiwiproject.consul.model.query.QueryResults;
import org.kiwiproject.consul.option.ConsistencyMode;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.QueryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A name watched by blocking queries on {@code /v1/health/service/:name} (prepared
 * queries, which cannot block, are polled), following Consul's blocking-query guidance:
 * the index is reset to 0 when it goes backwards, an index below 1 is treated as 1, and
 * after an error the next request does not block so that a recovered agent clears the
 * stale mark at once.
 */
final class HttpWatch extends NameWatch {

    private static final Logger LOG = LoggerFactory.getLogger(HttpWatch.class);
    /** The agent's cache, without max-age: a blocking query keeps it fresh. */
    private static final ConsistencyMode CACHED =
            ConsistencyMode.createCachedConsistencyWithMaxAgeAndStale((Long) null, (Long) null);

    private final HttpTransport transport;
    private final Settings settings;
    private final String waitParam;
    // the loop has one request in flight at a time; volatile for the hand-over between pool threads
    private volatile long index;
    private volatile boolean forceDefault;

    HttpWatch(ServiceQuery query, DefaultConsulDiscovery owner, HttpTransport transport) {
        super(query, owner);
        this.transport = transport;
        this.settings = owner.settings;
        this.waitParam = settings.blockingWait.toSeconds() + "s";
    }

    @Override
    int agentCount() {
        return transport.agents.size();
    }

    /** Consul's guidance on X-Consul-Index: backwards means start over, below 1 means 1. */
    static long nextIndex(long previous, BigInteger received) {
        long r = received == null ? 0 : (received.bitLength() > 63 ? Long.MAX_VALUE : received.longValue());
        if (r < previous) {
            return 0;
        }
        return Math.max(r, 1);
    }

    @Override
    void poll() {
        HttpTransport.Agent agent = transport.agents.current();
        if (query.preparedQuery()) {
            agent.consul.preparedQueryClient().execute(query.service(), options(0),
                    new Callback<QueryResults>() {
                        @Override
                        public void onResponse(QueryResults r) {
                            handled(agent, () -> {
                                succeeded(new Answer(endpoints(r.nodes()), 0));
                                next(settings.pollInterval.toNanos());
                            });
                        }

                        @Override
                        public void onFailure(Throwable t) {
                            loopFailed(agent, t);
                        }
                    });
            return;
        }
        long idx = index;
        request(agent, options(idx), new ConsulResponseCallback<>() {
            @Override
            public void onComplete(ConsulResponse<List<ServiceHealth>> r) {
                handled(agent, () -> onAnswer(idx, r));
            }

            @Override
            public void onFailure(Throwable t) {
                loopFailed(agent, t);
            }
        });
    }

    private void onAnswer(long sentIndex, ConsulResponse<List<ServiceHealth>> r) {
        if (settings.consistency == Consistency.STALE && !forceDefault
                && r.getLastContact() > settings.maxStaleness.toMillis()) {
            // too stale: ask the leader once, as Consul's guidance suggests
            LOG.debug("{}: stale answer ({} ms since leader contact), asking the leader", query, r.getLastContact());
            forceDefault = true;
            index = 0;
            next(0);
            return;
        }
        forceDefault = false;
        long nextIdx = nextIndex(sentIndex, r.getIndex());
        if (nextIdx == 0) {
            LOG.info("{}: Consul index went backwards ({} -> {}), starting over", query, sentIndex, r.getIndex());
        }
        index = nextIdx;
        succeeded(new Answer(endpoints(r.getResponse()), r.getIndex() == null ? 0 : r.getIndex().longValue()));
        next(0);
    }

    private void handled(HttpTransport.Agent agent, Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // a bad answer must not end the loop
            loopFailed(agent, e);
        }
    }

    private void loopFailed(HttpTransport.Agent agent, Throwable t) {
        if (isStopped()) {
            return;
        }
        index = 0;
        transport.agents.failed(agent);
        failed(agent.toString(), t);
    }

    private void request(HttpTransport.Agent agent, QueryOptions options,
            ConsulResponseCallback<List<ServiceHealth>> callback) {
        if (settings.includeWarning) {
            agent.consul.healthClient().getAllServiceInstances(query.service(), options, callback);
        } else {
            agent.consul.healthClient().getHealthyServiceInstances(query.service(), options, callback);
        }
    }

    @Override
    CompletableFuture<Answer> fetchNow() {
        CompletableFuture<Answer> f = new CompletableFuture<>();
        HttpTransport.Agent agent = transport.agents.current();
        if (query.preparedQuery()) {
            agent.consul.preparedQueryClient().execute(query.service(), options(0),
                    new Callback<QueryResults>() {
                        @Override
                        public void onResponse(QueryResults r) {
                            complete(f, () -> new Answer(endpoints(r.nodes()), 0));
                        }

                        @Override
                        public void onFailure(Throwable t) {
                            transport.agents.failed(agent);
                            f.completeExceptionally(t);
                        }
                    });
            return f;
        }
        request(agent, options(0), new ConsulResponseCallback<>() {
            @Override
            public void onComplete(ConsulResponse<List<ServiceHealth>> r) {
                complete(f, () -> new Answer(endpoints(r.getResponse()),
                        r.getIndex() == null ? 0 : r.getIndex().longValue()));
            }

            @Override
            public void onFailure(Throwable t) {
                transport.agents.failed(agent);
                f.completeExceptionally(t);
            }
        });
        return f;
    }

    private static void complete(CompletableFuture<Answer> f, Supplier<Answer> answer) {
        try {
            f.complete(answer.get());
        } catch (RuntimeException e) {
            f.completeExceptionally(e);
        }
    }

    /** Options of one request; blocking on {@code blockIndex} when it is above 0. */
    private QueryOptions options(long blockIndex) {
        ImmutableQueryOptions.Builder b = ImmutableQueryOptions.builder().consistencyMode(consistencyMode());
        if (blockIndex > 0) {
            b.index(BigInteger.valueOf(blockIndex)).wait(waitParam);
        }
        query.tag().ifPresent(b::addTag);
        query.datacenter().ifPresent(b::datacenter);
        return b.build();
    }

    private ConsistencyMode consistencyMode() {
        if (forceDefault) {
            return ConsistencyMode.DEFAULT;
        }
        switch (settings.consistency) {
            case STALE:
                return ConsistencyMode.STALE;
            case CACHED:
                return CACHED;
            default:
                return ConsistencyMode.DEFAULT;
        }
    }

    private List<Endpoint> endpoints(List<ServiceHealth> entries) {
        List<Endpoint> out = new ArrayList<>(entries == null ? 0 : entries.size());
        if (entries == null) {
            return out;
        }
        for (ServiceHealth h : entries) {
            if (settings.includeWarning && critical(h.getChecks())) {
                continue;
            }
            String address = h.getService().getAddress();
            if (address == null || address.isEmpty()) {
                // Consul's rule: a service without its own address lives at its node's
                address = h.getNode().getAddress();
            }
            out.add(Endpoint.of(address, h.getService().getPort(), h.getNode().getNode(),
                    h.getService().getTags(), h.getService().getMeta()));
        }
        return out;
    }

    private static boolean critical(List<HealthCheck> checks) {
        if (checks == null) {
            return false;
        }
        for (HealthCheck c : checks) {
            if ("critical".equals(c.getStatus())) {
                return true;
            }
        }
        return false;
    }
}
