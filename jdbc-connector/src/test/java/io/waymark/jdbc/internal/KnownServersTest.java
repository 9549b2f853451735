package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.waymark.discovery.ConsulDiscovery;
import io.waymark.discovery.Endpoint;
import io.waymark.discovery.InMemoryDiscovery;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Where the known servers come from: the instances registered under a name are discovery's. */
class KnownServersTest {

    private final NodeProber prober = new NodeProber();

    @AfterEach
    void closeProber() {
        prober.close();
    }

    private KnownServers known(String url, ConsulDiscovery discovery) throws SQLException {
        return new KnownServers(new Connector(ConsulUrl.parse(url, null), discovery, new FakeServers(), prober));
    }

    @Nested
    class RegisteredInstances {

        @Test
        void comeFromDiscoveryWhateverTheirHealth() throws SQLException {
            InMemoryDiscovery discovery = new InMemoryDiscovery().set("primary", "10.0.0.1:3306");
            discovery.setRegistered("primary", Endpoint.of("10.0.0.1", 3306),
                    Endpoint.of("10.0.0.2", 3306).withHealth(Endpoint.Health.CRITICAL));
            assertThat(known("jdbc:consul:mysql://primary/shop", discovery).registered("primary",
                    TimeUnit.SECONDS.toNanos(10))).extracting(Endpoint::address)
                    .containsExactly("10.0.0.1:3306", "10.0.0.2:3306");
        }

        /** Discovery refuses to list a prepared query's instances (its answers hold healthy ones only). */
        @Test
        void aPreparedQueryHasNoneAndDiscoveryIsNotAsked() throws SQLException {
            InMemoryDiscovery discovery = new InMemoryDiscovery();
            assertThat(known("jdbc:consul:mysql://db.query.consul/shop", discovery).registered("db.query.consul",
                    TimeUnit.SECONDS.toNanos(10))).isEmpty();
            assertThat(discovery.registeredCalls("db.query.consul")).isZero();
        }
    }

    /**
     * Against a stand-in for the agent's {@code /v1/health/service} endpoint: a real Consul with
     * ACLs proves discovery's token handling in discovery-core; what matters here is that the
     * lookup is discovery's, with the URL's token wherever it came from.
     */
    @Nested
    class AgainstAnAgent {

        private static final String ANSWER = "[{\"Node\":{\"Node\":\"db1\",\"Address\":\"127.0.0.31\"},"
                + "\"Service\":{\"ID\":\"p\",\"Service\":\"primary\",\"Tags\":[],\"Address\":\"127.0.0.31\","
                + "\"Port\":3306},\"Checks\":[{\"Status\":\"critical\"}]}]";

        private final Queue<String> requests = new ConcurrentLinkedQueue<>();
        private HttpServer agent;

        @AfterEach
        void stopAgent() {
            if (agent != null) {
                agent.stop(0);
            }
        }

        private int startAgent() throws IOException {
            agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            agent.createContext("/v1/", exchange -> {
                requests.add(exchange.getRequestURI().getPath() + " token="
                        + exchange.getRequestHeaders().getFirst("X-Consul-Token"));
                byte[] body = (exchange.getRequestURI().getPath().startsWith("/v1/health/service/") ? ANSWER : "{}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.getResponseHeaders().add("X-Consul-Index", "1");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            agent.start();
            return agent.getAddress().getPort();
        }

        @Test
        void sendsTheTokenOfTheUrlsDiscoveryKeyWhereverItCameFrom() throws Exception {
            ConsulUrl url = ConsulUrl.parse("jdbc:consul:mysql://primary/shop?consul.agent=127.0.0.1:" + startAgent(),
                    null, n -> n.equals("CONSUL_HTTP_TOKEN") ? "env-token" : null);
            try (ConsulDiscovery discovery = DiscoveryRegistry.build(url.discoveryKey())) {
                KnownServers known = new KnownServers(new Connector(url, discovery, new FakeServers(), prober));
                assertThat(known.registered("primary", TimeUnit.SECONDS.toNanos(10))).extracting(Endpoint::address)
                        .containsExactly("127.0.0.31:3306");
            }
            assertThat(requests).filteredOn(r -> r.startsWith("/v1/health/service/primary")).isNotEmpty()
                    .allMatch(r -> r.endsWith(" token=env-token"));
        }
    }
}
