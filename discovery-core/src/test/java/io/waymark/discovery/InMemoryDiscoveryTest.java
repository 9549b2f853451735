package io.waymark.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The shared test double behaves as the real discovery does, where its callers can tell. */
class InMemoryDiscoveryTest {

    private final InMemoryDiscovery d = new InMemoryDiscovery();

    @Test
    @DisplayName("names: validated, every spelling shares endpoints named as spelled, unknown ones are empty")
    void names() {
        d.set("web.service.consul", "10.0.0.1:80", "[::1]:81");
        Endpoints e = d.resolve("web");
        assertThat(e.name()).isEqualTo("web");
        assertThat(Recorder.addresses(e)).containsExactly("10.0.0.1:80", "[::1]:81");
        assertThat(d.resolves("web.service.consul")).isEqualTo(1);
        assertThat(d.resolve("other").isEmpty()).isTrue();
        assertThatThrownBy(() -> d.resolve("bad name")).isInstanceOf(IllegalArgumentException.class);
        d.failUnknownNames();
        assertThatThrownBy(() -> d.resolve("another")).isInstanceOf(DiscoveryException.class);
    }

    @Test
    @DisplayName("listeners: current endpoints first, then each change of the set, not a stale mark; close stops them")
    void listeners() {
        Recorder rec = new Recorder();
        Watch w = d.watch("db", rec);
        assertThat(rec.calls).isEmpty();
        d.set("db", "10.0.0.1:3306");
        d.set("db", "10.0.0.1:3306");
        d.stale("db", true);
        assertThat(d.resolve("db").stale()).isTrue();
        d.set("db.service.consul", "10.0.0.2:3306");
        assertThat(rec.calls).extracting(Recorder::addresses)
                .containsExactly(List.of("10.0.0.1:3306"), List.of("10.0.0.2:3306"));
        assertThat(rec.last().name()).isEqualTo("db");
        assertThat(d.watchers("db")).isEqualTo(1);
        assertThat(d.stats().watchedNames()).isEqualTo(1);
        w.close();
        d.set("db", "10.0.0.3:3306");
        assertThat(rec.calls).hasSize(2);
    }

    @Test
    @DisplayName("registered instances, failures, refresh counts and close")
    void registeredFailuresClose() throws Exception {
        d.set("db", "10.0.0.1:3306");
        assertThat(Recorder.addresses(d.registered("db"))).containsExactly("10.0.0.1:3306");
        d.setRegistered("db", Endpoint.of("10.0.0.1", 3306),
                Endpoint.of("10.0.0.2", 3306).withHealth(Endpoint.Health.CRITICAL));
        assertThat(d.registered("db").all()).extracting(Endpoint::health)
                .containsExactly(Endpoint.Health.PASSING, Endpoint.Health.CRITICAL);
        assertThat(d.registeredCalls("db")).isEqualTo(2);
        assertThatThrownBy(() -> d.registered("q.query.consul")).isInstanceOf(IllegalArgumentException.class);

        d.fail("db", new DiscoveryException("down"));
        assertThatThrownBy(() -> d.resolve("db")).hasMessage("down");
        assertThat(d.refresh("db")).isCompletedExceptionally();
        assertThat(d.refreshes("db")).isEqualTo(1);
        d.set("db", "10.0.0.4:3306");
        assertThat(d.refresh("db").get().all()).hasSize(1);

        d.close();
        assertThat(d.isClosed()).isTrue();
        assertThatThrownBy(() -> d.resolve("db")).isInstanceOf(IllegalStateException.class);
    }
}
