package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.waymark.discovery.DiscoveryStats.ErrorKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A token file and its rotation, against a scripted agent that refuses deleted tokens with 403
 * "ACL not found" as Consul does (the same against real Consul: {@code SecuredConsulIT}). The
 * agent answers every request at once, so the watch loop keeps asking (at its rate limit)
 * and each request shows which token was sent.
 */
class TokenFileTest {

    private static final String OLD = "11111111-1111-1111-1111-111111111111";
    private static final String NEW = "22222222-2222-2222-2222-222222222222";

    @TempDir
    Path dir;
    @RegisterExtension
    final Opened opened = new Opened();
    private MockWebServer server;
    private final List<String> sent = new CopyOnWriteArrayList<>();
    private final Set<String> deleted = ConcurrentHashMap.newKeySet();
    private ConsulDiscovery discovery;
    private Captured captured;
    /** While set, the agent holds each request that carries a token until it opens. */
    private volatile CountDownLatch gate;
    /** One permit per request the gate holds. */
    private final Semaphore held = new Semaphore(0);

    @BeforeEach
    void start() throws Exception {
        server = opened.track(ScriptedAgent.start(request -> {
            if (HttpTransport.PROBE_PATH.equals(request.getUrl().encodedPath())) {
                return new MockResponse.Builder().code(200).body("{}").build();
            }
            String token = String.valueOf(request.getHeaders().get("X-Consul-Token"));
            sent.add(token);
            CountDownLatch g = gate;
            if (g != null) {
                held.release();
                try {
                    g.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (deleted.contains(token)) {
                return new MockResponse.Builder().code(403).body("rpc error making call: ACL not found").build();
            }
            return HttpWatchTest.health(5, "10.0.0.1");
        }));
        captured = opened.track(new Captured());
    }

    private ConsulDiscoveryBuilder builder() {
        return ConsulDiscovery.builder().environment(Map.of()).agent("127.0.0.1:" + server.getPort())
                .resolveTimeout(Duration.ofSeconds(3)).retryBackoff(Duration.ofMillis(50), Duration.ofMillis(200));
    }

    private Path file(String token) throws Exception {
        Path f = dir.resolve("token");
        Files.writeString(f, token + "\n");
        return f;
    }

    /**
     * Rewrites {@code f} in place with {@code token}, keeping its modification time, while the
     * watch's request is held by the agent (its token taken before): no request can stat the file
     * between the write and the restored time, which it would see as a change and read.
     */
    private void rewriteUnnoticed(Path f, String token) throws Exception {
        CountDownLatch g = new CountDownLatch(1);
        held.drainPermits();
        gate = g;
        try {
            assertThat(held.tryAcquire(10, TimeUnit.SECONDS)).as("a request held by the agent").isTrue();
            FileTime before = Files.getLastModifiedTime(f);
            Files.writeString(f, token + "\n");
            Files.setLastModifiedTime(f, before);
        } finally {
            gate = null;
            g.countDown();
        }
    }

    /** Waits until {@code n} more requests were sent; returns their tokens. */
    private List<String> next(int n) {
        int from = sent.size();
        await().atMost(Duration.ofSeconds(10)).until(() -> sent.size() >= from + n);
        return List.copyOf(sent.subList(from, from + n));
    }

    @Test
    @DisplayName("each request looks at the file's attributes, not its content: an unchanged stat sends the old token")
    void noReadPerRequest() throws Exception {
        Path f = file(OLD);
        discovery = opened.track(builder().tokenFile(f).build());
        discovery.watch("web", new Recorder());
        assertThat(next(3)).containsOnly(OLD);
        rewriteUnnoticed(f, NEW);
        assertThat(next(5)).as("same size, same mtime, same file: not read again").containsOnly(OLD);
    }

    @Test
    @DisplayName("a file replaced (rename) or rewritten is read again: the next request carries the new token")
    void changeNoticed() throws Exception {
        Path f = file(OLD);
        discovery = opened.track(builder().tokenFile(f).build());
        discovery.watch("web", new Recorder());
        next(2);
        Path tmp = dir.resolve("token.new");
        Files.writeString(tmp, NEW);
        Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        await().atMost(Duration.ofSeconds(5)).until(() -> sent.get(sent.size() - 1).equals(NEW));
        assertThat(next(3)).containsOnly(NEW);
    }

    @Test
    @DisplayName("403 after a change the stat missed: the file is read at once and the request re-sent, nothing fails")
    void refusedThenReread() throws Exception {
        Path f = file(OLD);
        discovery = opened.track(builder().tokenFile(f).build());
        Recorder rec = new Recorder();
        discovery.watch("web", rec);
        next(2);
        rewriteUnnoticed(f, NEW);
        deleted.add(OLD);
        int at = sent.size();
        List<String> after = next(4);
        assertThat(after).contains(NEW);
        // the refused request was re-sent with the new token right away: one 403 in all
        assertThat(sent.subList(at, sent.size())).filteredOn(OLD::equals).hasSizeLessThanOrEqualTo(1);
        assertThat(discovery.resolve("web").stale()).isFalse();
        assertThat(discovery.stats().errors(ErrorKind.ACL_DENIED)).isZero();
        assertThat(rec.calls).hasSize(1);
        assertThat(captured.all()).contains("sending the request again").doesNotContain(OLD).doesNotContain(NEW);
    }

    @Test
    @DisplayName("a supplier is asked again after a 403: a new answer re-sends the request; the same one is the answer")
    void supplierAfterRefusal() {
        AtomicReference<String> current = new AtomicReference<>(OLD);
        discovery = opened.track(builder().token(current::get).build());
        discovery.watch("web", new Recorder());
        next(2);
        deleted.add(OLD);
        current.set(NEW);
        next(3);
        assertThat(discovery.stats().errors(ErrorKind.ACL_DENIED)).isZero();

        deleted.add(NEW);
        await().atMost(Duration.ofSeconds(5)).until(() -> discovery.resolve("web").stale());
        assertThat(discovery.stats().errors(ErrorKind.ACL_DENIED)).isPositive();
    }

    @Test
    @DisplayName("a file missing or empty for a while keeps the last token; what comes next is used")
    void transientTrouble() throws Exception {
        Path f = file(OLD);
        discovery = opened.track(builder().tokenFile(f).build());
        discovery.watch("web", new Recorder());
        next(2);
        Files.delete(f);
        assertThat(next(3)).containsOnly(OLD);
        Files.writeString(f, "");
        assertThat(next(3)).containsOnly(OLD);
        Files.writeString(f, NEW);
        await().atMost(Duration.ofSeconds(5)).until(() -> sent.get(sent.size() - 1).equals(NEW));
        assertThat(captured.all()).contains("cannot be read now").contains("can be read again").doesNotContain(OLD)
                .doesNotContain(NEW);
    }

    @Test
    @DisplayName("build(): a missing, empty or unusable token file is an error naming the setting and file, never the content")
    void buildErrors() throws Exception {
        Path missing = dir.resolve("missing");
        assertThatThrownBy(() -> builder().tokenFile(missing).build()).isInstanceOf(IllegalStateException.class)
                .hasMessage("tokenFile '" + missing + "' does not exist");
        Path empty = Files.writeString(dir.resolve("empty"), " \n");
        assertThatThrownBy(() -> builder().tokenFile(empty).build())
                .hasMessage("tokenFile '" + empty + "' is empty: it must hold the ACL token");
        assertThatThrownBy(() -> builder().tokenFile(dir).build()).hasMessage("tokenFile '" + dir + "' is not a regular "
                + "file");
        Path bad = Files.writeString(dir.resolve("bad"), "S3CRET\u0000x");
        assertThatThrownBy(() -> builder().environment(Map.of("CONSUL_HTTP_TOKEN_FILE", bad.toString())).build())
                .hasMessageStartingWith("CONSUL_HTTP_TOKEN_FILE '" + bad + "' must be visible ASCII")
                .hasMessageContaining("value not shown").hasMessageNotContaining("S3CRET");
    }
}
