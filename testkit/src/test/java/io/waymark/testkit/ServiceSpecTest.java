package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ServiceSpec")
class ServiceSpecTest {

    @Test
    void buildsTheAgentRegistrationBody() {
        ServiceSpec s = ServiceSpec.builder("web").id("web-1").address("127.0.0.5").port(8080)
                .tags("a", "b").meta("k", "v").ttlCheck(Duration.ofSeconds(10), "web-ttl").build();
        assertThat(s.toJson()).isEqualTo("{\"ID\":\"web-1\",\"Name\":\"web\",\"Tags\":[\"a\",\"b\"],"
                + "\"Address\":\"127.0.0.5\",\"Port\":8080,\"Meta\":{\"k\":\"v\"},\"Checks\":[{"
                + "\"CheckID\":\"web-ttl\",\"Name\":\"web-ttl\",\"TTL\":\"10000ms\"}]}");
    }

    @Test
    void idDefaultsToTheName() {
        assertThat(ServiceSpec.builder("db").build().id()).isEqualTo("db");
    }

    @Test
    void rejectsBadParametersNamingThem() {
        assertThatThrownBy(() -> ServiceSpec.builder("x").port(0))
                .hasMessage("port must be in 1..65535: 0");
        assertThatThrownBy(() -> ServiceSpec.builder("x").tcpCheck(Duration.ZERO, "h:1"))
                .hasMessageContaining("interval must be positive");
        assertThatThrownBy(() -> ServiceSpec.builder(" ")).hasMessageContaining("name must not be blank");
    }

    @Test
    void toString_hides_script_arguments() {
        ServiceSpec s = ServiceSpec.builder("r").scriptCheck(Duration.ofSeconds(1), "/c.sh", "pw123")
                .build();
        assertThat(s.toString()).doesNotContain("pw123").contains("script");
    }
}
