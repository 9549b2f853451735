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
    void theSettingWinsOverWhatIsInstalled() {
        assertThat(Backend.select("RedisReplication", NEEDS, "containers", b -> true, () -> null))
                .isEqualTo(Backend.CONTAINERS);
        assertThat(Backend.select("RedisReplication", NEEDS, " Processes ", b -> false, () -> "none"))
                .isEqualTo(Backend.PROCESSES);
    }

    @Test
    void aBadSettingNamesTheSettingAndTheExpectedForm() {
        assertThatThrownBy(() -> Backend.select("RedisReplication", NEEDS, "docker", b -> true, () -> null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("waymark.testkit.backend (or WAYMARK_TESTKIT_BACKEND) must be processes or containers: "
                        + "docker");
    }

    @Test
    void unsetItIsProcessesWhereTheBinariesExist() {
        assertThat(Backend.select("RedisReplication", NEEDS, null, b -> true, () -> {
            throw new AssertionError("Docker must not be asked when the binaries exist");
        })).isEqualTo(Backend.PROCESSES);
    }

    @Test
    void unsetItIsContainersWhereABinaryIsMissingAndDockerAnswers() {
        assertThat(Backend.select("MariaDbReplication", List.of("mariadbd", "mariadb"), null,
                Set.of("mariadb")::contains, () -> null)).isEqualTo(Backend.CONTAINERS);
    }

    @Test
    void withNeitherTheMessageNamesTheFixtureBothWaysAndTheSetting() {
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
    void withoutTestcontainersOnTheClasspathItSaysSo() {
        assertThatThrownBy(() -> Backend.select("RedisCluster", NEEDS, null, b -> false, () -> {
            throw new NoClassDefFoundError("org/testcontainers/DockerClientFactory");
        })).hasMessageContaining("Testcontainers is not on the classpath");
    }

    @Test
    void noEngineNamesTheFixtureTheEngineAndWhatToDo() {
        assertThat(Docker.noEngine("ConsulCluster", "Status 404: network bridge not found"))
                .startsWith("ConsulCluster runs on the containers backend, but no Docker engine answered")
                .contains("DOCKER_HOST=")
                .contains("scripts/start-docker")
                .contains("TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1")
                .contains("-Dwaymark.testkit.backend=processes");
    }
}
