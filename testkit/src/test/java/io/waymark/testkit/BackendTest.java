package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.waymark.testkit.internal.Docker;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Backend selection")
class BackendTest {

    private static final List<String> NEEDS = List.of("redis-server");

    @Test
    void the_setting_wins_over_what_is_installed() {
        assertThat(Backend.select("RedisReplication", NEEDS, "containers", b -> true, () -> null))
                .isEqualTo(Backend.CONTAINERS);
        assertThat(Backend.select("RedisReplication", NEEDS, " Processes ", b -> false, () -> "none"))
                .isEqualTo(Backend.PROCESSES);
    }

    @Test
    void a_bad_setting_names_the_setting_and_the_expected_form() {
        assertThatThrownBy(() -> Backend.select("RedisReplication", NEEDS, "docker", b -> true, () -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("waymark.testkit.backend (or WAYMARK_TESTKIT_BACKEND) must be processes or containers: "
                        + "docker");
    }

    @Test
    void unset_it_is_processes_where_the_binaries_exist() {
        assertThat(Backend.select("RedisReplication", NEEDS, null, b -> true, () -> {
            throw new AssertionError("Docker must not be asked when the binaries exist");
        })).isEqualTo(Backend.PROCESSES);
    }

    @Test
    void unset_it_is_containers_where_a_binary_is_missing_and_docker_answers() {
        assertThat(Backend.select("MariaDbReplication", List.of("mariadbd", "mariadb"), null,
                Set.of("mariadb")::contains, () -> null)).isEqualTo(Backend.CONTAINERS);
    }

    @Test
    void with_neither_the_message_names_the_fixture_both_ways_and_the_setting() {
        assertThatThrownBy(() -> Backend.select("RedisCluster", NEEDS, null, b -> false,
                () -> "connection refused"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RedisCluster has no backend")
                .hasMessageContaining("[redis-server] not installed")
                .hasMessageContaining("scripts/install-prereqs")
                .hasMessageContaining("no Docker engine answered: connection refused")
                .hasMessageContaining("DOCKER_HOST")
                .hasMessageContaining("-Dwaymark.testkit.backend=processes|containers")
                .hasMessageContaining("WAYMARK_TESTKIT_BACKEND");
    }

    @Test
    void without_testcontainers_on_the_classpath_it_says_so() {
        assertThatThrownBy(() -> Backend.select("RedisCluster", NEEDS, null, b -> false, () -> {
            throw new NoClassDefFoundError("org/testcontainers/DockerClientFactory");
        })).hasMessageContaining("Testcontainers is not on the classpath");
    }

    @Test
    void no_engine_names_the_fixture_the_engine_and_what_to_do() {
        assertThat(Docker.noEngine("ConsulCluster", "Status 404: network bridge not found"))
                .startsWith("ConsulCluster runs on the containers backend, but no Docker engine answered")
                .contains("DOCKER_HOST=")
                .contains("scripts/start-docker")
                .contains("TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1")
                .contains("-Dwaymark.testkit.backend=processes");
    }
}
