package io.waymark.discovery;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A name polled on the agent's DNS interface: again after the record TTL, or after the
 * poll interval when the TTL is 0 (Consul's default). An NXDOMAIN answer is a known name
 * with no endpoints; SERVFAIL and I/O errors are outages.
 */
final class DnsWatch extends NameWatch {

    private final Rotation<AgentAddress> servers;
    private final DnsClient client;
    private final ExecutorService executor;

    DnsWatch(WatchKey key, DefaultConsulDiscovery owner, Rotation<AgentAddress> servers, DnsClient client,
            ExecutorService executor) {
        super(key, owner);
        this.servers = servers;
        this.client = client;
        this.executor = executor;
    }

    @Override
    int agentCount() {
        return servers.size();
    }

    @Override
    void poll() {
        executor.execute(() -> {
            if (isStopped()) {
                return;
            }
            AgentAddress server = servers.current();
            DnsClient.Result r;
            try {
                r = lookup(server);
            } catch (Exception e) {
                failed(server.toString(), e);
                return;
            }
            succeeded(new Answer(r.endpoints(), 0));
            // TTLs are at most 2^31 - 1 seconds: no overflow
            next(r.ttlSeconds() > 0 ? TimeUnit.SECONDS.toNanos(r.ttlSeconds()) : Checks.nanos(owner.settings.pollInterval));
        });
    }

    @Override
    CompletableFuture<Answer> fetchNow() {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return new Answer(lookup(servers.current()).endpoints(), 0);
            } catch (Exception e) {
                throw new CompletionException(e);
            }
        }, executor);
    }

    /** One lookup, counted; a failure the server is to blame for moves the rotation on. */
    private DnsClient.Result lookup(AgentAddress server) throws Exception {
        owner.counters.requests.increment();
        try {
            return client.lookup(server, query.dnsName());
        } catch (Exception e) {
            if (Counters.leavesAgent(owner.counters.failed(e))) {
                servers.failed(server);
            }
            throw e;
        }
    }
}
