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

    DnsWatch(ServiceQuery query, DefaultConsulDiscovery owner, Rotation<AgentAddress> servers, DnsClient client,
            ExecutorService executor) {
        super(query, owner);
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
                r = client.lookup(server, query.dnsName());
            } catch (Exception e) {
                servers.failed(server);
                failed(server.toString(), e);
                return;
            }
            succeeded(new Answer(r.endpoints, 0));
            next(r.ttlSeconds > 0 ? TimeUnit.SECONDS.toNanos(r.ttlSeconds) : owner.settings.pollInterval.toNanos());
        });
    }

    @Override
    CompletableFuture<Answer> fetchNow() {
        return CompletableFuture.supplyAsync(() -> {
            AgentAddress server = servers.current();
            try {
                DnsClient.Result r = client.lookup(server, query.dnsName());
                return new Answer(r.endpoints, 0);
            } catch (Exception e) {
                servers.failed(server);
                throw new CompletionException(e);
            }
        }, executor);
    }
}
