package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A token with a character outside visible ASCII (a BOM from a token file, an inner newline,
 * a NUL) must never show up anywhere: not in an exception (message, cause, stack trace), a log
 * line of any level, or an uncaught exception of one of our threads. The token never reaches
 * a server when it is refused, so a scripted server is enough here.
 */
class TokenLeakTest {

    /** Every bad token below contains this; finding it anywhere is a leak. */
    private static final String SECRET = "S3CRET";

    private final List<String> sentTokens = new CopyOnWriteArrayList<>();
    @RegisterExtension
    final Opened opened = new Opened();
    private MockWebServer server;
    private Captured captured;
    private ConsulDiscovery discovery;

    @BeforeEach
    void start() throws Exception {
        server = opened.track(ScriptedAgent.start(request -> {
            String t = request.getHeaders().get("X-Consul-Token");
            if (t != null) {
                sentTokens.add(t);
            }
            return HttpWatchTest.health(5, "10.0.0.1");
        }));
        captured = opened.track(new Captured());
    }

    private ConsulDiscoveryBuilder builder() {
        return ConsulDiscovery.builder().agent("127.0.0.1:" + server.getPort()).resolveTimeout(Duration.ofSeconds(3))
                .retryBackoff(Duration.ofMillis(20), Duration.ofMillis(100));
    }

    private void assertNoLeak() {
        String all = captured.all();
        assertThat(all).doesNotContain(SECRET);
        assertThat(sentTokens).noneMatch(t -> t.contains(SECRET) && !t.equals(SECRET + "-good"));
    }

    @ParameterizedTest(name = "token(\"{0}\") is refused at once, naming the setting and not the value")
    @ValueSource(strings = {"S3CRET-a\nb", "S3CRET-\u0000", "S3CRET-\u00e9t\u00e9", "S3CRET-a b", "S3CRET\u0000\n"})
    void builderRefusesBadToken(String token) {
        try {
            assertThatThrownBy(() -> builder().token(token)).isInstanceOf(IllegalArgumentException.class)
                    .satisfies(captured::add)
                    .hasMessageContaining("token")
                    .hasMessageContaining("visible ASCII")
                    .hasMessageContaining("value not shown");
        } finally {
            assertNoLeak();
        }
    }

    @Test
    @DisplayName("a BOM and surrounding whitespace are trimmed: the clean token is sent")
    void bomTrimmed() {
        discovery = opened.track(builder().token("\uFEFF S3CRET-good\r\n").build());
        assertThat(Recorder.addresses(discovery.resolve("web"))).containsExactly("10.0.0.1:80");
        assertThat(sentTokens).isNotEmpty().allMatch((SECRET + "-good")::equals);
        discovery.close();

        sentTokens.clear();
        discovery = opened.track(builder().token(() -> "\uFEFFS3CRET-good\n").build());
        assertThat(Recorder.addresses(discovery.resolve("web"))).containsExactly("10.0.0.1:80");
        assertThat(sentTokens).isNotEmpty().allMatch((SECRET + "-good")::equals);
    }

    @Test
    @DisplayName("a supplier answering a bad token fails the request with a masked message, everywhere")
    void badSupplierToken() throws Exception {
        List<String> answers = List.of("\uFEFFS3CRET-x\ny", "S3CRET-\u0000", "S3CRET-\u2028z");
        AtomicInteger reads = new AtomicInteger();
        Supplier<String> supplier = () -> answers.get(reads.getAndIncrement() % answers.size());
        discovery = opened.track(builder().token(supplier).build());

        assertThatThrownBy(() -> discovery.resolve("web")).isInstanceOf(DiscoveryException.class)
                .satisfies(captured::add)
                .hasMessageContaining("token supplier").hasMessageContaining("value not shown");
        try {
            discovery.resolveAsync("other").get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            captured.add(e);
        }
        try {
            discovery.refresh("web").get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            captured.add(e);
        }
        Recorder rec = new Recorder();
        discovery.watch("third", rec);
        // the watches keep retrying with the bad answers; each failure is logged
        await().atMost(Duration.ofSeconds(10)).until(() -> reads.get() >= 6);
        discovery.close();
        assertThat(captured.all()).contains("token supplier");
        assertThat(sentTokens).isEmpty();
        assertThat(rec.calls).isEmpty();
        assertNoLeak();
    }

    @Test
    @DisplayName("CONSUL_HTTP_TOKEN with a bad character: build() names the variable, not the value")
    void badEnvironmentToken() {
        ConsulDiscoveryBuilder b = builder();
        b.environment = Map.of("CONSUL_HTTP_TOKEN", "S3CRET-\u0000-env")::get;
        assertThatThrownBy(b::build).isInstanceOf(IllegalStateException.class)
                .satisfies(captured::add)
                .hasMessageContaining("CONSUL_HTTP_TOKEN").hasMessageContaining("value not shown");
        assertNoLeak();
    }
}
