package io.waymark.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@DisplayName("serverOption")
class ServerOptionsTest {

    /** Every fixture builder's serverOption, without starting anything. */
    static Stream<Arguments> builders() {
        return Stream.of(
                Arguments.of("MariaDbReplication", (Consumer<String>) o -> MariaDbReplication.builder().serverOption(o)),
                Arguments.of("RedisReplication", (Consumer<String>) o -> RedisReplication.builder().serverOption(o)),
                Arguments.of("RedisCluster", (Consumer<String>) o -> RedisCluster.builder().serverOption(o)),
                Arguments.of("ConsulCluster", (Consumer<String>) o -> ConsulCluster.builder().serverOption(o)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("builders")
    void rejectsWhatTheCommandLineCannotTakeNamingTheSettingAndTheForm(String fixture,
            Consumer<String> serverOption) {
        for (String bad : new String[] {null, "", "--", "secure-file-priv=/x", "-x", "--maxmemory 1mb\nbind 0.0.0.0",
                "--a\rb", "--a\0b"}) {
            assertThatThrownBy(() -> serverOption.accept(bad)).as(fixture + " given " + bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("serverOption must start with -- and hold no line break: ")
                    .hasMessageNotContaining("\n");
        }
        serverOption.accept("--maxmemory-policy allkeys-lru");
        serverOption.accept("--secure-file-priv=/some/dir");
    }

    @Test
    void theBuildersTakeOptionsFluently() {
        MariaDbReplication.Builder b = MariaDbReplication.builder().serverOption("--max-connections=50")
                .replicas(0).serverOption("--secure-file-priv=/x");
        assertThat(b.serverOptions).containsExactly("--max-connections=50", "--secure-file-priv=/x");
        assertThat(RedisCluster.builder().port(7000).serverOption("--maxmemory 10mb").serverOptions)
                .containsExactly("--maxmemory 10mb");
    }

    @Test
    void existingAbsolutePathsNamedByOptionsAreWhatTheContainersBackendMounts(@TempDir Path dir)
            throws Exception {
        Path file = Files.writeString(dir.resolve("a.pem"), "x");
        List<Path> paths = LocalProcessNode.namedPaths(List.of("--secure-file-priv=" + dir, "--dir " + dir + "/",
                "--tls-cert-file " + file, "--missing=" + dir.resolve("nope"), "--relative=files", "--root=/",
                "--flag", "--maxmemory 10mb"));
        assertThat(paths).containsExactly(dir, file);
    }
}
