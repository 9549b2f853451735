package io.waymark.jdbc.internal;

import io.waymark.discovery.Endpoint;
import io.waymark.discovery.ServiceQuery;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.QueryOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every instance registered under a Consul service name, whatever its health: in the usual
 * layout each database host registers both the primary and the replica service with a role
 * check, so this names every server of the group, the one promoted a moment ago included,
 * while Consul's healthy answer still lists the old primary. Only a hint of which servers to
 * probe: nothing here is trusted as a role.
 *
 * <p>Asks the key's agents in order with plain (non-blocking) HTTP requests, {@value #TIMEOUT_MILLIS}
 * ms timeouts; prepared queries and failures give no instance. The ACL token goes in a header: the
 * key's, which is the URL's {@code consul.token} or else {@code CONSUL_HTTP_TOKEN} (resolved by
 * {@link ConsulUrl}, as for discovery), and never into a log line.
 *
 * <p><b>Threading:</b> thread-safe; {@link #close} releases the HTTP clients.
 */
final class RegisteredInstances implements Function<String, List<Endpoint>>, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RegisteredInstances.class);
    static final int TIMEOUT_MILLIS = 500;

    private final DiscoveryKey key;
    private final Consul[] clients;
    private boolean closed;
    private volatile String lastFailure;

    RegisteredInstances(DiscoveryKey key) {
        this.key = key;
        this.clients = new Consul[key.agents().size()];
    }

    @Override
    public List<Endpoint> apply(String name) {
        ServiceQuery query;
        try {
            query = ServiceQuery.parse(name);
        } catch (RuntimeException e) {
            return List.of();
        }
        if (query.preparedQuery()) {
            return List.of();
        }
        ImmutableQueryOptions.Builder options = ImmutableQueryOptions.builder();
        query.datacenter().ifPresent(options::datacenter);
        QueryOptions built = options.build();
        for (int i = 0; i < clients.length; i++) {
            try {
                Consul consul = client(i);
                if (consul == null) {
                    return List.of();
                }
                List<Endpoint> all = new ArrayList<>();
                for (ServiceHealth h : consul.healthClient().getAllServiceInstances(query.service(), built).getResponse()) {
                    if (query.tag().isPresent() && !h.getService().getTags().contains(query.tag().get())) {
                        continue;
                    }
                    String address = h.getService().getAddress();
                    if (address == null || address.isEmpty()) {
                        address = h.getNode().getAddress();
                    }
                    all.add(Endpoint.of(address, h.getService().getPort()));
                }
                return all;
            } catch (RuntimeException e) {
                // an HTTP client's message may quote the header it refused: the token
                String failure = Secrets.redact(e.toString(), key.token());
                lastFailure = failure;
                LOG.debug("agent {} did not list the instances of '{}': {}", key.agents().get(i), name, failure);
            }
        }
        return List.of();
    }

    /** What the last failed lookup logged (token masked), or null: for tests. */
    String lastFailure() {
        return lastFailure;
    }

    private synchronized Consul client(int i) {
        if (closed) {
            return null;
        }
        if (clients[i] == null) {
            String agent = key.agents().get(i);
            boolean https = agent.regionMatches(true, 0, "https://", 0, 8);
            Consul.Builder b = Consul.builder()
                    .withUrl(https ? agent : "http://" + agent)
                    .withHttps(https)
                    .withPing(false)
                    .withConnectTimeoutMillis(TIMEOUT_MILLIS)
                    .withReadTimeoutMillis(TIMEOUT_MILLIS)
                    .withWriteTimeoutMillis(TIMEOUT_MILLIS);
            if (key.token() != null) {
                b.withTokenAuth(key.token());
            }
            clients[i] = b.build();
        }
        return clients[i];
    }

    @Override
    public void close() {
        Consul[] open;
        synchronized (this) {
            closed = true;
            open = clients.clone();
            Arrays.fill(clients, null);
        }
        for (Consul c : open) {
            if (c != null) {
                try {
                    c.destroy();
                } catch (RuntimeException e) {
                    LOG.debug("closing a Consul client failed", e);
                }
            }
        }
    }
}
