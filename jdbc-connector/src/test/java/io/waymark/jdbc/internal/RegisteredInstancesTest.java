package io.waymark.jdbc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.waymark.discovery.DiscoveryMode;
import io.waymark.discovery.Endpoint;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lookup of registered instances against a stand-in for the agent's
 * {@code /v1/health/service} endpoint: a real Consul with ACLs is what issue 12's testkit will
 * bring; what matters here is which token goes out and that none comes back in a message.
 */
class RegisteredInstancesTest {

    private static final String ANSWER = "[{\"Node\":{\"Node\":\"db1\",\"Address\":\"127.0.0.31\"},"
            + "\"Service\":{\"ID\":\"p\",\"Service\":\"primary\",\"Tags\":[],\"Address\":\"127.0.0.31\",\"Port\":3306},"
            + "\"Checks\":[]}]";

    private HttpServer agent;
    private final Queue<String> tokens = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void startAgent() throws IOException {
        agent = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        agent.createContext("/v1/health/service/", exchange -> {
            tokens.add(String.valueOf(exchange.getRequestHeaders().getFirst("X-Consul-Token")));
            byte[] body = ANSWER.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.getResponseHeaders().add("X-Consul-Index", "1");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        agent.start();
    }

    @AfterEach
    void stopAgent() {
        agent.stop(0);
    }

    private DiscoveryKey key(String token) {
        return new DiscoveryKey(List.of("127.0.0.1:" + agent.getAddress().getPort()), token, DiscoveryMode.HTTP, null,
                null, false);
    }

    @Test
    void sendsTheTokenOfTheUrlsDiscoveryKeyWhereverItCameFrom() throws Exception {
        DiscoveryKey fromEnv = ConsulUrl.parse("jdbc:consul:mysql://primary?consul.agent=127.0.0.1:"
                + agent.getAddress().getPort(), null, n -> n.equals("CONSUL_HTTP_TOKEN") ? "env-token" : null)
                .discoveryKey();
        try (RegisteredInstances lookup = new RegisteredInstances(fromEnv)) {
            assertThat(lookup.apply("primary")).extracting(Endpoint::address).containsExactly("127.0.0.31:3306");
        }
        assertThat(tokens).containsExactly("env-token");
    }

    @Test
    void aTokenTheHttpClientRefusesNeverShowsInWhatIsLogged() {
        String token = "t0p-s3cret\nX";
        try (RegisteredInstances lookup = new RegisteredInstances(key(token))) {
            assertThat(lookup.apply("primary")).isEmpty();
            assertThat(lookup.lastFailure()).isNotNull().doesNotContain("t0p-s3cret");
        }
        assertThat(tokens).as("nothing reached the agent").isEmpty();
    }
}
